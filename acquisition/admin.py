"""Prospects in the admin (S24–S25): entered and moved through acquisition.services, scoped (O), their personal
numbers shown masked only (S9)."""

import contextvars

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from acquisition import events, referrers, services
from acquisition.models import (
    Appointment,
    Attribution,
    AttributionChange,
    DuplicateLookup,
    EducationRecord,
    Event,
    EventGuest,
    Prospect,
    ProspectRevealLog,
    ProspectStep,
    Referrer,
)
from clients.models import Branch, Client, StaffProfile
from clients.services import REVEAL_PERMISSIONS
from core.admin_tools import (
    PickManyMixin,
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    ScopedRelatedFilter,
    ServiceAdminMixin,
    ServiceForm,
    act_on,
    reveal_response,
)
from core.errors import DomainError
from core.exports import sections_response
from core.imports import import_view
from core.ratelimit import client_address
from tiering.models import Tier

_page_request: contextvars.ContextVar = contextvars.ContextVar("prospect_page_request", default=None)


class ProspectAddForm(ServiceForm):
    phone = forms.CharField(label=_("phone"), required=False, max_length=20)
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=18)

    class Meta:
        model = Prospect
        fields = ["name", "phone", "id_number", "source", "branch", "owner", "referrer", "event", "interests",
                  "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.visible_to(self.user)
        self.fields["owner"].queryset = StaffProfile.objects.visible_to(self.user).filter(user__is_active=True)
        self.fields["referrer"].queryset = Referrer.objects.visible_to(self.user).filter(active=True)
        self.fields["event"].queryset = Event.objects.visible_to(self.user)

    def write(self, data):
        return services.prospect_create(
            user=self.user, name=data.get("name", ""), source=data.get("source", ""),
            branch_id=data["branch"].pk, phone=data.get("phone", ""), id_number=data.get("id_number", ""),
            owner_id=data["owner"].pk if data.get("owner") else None, interests=data.get("interests", ""),
            notes=data.get("notes", ""), referrer_id=data["referrer"].pk if data.get("referrer") else None,
            event_id=data["event"].pk if data.get("event") else None)


class ProspectMoveForm(ServiceForm):
    note = forms.CharField(label=_("note (the reason, if lost)"), required=False, max_length=300)

    class Meta:
        model = Prospect
        fields = ["stage"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        manual = {*services.MANUAL_STAGES, Prospect.Stage.LOST, self.instance.stage}
        self.fields["stage"].choices = [(value, label) for value, label in Prospect.Stage.choices if value in manual]

    def write(self, data):
        if data.get("stage") == self.initial.get("stage"):
            return None
        return services.prospect_move(
            user=self.user, prospect_id=self.instance.pk, stage=data["stage"], note=data.get("note", ""))


class StepInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProspectStep
    fields = ["at", "stage", "by", "note"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("history since first contact")


@admin.register(Prospect)
class ProspectAdmin(ServiceAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """潜在客户: who may become a client, where they came from, and how far they got (S24–S25)."""

    list_display = ["name", "phone_masked", "source", "stage", "branch", "owner", "created_at", "client"]
    list_select_related = ["branch", "owner", "client"]
    list_filter = ["stage", "source", ("branch", ScopedRelatedFilter), ("owner", ScopedRelatedFilter)]
    search_fields = ["name", "=phone_last4", "client__account_no"]
    date_hierarchy = "created_at"
    inlines = [StepInline]
    readonly = ["name", "phone_masked", "id_number_masked", "source", "branch", "owner", "referrer", "event",
                "interests", "notes",
                "lost_reason", "client", "created_at", "opened_on", "funded_on", "traded_on"]

    class Media:
        js = ["futcrm/pii_reveal.js"]

    @admin.display(description=_("phone"))
    def phone_masked(self, obj):
        return self._revealable(obj, "phone", obj.phone_masked)

    @admin.display(description=_("ID number"))
    def id_number_masked(self, obj):
        return self._revealable(obj, "id_number", obj.id_number_masked)

    def _revealable(self, obj, field, masked):
        """S9: masked; on the prospect's page a button reveals it to a role that may, logged."""
        request = _page_request.get()
        if not masked or request is None or not obj.pk:
            return masked or "-"
        if not request.user.has_perm(REVEAL_PERMISSIONS[field]):
            return masked
        url = reverse("admin:acquisition_prospect_reveal", args=[obj.pk, field])
        return format_html('<span class="pii">{}</span> <button type="button" class="button pii-reveal" '
                           'data-reveal-url="{}">{}</button>', masked, url, _("Reveal"))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        token = _page_request.set(request)  # the prospect's own page, not the list: the reveal buttons
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
            return response.render() if hasattr(response, "render") else response  # rendered while it is set
        finally:
            _page_request.reset(token)

    def get_urls(self):
        reveal = self.admin_site.admin_view(require_POST(self.reveal_view))
        return [path("<int:prospect_id>/reveal/<str:field>/", reveal, name="acquisition_prospect_reveal"),
                path("import/", self.admin_site.admin_view(self.import_view), name="acquisition_prospect_import"),
                *super().get_urls()]

    def import_view(self, request):
        """S28: a prospect list previewed row by row, then imported all or nothing (the file is sent again)."""
        return import_view(
            self, request, services.prospects_import, title=_("Import a prospect list"),
            headings=[pgettext_lazy("person", "name"), _("phone"), _("branch")],
            cells=lambda row: [row["name"], row["phone"], row["branch"]],
            help=_("One row per person: 姓名 (name), 手机号码 (phone) and/or 身份证号码 (id_number), "
                   "来源 (source: 投资者教育活动, 客户介绍, 中间介绍业务, 营销人员自有资源, 网站, 自行上门), "
                   "营业部代码 (branch_code), and optionally 归属人员工号 (owner_code), 居间人编号 (referrer_code), "
                   "投资兴趣 (interests), 备注 (notes). Preview first: every row's problems are listed. Nothing is "
                   "imported unless every row is right."),
            done=_("%(count)s prospects imported."))

    def reveal_view(self, request, prospect_id, field):
        return reveal_response(lambda: services.prospect_reveal(
            user=request.user, prospect_id=prospect_id, field=field, ip_address=client_address(request),
            purpose=request.POST.get("purpose", "")))

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ProspectMoveForm if obj else ProspectAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return [*self.readonly, "stage", "note"] if obj else list(ProspectAddForm.Meta.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly if obj else []


@admin.register(ProspectRevealLog)
class ProspectRevealLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """S9: who revealed which prospect's number, when (head office reads it, with the clients' reveal log)."""

    list_display = ["revealed_at", "user", "prospect", "field", "ip_address"]
    list_select_related = ["user", "prospect"]
    list_filter = ["field"]
    date_hierarchy = "revealed_at"


@admin.register(DuplicateLookup)
class DuplicateLookupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """S24 (issue 35): who entered a number known outside their scope, whose it was, when; head office reads it."""

    list_display = ["at", "user", "field", "client", "prospect"]
    list_select_related = ["user", "client", "prospect"]
    list_filter = ["field"]
    date_hierarchy = "at"


class AppointmentBookForm(ServiceForm):
    class Meta:
        model = Appointment
        fields = ["prospect", "staff", "starts_at", "note"]
        widgets = {"starts_at": admin.widgets.AdminSplitDateTime}
        field_classes = {"starts_at": forms.SplitDateTimeField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prospect"].queryset = Prospect.objects.visible_to(self.user).filter(client__isnull=True)
        self.fields["staff"].queryset = StaffProfile.objects.visible_to(self.user).filter(
            user__is_active=True, branch__isnull=False)

    def write(self, data):
        return services.appointment_book(
            user=self.user, prospect_id=data["prospect"].pk, starts_at=data["starts_at"],
            staff_id=data["staff"].pk, note=data.get("note", ""))


class AppointmentMarkForm(ServiceForm):
    class Meta:
        model = Appointment
        fields = ["state"]

    def write(self, data):
        if data.get("state") == self.initial.get("state"):
            return None
        return services.appointment_mark(
            user=self.user, appointment_id=self.instance.pk, state=data["state"])


@admin.register(Appointment)
class AppointmentAdmin(ServiceAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """预约开户 (S26): a branch's calendar of account-opening appointments, by day, each with who receives whom."""

    list_display = ["starts_at", "prospect", "branch", "staff", "state", "reminded_at"]
    list_select_related = ["prospect", "branch", "staff"]
    list_filter = ["state", ("branch", ScopedRelatedFilter), ("staff", ScopedRelatedFilter)]
    date_hierarchy = "starts_at"
    search_fields = ["prospect__name", "=prospect__phone_last4"]
    readonly = ["prospect", "branch", "staff", "starts_at", "note", "created_by", "created_at", "reminded_at",
                "reminder_error"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = AppointmentMarkForm if obj else AppointmentBookForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return [*self.readonly, "state"] if obj else list(AppointmentBookForm.Meta.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly if obj else []


# S29–S31 events, their guests and the investor-education records -----------------------------------------------

class EventAddForm(ServiceForm):
    online_link = forms.URLField(label=_("online link"), required=False, assume_scheme="https")
    topics = forms.MultipleChoiceField(label=_("topics"), choices=Event.Topic.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Event
        fields = ["title", "kind", "topics", "branch", "starts_at", "ends_at", "place", "online_link", "capacity",
                  "speakers", "products"]
        widgets = {"starts_at": admin.widgets.AdminSplitDateTime, "ends_at": admin.widgets.AdminSplitDateTime}
        field_classes = {"starts_at": forms.SplitDateTimeField, "ends_at": forms.SplitDateTimeField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.visible_to(self.user)

    def write(self, data):
        return events.event_create(
            user=self.user, title=data.get("title", ""), kind=data.get("kind", ""), topics=data.get("topics", []),
            branch_id=data["branch"].pk, starts_at=data["starts_at"], ends_at=data["ends_at"],
            capacity=data.get("capacity") or 0, place=data.get("place", ""),
            online_link=data.get("online_link", ""), speakers=data.get("speakers", ""),
            product_ids=[product.pk for product in data.get("products", [])])


class EventInviteForm(forms.Form):
    clients = forms.BooleanField(label=_("clients"), required=False, initial=True)
    tiers = forms.MultipleChoiceField(label=_("tiers (none: all)"), choices=Tier.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    branch = forms.ModelChoiceField(label=_("branch (none: all you may see)"), queryset=Branch.objects.none(),
                                    required=False)
    interested = forms.BooleanField(label=_("only clients interested in the event's products"), required=False)
    prospects = forms.BooleanField(label=_("prospects not yet clients"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.visible_to(user)


class DeskForm(forms.Form):
    code = forms.CharField(label=_("check-in code"), max_length=6, required=False)
    account_no = forms.CharField(label=_("account number"), max_length=20, required=False)
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=100, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)


class EventChangeList(ChangeList):
    """The event list with each event's registered and attended guests, counted in the list's one query. Counted on
    the list's root queryset, before its filters and its ordering: sorting by 已报名 or 已出席 answered 500 when they
    were counted after the ordering (issue 36)."""

    def get_queryset(self, request, exclude_parameters=None):
        if "registered_count" not in self.root_queryset.query.annotations:
            self.root_queryset = self.root_queryset.annotate(
                registered_count=Count("guests", filter=Q(guests__registered_at__isnull=False)),
                attended_count=Count("guests", filter=Q(guests__checked_in_at__isnull=False)))
        return super().get_queryset(request, exclude_parameters)


@admin.register(Event)
class EventAdmin(PickManyMixin, ServiceAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """投资者教育活动 (S29–S31): planned, invited, registered and checked in from the event's page."""

    list_display = ["starts_at", "title", "kind", "branch", "capacity", "registered", "attended"]
    list_select_related = ["branch"]
    list_filter = ["kind", ("branch", ScopedRelatedFilter)]
    date_hierarchy = "starts_at"
    search_fields = ["title", "speakers"]
    change_form_template = "admin/acquisition/event/change_form.html"
    readonly = ["title", "kind", "topic_list", "branch", "starts_at", "ends_at", "place", "online_link", "capacity",
                "speakers", "product_list", "created_by", "followed_up_at", "guest_counts"]

    def get_changelist(self, request, **kwargs):
        return EventChangeList

    @admin.display(description=_("registered"), ordering="registered_count")
    def registered(self, obj):
        return obj.registered_count

    @admin.display(description=_("attended"), ordering="attended_count")
    def attended(self, obj):
        return obj.attended_count

    @admin.display(description=_("topics"))
    def topic_list(self, obj):
        return "、".join(obj.topic_labels()) or "-"

    @admin.display(description=_("products"))
    def product_list(self, obj):
        return "、".join(str(product.name) for product in obj.products.all()) or "-"

    @admin.display(description=_("guests"))
    def guest_counts(self, obj):
        guests = EventGuest.objects.filter(event=obj)
        counts = guests.aggregate(invited=Count("pk", filter=Q(invited_at__isnull=False)),
                                  sent=Count("pk", filter=Q(sms=EventGuest.Sms.SENT)),
                                  registered=Count("pk", filter=Q(registered_at__isnull=False)),
                                  attended=Count("pk", filter=Q(checked_in_at__isnull=False)))
        url = reverse("admin:acquisition_eventguest_changelist") + f"?event__id__exact={obj.pk}"
        return format_html(_('<a href="{}">{} invited ({} by SMS), {} registered of {} seats, {} attended</a>'),
                           url, counts["invited"], counts["sent"], counts["registered"], obj.capacity,
                           counts["attended"])

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = EventAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return self.readonly if obj else list(EventAddForm.Meta.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly if obj else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # written by its services only

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra = extra_context or {}
        if object_id:
            extra.update(invite_form=EventInviteForm(user=request.user), desk_form=DeskForm(),
                         may_invite=request.user.has_perm("acquisition.add_eventguest"),
                         may_check_in=request.user.has_perm("acquisition.change_eventguest"))
        return super().changeform_view(request, object_id, form_url, extra)

    def get_urls(self):
        act = self.admin_site.admin_view
        return [path("<int:event_id>/invite/", act(require_POST(self.invite_view)), name="acquisition_event_invite"),
                path("<int:event_id>/desk/", act(require_POST(self.desk_view)), name="acquisition_event_desk"),
                *super().get_urls()]

    def invite_view(self, request, event_id):
        form = EventInviteForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            event = Event.objects.visible_to(request.user).filter(pk=event_id).first()
            products = list(event.products.values_list("pk", flat=True)) if event and data["interested"] else []
            result = {}

            def invite():
                result.update(events.event_invite(
                    user=request.user, event_id=event_id, clients=data["clients"], tiers=data["tiers"],
                    branch_id=data["branch"].pk if data["branch"] else None, product_ids=products,
                    prospects=data["prospects"]))

            act_on(request, invite, denied=_("You may not invite guests to this event."))
            if result:
                messages.info(request, _("%(clients)s clients and %(prospects)s prospects newly invited; the SMS "
                                         "are being sent.") % result)
        else:
            messages.error(request, _("Choose whom to invite."))
        return redirect("admin:acquisition_event_change", event_id)

    def desk_view(self, request, event_id):
        """The desk: a code checks its guest in; an account number, or a name and a phone, registers someone."""

        def named(guest):
            return {"name": guest.name, "code": guest.code}

        form = DeskForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        done = {}
        if data.get("code"):
            def step():
                done["guest"] = events.check_in(user=request.user, event_id=event_id, code=data["code"])
            act_on(request, step, denied=_("You may not check guests in."),
                   done=lambda: _("%(name)s checked in (code %(code)s).") % named(done["guest"]))
        else:
            def step():
                client_id = None
                if data.get("account_no"):
                    client_id = (Client.objects.visible_to(request.user).filter(account_no=data["account_no"])
                                 .values_list("pk", flat=True).first())
                    if client_id is None:
                        raise DomainError(_("No client of yours has that account number."), field="account_no")
                done["guest"] = events.register_at_desk(user=request.user, event_id=event_id, client_id=client_id,
                                                        name=data.get("name", ""), phone=data.get("phone", ""))
            act_on(request, step, denied=_("You may not register guests."),
                   done=lambda: _("%(name)s registered, check-in code %(code)s.") % named(done["guest"]))
        return redirect("admin:acquisition_event_change", event_id)


@admin.register(EventGuest)
class EventGuestAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """An event's guests: invited, registered, attended (S30); written by the event's services only."""

    list_display = ["name", "event", "client", "prospect", "sms", "registered_at", "checked_in_at", "code"]
    list_select_related = ["event", "client", "prospect"]
    list_filter = ["sms", ("event", ScopedRelatedFilter), ("registered_at", admin.EmptyFieldListFilter),
                   ("checked_in_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "=code", "client__account_no"]


@admin.register(EducationRecord)
class EducationRecordAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """投资者教育记录 (S31): who attended what and when, kept; exported for the regulator."""

    list_display = ["checked_in_at", "name", "client", "event", "event_kind", "event_topics"]
    list_select_related = ["event", "client"]
    list_filter = ["event__kind", ("event", ScopedRelatedFilter)]
    search_fields = ["name", "client__account_no", "event__title"]
    date_hierarchy = "checked_in_at"
    actions = ["export_csv"]

    @admin.display(description=_("kind"))
    def event_kind(self, obj):
        return obj.event.get_kind_display()

    @admin.display(description=_("topics"))
    def event_topics(self, obj):
        return "、".join(obj.event.topic_labels())

    @admin.action(description=_("Export the chosen records (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset):
        header = [_("attended at"), pgettext_lazy("person", "name"), _("account"), _("event"), _("kind"),
                  _("topics"), _("branch")]
        rows = [[f"{timezone.localtime(record.checked_in_at):%Y-%m-%d %H:%M}", record.name,
                 record.client.account_no if record.client_id else "", record.event.title,
                 str(record.event.get_kind_display()), "、".join(record.event.topic_labels()),
                 record.event.branch.name] for record in queryset.select_related("event__branch", "client")]
        return sections_response({str(_("investor-education records")): [[str(h) for h in header], *rows]},
                                 "investor-education", "csv", request=request)


# S32–S34 referrers and attributions ------------------------------------------------------------------------------

class ReferrerAddForm(ServiceForm):
    class Meta:
        model = Referrer
        fields = ["code", "name", "kind", "branch", "staff", "client", "agreement_no"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.visible_to(self.user)
        self.fields["staff"].queryset = StaffProfile.objects.visible_to(self.user).filter(user__is_active=True)

    def write(self, data):
        return referrers.referrer_create(
            user=self.user, code=data.get("code", ""), name=data.get("name", ""), kind=data.get("kind", ""),
            branch_id=data["branch"].pk, staff_id=data["staff"].pk if data.get("staff") else None,
            client_id=data["client"].pk if data.get("client") else None,
            agreement_no=data.get("agreement_no", ""))


@admin.register(Referrer)
class ReferrerAdmin(ServiceAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """居间人、中间介绍业务机构、员工、客户 as referrers (S32); their list imported (S34)."""

    list_display = ["code", "name", "kind", "branch", "agreement_no", "active"]
    list_select_related = ["branch"]
    list_filter = ["kind", "active", ("branch", ScopedRelatedFilter)]
    search_fields = ["code", "name"]
    autocomplete_fields = ["client"]
    readonly = ["code", "kind", "branch", "staff", "client", "created_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ReferrerAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return [*self.readonly, "name", "agreement_no", "active"] if obj else list(ReferrerAddForm.Meta.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly if obj else []

    def save_model(self, request, obj, form, change):
        """A new one is written by the service in the form's clean(); an edit changes name, agreement, active."""
        if change:
            obj.save(update_fields=["name", "agreement_no", "active"])

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="acquisition_referrer_import"),
                *super().get_urls()]

    def import_view(self, request):
        """S34: a referrer list previewed row by row, then imported all or nothing."""
        return import_view(
            self, request, referrers.referrers_import, title=_("Import a referrer list"),
            headings=[_("referrer code"), pgettext_lazy("person", "name"), _("branch")],
            cells=lambda row: [row["code"], row["name"], row["branch"]],
            help=_("One row per referrer: 居间人编号 (code), 姓名 (name), 类型 (kind: 居间人, 中间介绍业务机构, 员工, "
                   "客户), 营业部代码 (branch_code), and for staff 员工工号 (staff_code), for clients 资金账号 "
                   "(account_no), optionally 协议编号 (agreement_no). Preview first: every row's problems are "
                   "listed. Nothing is imported unless every row is right."),
            done=_("%(count)s referrers imported."))


@admin.register(Attribution)
class AttributionAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """业绩归属 (S32): to whom each account was credited, from when to when; written at conversion and by approved
    changes only."""

    list_display = ["client", "referrer", "marketer", "valid_from", "valid_until", "change"]
    list_select_related = ["client", "referrer", "marketer", "change"]
    list_filter = [("referrer", ScopedRelatedFilter)]
    search_fields = ["client__account_no", "referrer__code"]


class AttributionRequestForm(ServiceForm):
    class Meta:
        model = AttributionChange
        fields = ["client", "referrer", "marketer", "effective_on", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referrer"].queryset = Referrer.objects.visible_to(self.user).filter(active=True)
        self.fields["marketer"].queryset = StaffProfile.objects.visible_to(self.user).filter(user__is_active=True)
        self.fields["effective_on"].initial = timezone.localdate()

    def write(self, data):
        return referrers.attribution_change_request(
            user=self.user, client_id=data["client"].pk,
            referrer_id=data["referrer"].pk if data.get("referrer") else None,
            marketer_id=data["marketer"].pk if data.get("marketer") else None,
            effective_on=data["effective_on"], reason=data.get("reason", ""))


class AttributionDecideForm(ServiceForm):
    class Meta:
        model = AttributionChange
        fields = ["state", "decision_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "decision_note" in self.fields:
            self.fields["decision_note"].help_text = _("Needed to reject.")

    def write(self, data):
        if data.get("state") == self.initial.get("state"):
            return None
        return referrers.attribution_change_decide(
            user=self.user, change_id=self.instance.pk, approve=data["state"] == AttributionChange.State.APPROVED,
            note=data.get("decision_note", ""))


@admin.register(AttributionChange)
class AttributionChangeAdmin(ServiceAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """S33: an account credited to another referrer or marketer, asked by one person, approved by a second."""

    list_display = ["requested_at", "client", "current", "referrer", "marketer", "effective_on", "state",
                    "requested_by", "decided_by"]
    list_select_related = ["client", "referrer", "marketer", "requested_by", "decided_by"]
    list_filter = ["state"]
    search_fields = ["client__account_no"]
    autocomplete_fields = ["client"]
    readonly = ["client", "current", "referrer", "marketer", "effective_on", "reason", "requested_by",
                "requested_at", "decided_by", "decided_at"]

    @admin.display(description=_("credited now"))
    def current(self, obj):
        attribution = referrers.current_attribution(obj.client_id)
        if attribution is None:
            return "-"
        return f"{attribution.referrer or '-'} · {attribution.marketer or '-'} ({attribution.valid_from})"

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = AttributionDecideForm if obj else AttributionRequestForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(AttributionRequestForm.Meta.fields)
        return [*self.readonly, "state", "decision_note"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.state != AttributionChange.State.PENDING or not request.user.has_perm(
                "acquisition.approve_attributionchange"):
            return [*self.readonly, "state", "decision_note"]
        return self.readonly

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("acquisition.approve_attributionchange") or (
            obj is None and super().has_change_permission(request, obj))

