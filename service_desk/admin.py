"""The service desk in the admin: the ticket queue and page (S11, S12), the calls (S13), and head office's setup of
categories, SLA targets, service hours and teams; the knowledge base (S14); questionnaires and invitations (S15).
Every write goes through service_desk.services and service_desk.surveys."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from clients.models import Branch, Client, StaffProfile
from core.admin_tools import (
    PickManyMixin,
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    ScopedRelatedFilter,
    ServiceAdminMixin,
    ServiceForm,
    act_on,
    posted_int,
)
from core.dates import deadline_text, moment_text
from core.errors import DomainError
from service_desk import search, services, surveys
from service_desk.models import (
    Article,
    ArticleVersion,
    Question,
    Questionnaire,
    ServiceWindow,
    SlaTarget,
    SurveyInvitation,
    Team,
    Ticket,
    TicketCall,
    TicketCategory,
    TicketEvent,
)
from service_log.models import Complaint
from tiering.models import Tier
from tiering.selectors import in_current_tiers


class HistoryInline(admin.TabularInline):
    """A ticket's or an article's read-only history rows, with the local time they happened."""

    extra = 0
    can_delete = False
    template = "admin/edit_inline/tabular_readonly.html"

    @admin.display(description=_("at"))
    def at_display(self, row):
        return _local(row.at)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TicketEventInline(HistoryInline):
    model = TicketEvent
    fields = readonly_fields = ["at_display", "kind", "actor_display", "text", "from_state", "to_state", "article"]
    verbose_name_plural = _("history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor__staff_profile", "article")

    @admin.display(description=_("by"))
    def actor_display(self, event):
        if event.actor_id is None:
            return "—"
        profile = getattr(event.actor, "staff_profile", None)
        return str(profile) if profile else event.actor.get_username()


class TicketCallInline(HistoryInline):
    model = TicketCall
    fields = readonly_fields = ["call_id", "at_display", "called_line", "staff", "recording_ref", "clients_matched"]
    verbose_name_plural = _("calls")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("staff")


class TicketAddForm(ServiceForm):
    """S11: a ticket opened through ticket_open, whose refusals stand next to their fields."""

    caller_number = forms.CharField(label=_("caller's phone number"), required=False, max_length=30,
                                   help_text=_("for a caller not known yet; matched to a client later"))

    class Meta:
        model = Ticket
        fields = ["client", "channel", "category", "priority", "subject", "description", "owner",
                  "team"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "category" in self.fields:
            self.fields["category"].queryset = TicketCategory.objects.filter(active=True).order_by("position")

    def write(self, data):
        if self.instance.pk:
            raise PermissionDenied  # the page's steps change a ticket, never the form
        return services.ticket_open(
            user=self.user, client_id=data["client"].pk if data.get("client") else None,
            caller_phone=data.get("caller_number", ""), channel=data["channel"],
            category_id=data["category"].pk, priority=data["priority"], subject=data["subject"],
            description=data.get("description", ""), owner_id=data["owner"].pk if data.get("owner") else None,
            team_id=data["team"].pk if data.get("team") else None)


_local = moment_text


class QueueFilter(admin.SimpleListFilter):
    """The queue's views: the user's unfinished tickets (the header's link), everyone's unfinished, or all."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", _("mine, unfinished")), ("open", _("unfinished"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.unfinished().filter(owner__user=request.user)
        if self.value() == "open":
            return queryset.unfinished()
        return queryset


@admin.register(Ticket)
class TicketAdmin(ServiceAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """工单队列: the tickets the user may see (O), unfinished first by their resolution deadline (S12); the page
    shows the history and one form per step open now."""

    list_display = ["number_display", "subject", "who", "category", "priority", "state", "owner", "team",
                    "deadline_display", "opened_display"]
    list_select_related = ["client", "owner", "team", "category"]
    list_filter = [QueueFilter, "state", "category", "priority", "team", "channel", ("branch", ScopedRelatedFilter),
                   ("owner", ScopedRelatedFilter)]
    search_fields = ["subject", "client__account_no", "client__name", "=reference"]  # a client cites its reference
    autocomplete_fields = ["client", "owner"]
    inlines = [TicketEventInline, TicketCallInline]
    ordering = ["resolution_due"]
    change_form_template = "admin/service_desk/ticket/change_form.html"
    form = TicketAddForm

    def get_ordering(self, request):
        """The queue views by deadline (the partial queue indexes); every ticket, newest first (ticket_opened)."""
        if request.GET.get("queue") in {"mine", "open"}:
            return ["resolution_due", "pk"]
        return ["-opened_at", "-pk"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["number_display", "client", "caller_display", "channel", "category", "priority", "state", "owner",
                "team",
                "subject", "description", "opened_display", "first_response_display", "resolution_display",
                "resolution", "reopened", "alert", "complaint"]

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj else []  # a new ticket has no history yet

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) if obj else super().get_fields(request, obj)

    @admin.display(description=_("number"), ordering="pk")
    def number_display(self, ticket):
        return ticket.number

    @admin.display(description=_("client or caller"))
    def who(self, ticket):
        return str(ticket.client) if ticket.client_id else ticket.caller_masked

    @admin.display(description=_("caller's number"))
    def caller_display(self, ticket):
        return ticket.caller_masked or "—"

    @admin.display(description=_("opened at"), ordering="opened_at")
    def opened_display(self, ticket):
        return _local(ticket.opened_at)

    @staticmethod
    def _due(ticket, due):
        """S12: a deadline the trading calendar cannot reach reads the same on the page as in the queue."""
        if due is None and not ticket.is_finished and ticket.state != ticket.State.WAITING:
            return _("beyond the calendar")
        return deadline_text(due)

    @admin.display(description=_("first response at / due"))
    def first_response_display(self, ticket):
        due = self._due(ticket, ticket.first_response_due) if not ticket.first_response_at else deadline_text(
            ticket.first_response_due)
        return format_html("{} / {} {}", _local(ticket.first_response_at), _("due"), due)

    @admin.display(description=_("resolved at / due"))
    def resolution_display(self, ticket):
        return format_html("{} / {} {}", _local(ticket.resolved_at), _("due"), self._due(ticket, ticket.resolution_due))

    @admin.display(description=_("resolution due"), ordering="resolution_due")
    def deadline_display(self, ticket):
        state = ticket.deadline_state()
        if not state:
            return "—"
        if state == "paused":
            return _("paused: waiting for the client")
        colour = {"breached": "#ba2121", "warned": "#b35c00"}.get(state)
        text = self._due(ticket, ticket.resolution_due)
        return format_html('<strong style="color:{}">{} ⚠</strong>', colour, text) if colour else text


    def get_urls(self):
        act = self.admin_site.admin_view(self.act_view)
        return [path("<path:object_id>/act/", act, name="service_desk_ticket_act"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ticket = self.get_object(request, object_id)
        context = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False,
                   "show_delete": False}
        if ticket is not None:
            context.update({
                "ticket": ticket, "steps": services.ticket_steps_open(ticket),
                "act_url": reverse("admin:service_desk_ticket_act", args=[ticket.pk]),
                "candidates": services.ticket_clients_with_caller_number(ticket, request.user)
                if ticket.client_id is None else [],
                "staff": StaffProfile.objects.visible_to(request.user).order_by("full_name")[:200],
                "teams": Team.objects.all(), "categories": TicketCategory.objects.filter(active=True),
                "priorities": Ticket._meta.get_field("priority").choices,
                "complaint_categories": Complaint.Category.choices, "severities": Complaint.Severity.choices,
                "may_act": request.user.has_perm("service_desk.change_ticket"),
                "kb_query": request.GET.get("kb", "").strip()[:100],
                "articles": services.articles_find(request.GET.get("kb", "").strip()[:100] or ticket.subject,
                                                   category_id=ticket.category_id, limit=6),
            })
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def act_view(self, request, object_id):
        """One step from the ticket's page, through the services (which check scope, role and state again)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = self.get_object(request, object_id)
        if ticket is None:
            raise Http404
        action, data, user = request.POST.get("action", ""), request.POST, request.user
        if action in {"reply", "note"}:
            def step():
                services.ticket_reply(user=user, ticket_id=ticket.pk, text=data.get("text", ""),
                                      internal=action == "note",
                                      article_id=posted_int(data.get("article")) if action == "reply" else None)
        elif action in services.STEPS:
            def step():
                services.ticket_step(user=user, ticket_id=ticket.pk, step=action, text=data.get("text", ""))
        elif action == "assign":
            def step():
                services.ticket_assign(user=user, ticket_id=ticket.pk, owner_id=posted_int(data.get("owner")),
                                       team_id=posted_int(data.get("team")), priority=data.get("priority") or None,
                                       category_id=posted_int(data.get("ticket_category")))
        elif action == "client":
            def step():
                services.ticket_client_set(user=user, ticket_id=ticket.pk,
                                           client_id=posted_int(data.get("client")) or 0)
        elif action == "complaint":
            def step():
                services.ticket_to_complaint(user=user, ticket_id=ticket.pk, category=data.get("category", ""),
                                             severity=data.get("severity", ""))
        else:
            raise Http404
        act_on(request, step, denied=_("You may not do this on this ticket."))
        return redirect(reverse("admin:service_desk_ticket_change", args=[ticket.pk]))


class ArticleForm(ServiceForm):
    """S14: an article's title and text are its current version's; saving writes a new version when they change."""

    title = forms.CharField(label=_("title"), max_length=120)
    body = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 14, "cols": 100}))
    keywords = forms.CharField(label=_("keywords"), max_length=200, required=False,
                               help_text=_("the words clients use, e.g. 强平 爆仓 for forced liquidation"))

    class Meta:
        model = Article
        fields = ["category", "title", "keywords", "body", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.current_id:
            self.fields["title"].initial = self.instance.current.title
            self.fields["body"].initial = self.instance.current.body
            self.fields["keywords"].initial = self.instance.current.keywords

    def write(self, data):
        return services.article_write(user=self.user, article_id=self.instance.pk, category_id=data["category"].pk,
                                      title=data["title"], body=data["body"], keywords=data["keywords"],
                                      active=data["active"])


class ArticleVersionInline(HistoryInline):
    model = ArticleVersion
    fields = readonly_fields = ["number", "title", "written_by", "written_display"]
    verbose_name_plural = _("versions")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("written_by")

    @admin.display(description=_("written at"))
    def written_display(self, version):
        return _local(version.written_at)


@admin.register(Article)
class ArticleAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """S14 知识库: searched the way the ticket page searches it (Chinese bigrams, service_desk/search.py)."""

    form = ArticleForm
    list_display = ["title_display", "category", "version_display", "uses", "active"]
    list_filter = ["category", "active"]
    list_select_related = ["current", "category"]
    search_fields = ["current__title"]  # replaced by the ranked search below
    inlines = [ArticleVersionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(uses=Count("versions__replies"))

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return search.ranked(queryset, search_term), False

    @admin.display(description=_("title"), ordering="current__title")
    def title_display(self, article):
        return str(article)

    @admin.display(description=_("version"))
    def version_display(self, article):
        return article.current.number if article.current_id else "—"

    @admin.display(description=_("replies that gave it"), ordering="uses")
    def uses(self, article):
        return article.uses

    def has_delete_permission(self, request, obj=None):
        return False  # replies name the version they gave; an article is taken out of use instead

    # Who only reads the knowledge base (advisors, branch managers, risk officers answer clients from it) reads the
    # current version's text, not the editing form's empty fields (issue 36).
    READ_FIELDS = ["category", "read_title", "read_keywords", "read_body", "active"]

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.READ_FIELDS
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.READ_FIELDS
        return super().get_readonly_fields(request, obj)

    @admin.display(description=_("title"))
    def read_title(self, article):
        return article.current.title if article.current_id else "—"

    @admin.display(description=_("keywords"))
    def read_keywords(self, article):
        return article.current.keywords or "—" if article.current_id else "—"

    @admin.display(description=_("answer"))
    def read_body(self, article):
        if not article.current_id:
            return "—"
        return mark_safe(linebreaks(article.current.body, autoescape=True))  # noqa: S308 (escaped by linebreaks)


@admin.register(TicketCall)
class TicketCallAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["call_id", "at", "ticket", "called_line", "staff", "clients_matched"]
    list_select_related = ["ticket", "staff"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(ticket__in=Ticket.objects.visible_to(request.user))


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


@admin.register(TicketCategory)
class TicketCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "active"]  # the code is for the system (the calls API, the seed)
    inlines = [SlaTargetInline]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return [field for field in fields if field != "code"]  # who only reads it reads the name

    def has_delete_permission(self, request, obj=None):
        return False  # tickets keep their category; retire one by taking it out of use


@admin.register(ServiceWindow)
class ServiceWindowAdmin(admin.ModelAdmin):
    """S12's service hours; a change rebuilds the clock and moves every unfinished ticket's deadlines."""

    list_display = ["name", "starts", "ends", "night_session", "active"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.service_intervals_rebuild()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(PickManyMixin, admin.ModelAdmin):
    list_display = ["name", "handles_exceptions"]
    filter_horizontal = ["members"]


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 1
    fields = ["position", "kind", "text", "choices", "required"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """The question row fits a 1440-px screen (issue 36): the text and the choices at a reading width."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "text":
            field.widget.attrs.update(size=50)
        elif db_field.name == "choices":
            field.widget.attrs.update(rows=3)
        return field


class InviteForm(forms.Form):
    """S15: whom to invite, within the user's scope: the clients of some tiers, of one branch, or both."""

    tiers = forms.MultipleChoiceField(label=_("tiers"), choices=Tier.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    branch = forms.ModelChoiceField(label=_("branch"), queryset=Branch.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.visible_to(user).order_by("code")

    def clean(self):
        data = super().clean()
        if not data.get("tiers") and not data.get("branch"):
            raise ValidationError(_("Choose tiers, a branch, or both."))
        return data


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    """S15 questionnaires (head office), and inviting clients to one (branch managers and head office)."""

    list_display = ["title", "active", "valid_days", "questions_count", "invited", "answered", "report_link"]
    inlines = [QuestionInline]
    change_form_template = "admin/service_desk/questionnaire/change_form.html"

    def get_queryset(self, request):
        mine = SurveyInvitation.objects.visible_to(request.user)
        return super().get_queryset(request).annotate(
            questions_total=Count("questions", distinct=True),
            invited_total=Count("invitations", filter=Q(invitations__in=mine), distinct=True),
            answered_total=Count("invitations", filter=Q(invitations__in=mine, invitations__answered_at__isnull=False),
                                 distinct=True))

    @admin.display(description=_("questions"))
    def questions_count(self, questionnaire):
        return questionnaire.questions_total

    @admin.display(description=_("invited"))
    def invited(self, questionnaire):
        return questionnaire.invited_total

    @admin.display(description=_("answered"))
    def answered(self, questionnaire):
        return questionnaire.answered_total

    @admin.display(description=_("results"))
    def report_link(self, questionnaire):
        return format_html('<a href="{}?questionnaire={}">{}</a>', reverse("survey-report"), questionnaire.pk,
                           _("results"))

    def has_delete_permission(self, request, obj=None):
        return False  # answers name their questions

    def get_urls(self):
        invite = self.admin_site.admin_view(self.invite_view)
        return [path("<path:object_id>/invite/", invite, name="service_desk_questionnaire_invite"),
                *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = {"may_invite": request.user.has_perm("service_desk.add_surveyinvitation"),
                   "invite_form": InviteForm(user=request.user)}
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def invite_view(self, request, object_id):
        """Invite the chosen clients; the SMS go out in the background (survey_invitations_send)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        questionnaire = self.get_object(request, object_id)
        if questionnaire is None:
            raise Http404
        form = InviteForm(request.POST, user=request.user)
        back = reverse("admin:service_desk_questionnaire_change", args=[questionnaire.pk])
        if not form.is_valid():
            messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
            return redirect(back)
        chosen = Client.objects.all()
        if form.cleaned_data["tiers"]:
            chosen = in_current_tiers(chosen, form.cleaned_data["tiers"])
        if form.cleaned_data["branch"]:
            chosen = chosen.filter(branch=form.cleaned_data["branch"])
        try:
            count = surveys.survey_invite(user=request.user, questionnaire_id=questionnaire.pk, clients=chosen)
        except PermissionDenied:
            messages.error(request, _("You may not invite clients."))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(count)s clients invited; the SMS are being sent.") % {"count": count})
        return redirect(back)


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """S15: who was invited, sent, answered, in the user's scope (O)."""

    list_display = ["questionnaire", "client", "ticket", "invited_display", "sms_status", "state_display"]
    list_select_related = ["questionnaire", "client", "ticket", "sms"]
    list_filter = ["questionnaire", ("client__branch", ScopedRelatedFilter)]
    fields = readonly_fields = ["questionnaire", "client", "ticket", "invited_display", "created_by", "sms_status",
                                "state_display"]
    inlines = []

    @admin.display(description=_("invited at"), ordering="created_at")
    def invited_display(self, invitation):
        return _local(invitation.created_at)

    @admin.display(description=_("SMS"))
    def sms_status(self, invitation):
        if invitation.sent_at is None:
            return _("to be sent")
        return invitation.sms.get_status_display() if invitation.sms_id else _("not sent: no phone number")

    @admin.display(description=_("state"))
    def state_display(self, invitation):
        state = surveys.invitation_state(invitation)
        if state == "answered":
            return format_html("{} {}", _("answered"), _local(invitation.answered_at))
        return _("open until %(time)s") % {"time": _local(invitation.expires_at)} if state == "open" else _("expired")
