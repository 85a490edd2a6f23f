"""Research in the admin: the product catalogue, publications with their versions, compliance review and sending
(S18–S23), the distributions and their deliveries (scoped, O). Every write goes through research.services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from clients.models import Branch, Client, StaffProfile
from clients.roles import Role
from core.admin_tools import (
    PickManyMixin,
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    ScopedRelatedFilter,
    act_on,
    posted_int,
)
from core.errors import DomainError
from research import services
from research.models import (
    Delivery,
    DisclosureText,
    Distribution,
    FollowUpRule,
    PointWord,
    Product,
    ProductInterest,
    Publication,
    PublicationVersion,
    Question,
    ReviewDecision,
)
from service_log.models import ContactRecord
from tiering.models import Tier


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "exchange", "kind", "day_session", "night_ends", "active"]  # C5: its sessions
    list_filter = ["exchange", "kind", "active"]
    search_fields = ["name", "code"]


@admin.register(DisclosureText)
class DisclosureTextAdmin(admin.ModelAdmin):
    list_display = ["kind", "text"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PointWord)
class PointWordAdmin(admin.ModelAdmin):
    list_display = ["word", "active"]


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "vip_tiers", "key_monitoring", "opened_link"]


class PublicationForm(forms.ModelForm):
    """S18: a new publication's first version is written with it."""

    body = forms.CharField(label=_("text"), help_text=_(
        "A heading starts with #, a list item with -, and **two stars** on each side make bold text."),
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}))
    pdf = forms.FileField(label=_("PDF"), required=False)

    class Meta:
        model = Publication
        fields = ["kind", "title", "products", "risk_level"]

    def clean_pdf(self):
        pdf = self.cleaned_data.get("pdf")
        if pdf and not (pdf.name.lower().endswith(".pdf") and pdf.read(5) == b"%PDF-"):
            raise ValidationError(_("Attach a PDF file."))
        if pdf:
            pdf.seek(0)
        return pdf


class VersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PublicationVersion
    fields = ["number", "title", "written_by", "written_at", "submitted_at"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("versions, the latest first")


@admin.register(Publication)
class PublicationAdmin(PickManyMixin, admin.ModelAdmin):
    """研究资讯: what analysts write (S18), what compliance decides (S19) and where it was sent (S20). Never deleted."""

    list_display = ["title", "kind", "risk_level", "state", "author", "updated_at"]
    list_filter = ["kind", "state", "risk_level", "products__exchange"]
    search_fields = ["title", "versions__body", "products__name", "products__code"]
    date_hierarchy = "created_at"
    filter_horizontal = ["products"]
    inlines = [VersionInline]
    change_form_template = "admin/research/publication/change_form.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PublicationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj else []  # a new publication's first version is written by the service

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "title", "products", "risk_level", "state", "author", "approved_version"] if obj else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "title", "products", "risk_level", "body", "pdf"]
        return ["kind", "title", "products", "risk_level", "state", "author", "approved_version"]

    def has_delete_permission(self, request, obj=None):
        return False  # S9 retention: withdrawn, never deleted

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            created = services.publication_create(
                user=request.user, kind=obj.kind, title=obj.title, body=form.cleaned_data["body"],
                product_ids=[product.pk for product in form.cleaned_data["products"]], risk_level=obj.risk_level,
                pdf=form.cleaned_data.get("pdf"))
        except DomainError as error:
            raise ValidationError(error.message) from error
        obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        """The service wrote the products and the first version."""

    def get_urls(self):
        act = self.admin_site.admin_view(self.act_view)
        return [path("<path:object_id>/act/", act, name="research_publication_act"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        publication = self.get_object(request, object_id)
        context = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False,
                   "show_delete": False}
        if publication is not None:
            latest = publication.versions.order_by("-number").first()
            shown = publication.approved_version or latest
            user = request.user
            context.update({
                "publication": publication, "latest": latest, "shown": shown,
                "shown_html": mark_safe(services.render_markdown(shown.body)) if shown else "",  # noqa: S308 - rendered without raw HTML
                "warnings": [services.warning_label(w) for w in (latest.warnings if latest else [])],
                "decisions": [(decision, [services.warning_label(w) for w in decision.warnings]) for decision in
                              ReviewDecision.objects.filter(version__publication=publication)
                              .select_related("version", "reviewer")],
                "distributions": publication.distributions.select_related("branch", "advisor", "created_by"),
                "act_url": reverse("admin:research_publication_act", args=[publication.pk]),
                "may_write": user.has_perm("research.add_publicationversion")
                and publication.state in {Publication.State.DRAFT, Publication.State.REFUSED},
                "may_review": user.has_perm("research.review_publication")
                and publication.state == Publication.State.IN_REVIEW,
                "may_send": user.has_perm("research.send_publication")
                and publication.state == Publication.State.APPROVED,
                "may_withdraw": user.has_perm("research.review_publication")
                and publication.state != Publication.State.WITHDRAWN,
                "may_question": user.has_perm("research.add_question")
                and publication.state == Publication.State.APPROVED,
                "questions": Question.objects.visible_to(user).filter(publication=publication)[:50],
                "tiers": Tier.choices, "client_types": Client.ClientType.choices,
                "branches": Branch.objects.visible_to(user).order_by("code"),
                "advisors": StaffProfile.objects.visible_to(user).filter(role=Role.ADVISOR)
                .order_by("branch__code", "full_name")[:300],
            })
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def act_view(self, request, object_id):
        """One step from the publication's page, through the services (which check role and state again)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        publication = self.get_object(request, object_id)
        if publication is None:
            raise Http404
        action, data, user = request.POST.get("action", ""), request.POST, request.user
        if action == "version":
            def step():
                services.version_write(user=user, publication_id=publication.pk, title=data.get("title", ""),
                                       body=data.get("body", ""), pdf=request.FILES.get("pdf"))
        elif action == "submit":
            def step():
                services.publication_submit(user=user, publication_id=publication.pk)
        elif action in {"approved", "refused"}:
            def step():
                services.publication_review(user=user, publication_id=publication.pk,
                                            version_id=posted_int(data.get("version")) or 0, decision=action,
                                            comment=data.get("comment", ""))
        elif action == "send":
            def step():
                services.distribution_create(
                    user=user, publication_id=publication.pk, tiers=data.getlist("tiers"),
                    branch_id=posted_int(data.get("branch")), advisor_id=posted_int(data.get("advisor")),
                    client_type=data.get("client_type", ""), key_monitoring_only=bool(data.get("key_monitoring")),
                    interested_only=bool(data.get("interested")))
        elif action == "withdraw":
            def step():
                services.publication_withdraw(user=user, publication_id=publication.pk,
                                              reason=data.get("withdraw_reason", ""))
        elif action == "question":
            def step():
                services.question_ask(user=user, publication_id=publication.pk,
                                      account_no=data.get("account_no", ""), text=data.get("text", ""))
        else:
            raise Http404
        act_on(request, step, denied=_("You may not do this on this publication."))
        return redirect(reverse("admin:research_publication_change", args=[publication.pk]))


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """S19: every decision, kept for good."""
    list_display = ["decided_at", "version", "decision", "reviewer"]
    list_filter = ["decision"]
    list_select_related = ["version", "reviewer"]
    fields = ["version", "decision", "comment", "warnings_display", "reviewer", "decided_at"]
    readonly_fields = fields

    @admin.display(description=_("warnings seen"))
    def warnings_display(self, decision):
        """S19's warnings as the reviewer read them (`gives a specific entry or exit point: 3200 附近买入`)."""
        return "；".join(services.warning_label(warning) for warning in decision.warnings) or "—"


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "publication", "trade_date", "state", "recipients", "sent", "not_sent",
                    "created_by"]
    list_filter = ["state", "trade_date"]
    list_select_related = ["publication", "created_by"]

    fields = readonly_fields = [("tiers_display" if field.name == "tiers" else field.name)
                                for field in Distribution._meta.fields if field.name != "id"]

    @admin.display(description=_("tiers"))
    def tiers_display(self, distribution):
        return "、".join(str(Tier(tier).label) for tier in distribution.tiers) or _("all tiers")


@admin.register(Delivery)
class DeliveryAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """S20: one row per recipient, scoped like the client (O): an advisor sees what their clients received."""
    list_display = ["client", "distribution", "status", "sent_at", "opened_at", "advisor"]
    list_filter = ["status", "distribution", ("branch", ScopedRelatedFilter), ("advisor", ScopedRelatedFilter)]
    list_select_related = ["client", "distribution__publication", "advisor"]
    search_fields = ["client__account_no", "client__name"]

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == "distribution__publication__id__exact" or super().lookup_allowed(lookup, value, request)


@admin.register(ProductInterest)
class ProductInterestAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """S20: the products a client is interested in, as the service archive records them (audiences use them)."""
    list_display = ["client", "product", "noted_at"]
    list_select_related = ["client", "product"]
    list_filter = ["product__exchange"]
    search_fields = ["client__account_no", "client__name", "product__name"]
    autocomplete_fields = ["client", "product"]


@admin.register(Question)
class QuestionAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """S22: the chief analyst's queue (every question, the open ones first) and, for staff, their clients'
    questions with the answer to pass on. Written only through the steps on the question's page."""
    list_display = ["asked_at", "publication", "short_text", "source", "state", "branch", "advisor"]
    list_filter = ["state", "source", ("branch", ScopedRelatedFilter)]
    list_select_related = ["publication", "branch", "advisor"]
    search_fields = ["text", "publication__title"]
    change_form_template = "admin/research/question/change_form.html"
    ordering = ["-asked_at"]

    @admin.display(description=_("question"))
    def short_text(self, obj):
        return obj.text[:60]

    def get_fields(self, request, obj=None):
        fields = ["publication", "source", "asked_at", "asked_by", "text", "state", "answer", "answered_by",
                  "answered_at", "contact", "branch", "advisor"]
        if obj is not None and Client.objects.visible_to(request.user).filter(pk=obj.client_id).exists():
            fields.insert(0, "client")  # the chief analyst answers the question, not the person (O)
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("research.view_question")

    def get_urls(self):
        act = self.admin_site.admin_view(self.act_view)
        return [path("<path:object_id>/act/", act, name="research_question_act"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        question = self.get_object(request, object_id)
        context = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False,
                   "show_delete": False}
        if question is not None:
            context.update({
                "question": question, "act_url": reverse("admin:research_question_act", args=[question.pk]),
                "may_answer": request.user.has_perm("research.answer_question")
                and question.state == Question.State.OPEN,
                "may_pass_on": request.user.has_perm("research.change_question")
                and question.state == Question.State.ANSWERED,
                "channels": ContactRecord.Channel.choices,
            })
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def act_view(self, request, object_id):
        """Answer (chief analyst) or pass the answer on (advisor, marketer, service staff), through the services."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        question = self.get_object(request, object_id)
        if question is None:
            raise Http404
        action, data, user = request.POST.get("action", ""), request.POST, request.user
        if action == "answer":
            def step():
                services.question_answer(user=user, question_id=question.pk, answer=data.get("answer", ""))
        elif action == "pass_on":
            def step():
                services.question_pass_on(user=user, question_id=question.pk, channel=data.get("channel", ""),
                                          outcome=data.get("outcome", ""))
        else:
            raise Http404
        act_on(request, step, denied=_("You may not do this on this question."))
        return redirect(reverse("admin:research_question_change", args=[question.pk]))
