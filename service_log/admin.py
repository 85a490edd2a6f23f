
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clients.models import StaffProfile
from clients.roles import Role
from clients.scoping import sees_everything, staff_profile_of
from core.admin_tools import ReadOnlyAdminMixin, ScopedAdminMixin, ScopedRelatedFilter, apply_to_each
from core.dates import deadline_text
from core.errors import DomainError
from risk.admin import AlertAdmin
from risk.models import Alert
from risk.services import Step
from service_log import services
from service_log.models import (
    Broadcast,
    Complaint,
    ContactPlanRule,
    ContactRecord,
    FollowUpTask,
    InformationGap,
    MessageTemplate,
    Notification,
    SmsDelivery,
    SurveyResponse,
)
from service_log.services import broadcast_create, survey_response_record

CONTACTING_ROLES = [Role.ADVISOR, Role.SERVICE_STAFF, Role.RISK_OFFICER, Role.BRANCH_MANAGER, Role.HEAD_OFFICE]


class AlertContactForm(forms.Form):
    """S1 from the alert page (R5): the call that answers the alert. The staff member defaults to the user and is
    one the user may act for (O: an advisor only themself, branch roles their branch's staff)."""

    channel = forms.ChoiceField(label=_("channel"), choices=ContactRecord.Channel.choices,
                                initial=ContactRecord.Channel.PHONE)
    summary = forms.CharField(label=_("summary"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.CharField(label=_("outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_follow_up = forms.DateField(label=_("next follow-up"), required=False, widget=AdminDateWidget)
    staff = forms.ModelChoiceField(label=_("staff member"), queryset=StaffProfile.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, prefix="contact", **kwargs)
        self.fields["staff"].queryset = (StaffProfile.objects.visible_to(user).filter(role__in=CONTACTING_ROLES)
                                         .order_by("full_name"))
        self.fields["staff"].initial = staff_profile_of(user)


@admin.register(Alert)
class AlertDeskAdmin(AlertAdmin):
    """The alert page with R5's contact step on it: the contact is logged through the same service as everywhere
    else (S1), and answers the alert, acknowledging an open one in the same step."""

    def step_context(self, request, alert) -> dict:
        return {**super().step_context(request, alert), "contact_form": AlertContactForm(user=request.user)}

    def take_step(self, request, alert, step: str):
        if step != Step.CONTACT:
            return super().take_step(request, alert, step)
        form = AlertContactForm(request.POST, user=request.user)
        if not form.is_valid():  # the page again, with what was typed and what is missing
            request.method = "GET"
            return self.change_view(request, str(alert.pk), extra_context={"contact_form": form})
        values = form.cleaned_data
        contact = services.contact_record_create(
            user=request.user, client_id=alert.client_id, staff_id=values["staff"].pk, alert_id=alert.pk,
            contacted_at=timezone.now(), channel=values["channel"], direction=ContactRecord.Direction.OUTBOUND,
            category=ContactRecord.Category.RISK_NOTICE, summary=values["summary"], outcome=values["outcome"],
            next_follow_up=values["next_follow_up"])
        if contact.alert_not_answered:
            messages.warning(request, contact.alert_not_answered)
            return redirect(reverse("admin:risk_alert_change", args=[alert.pk]))
        return _("Contact logged; the alert is contacted. Resolve it with a note once the client has acted.")


@admin.register(ContactRecord)
class ContactRecordAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """S1 contact records, scoped like their clients (O)."""
    list_display = ["contacted_at", "client", "staff", "channel", "direction", "category", "next_follow_up"]
    list_select_related = ["client", "staff"]
    list_filter = ["channel", "category", "direction", ("staff", ScopedRelatedFilter)]
    search_fields = ["client__account_no", "client__name", "summary"]
    autocomplete_fields = ["client", "staff", "alert"]
    date_hierarchy = "contacted_at"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "staff":  # the person logging the contact, unless they pick a colleague
            field.initial = staff_profile_of(request.user)
        return field

    def save_model(self, request, obj, form, change):
        if change:  # an edit: the scoped form fields allow only visible staff and alerts (O)
            super().save_model(request, obj, form, change)
            refusal = services.contact_record_answer_alert(user=request.user, contact=obj)
        else:
            values = {name: form.cleaned_data[name] for name in services.CONTACT_FIELDS if name in form.cleaned_data}
            contact = services.contact_record_create(
                user=request.user, client_id=obj.client_id, staff_id=obj.staff_id, alert_id=obj.alert_id, **values)
            obj.pk, obj.alert_not_answered = contact.pk, contact.alert_not_answered
            refusal = contact.alert_not_answered
        if refusal:
            messages.warning(request, refusal)


class ContactRecordInline(admin.StackedInline):
    """On the client page: the latest contacts, and a blank one to log a new contact without leaving the page."""
    model = ContactRecord
    fk_name = "client"
    extra = 1
    can_delete = False
    fields = [("contacted_at", "channel", "direction", "category"), "summary", ("outcome", "next_follow_up"),
              ("staff", "alert")]
    autocomplete_fields = ["staff", "alert"]
    ordering = ["-contacted_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Staff and alerts the user may see only (O): an advisor cannot link another branch's alert or staff."""
        related_manager = db_field.related_model._default_manager
        kwargs["queryset"] = related_manager.visible_to(request.user)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "staff":  # the person logging the contact, unless they pick a colleague
            field.initial = staff_profile_of(request.user)
        return field


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "marketing"]  # the code is the template's key for the code, not for people
    search_fields = ["name"]


@admin.register(SmsDelivery)
class SmsDeliveryAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sent_at", "client", "template", "status", "gateway_display"]
    list_select_related = ["client", "template"]
    list_filter = ["status", "template"]
    search_fields = ["client__account_no", "client__name"]

    fields = readonly_fields = [{"text": "text_display", "gateway_id": "gateway_display"}.get(field.name, field.name)
                                for field in SmsDelivery._meta.fields if field.name != "id"]

    @admin.display(description=_("text"))
    def text_display(self, sms):
        return sms.text_for_staff

    @admin.display(description=_("gateway message id"), ordering="gateway_id")
    def gateway_display(self, sms):
        if sms.gateway_id.startswith(("console", "locmem")):
            return _("development: not sent to a phone")
        return sms.gateway_id or "—"


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """S21: the follow-up tasks of the clients in scope; closed by a contact record, never by hand."""
    list_display = ["due_display", "client", "advisor", "reason", "done_at"]
    list_select_related = ["client", "advisor"]
    list_filter = [("done_at", admin.EmptyFieldListFilter), "source"]
    search_fields = ["client__account_no", "client__name"]
    raw_id_fields = ["client", "contact"]
    fields = readonly_fields = [("due_display" if field.name == "due_at" else field.name)
                                for field in FollowUpTask._meta.fields if field.name != "id"]

    @admin.display(description=_("due by"), ordering="due_at")
    def due_display(self, task):
        return deadline_text(task.due_at)  # the end of the day it falls on, as on the workbench (issue 36)


@admin.register(InformationGap)
class InformationGapAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """S4: the opted-in clients who received no information on a trading day (the coverage report drills here)."""
    list_display = ["trade_date", "client", "branch", "advisor"]
    list_select_related = ["client", "branch", "advisor"]
    list_filter = ["trade_date", ("branch", ScopedRelatedFilter), ("advisor", ScopedRelatedFilter)]
    search_fields = ["client__account_no", "client__name"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each member of staff sees only their own notifications."""
    list_display = ["created_at", "text", "open_link", "read_at"]
    fields = readonly_fields = ["created_at", "text", "open_link", "read_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(recipient=request.user)

    @admin.display(description=_("link"))
    def open_link(self, notice):
        """The page the notice is about, opened through notice-open (marked read); never the raw address."""
        if not notice.link:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("notice-open", args=[notice.pk]), _("Open"))


@admin.register(ContactPlanRule)
class ContactPlanRuleAdmin(admin.ModelAdmin):
    """S2: weekly minimums per tier (diamond, platinum, gold, …) and for key monitoring."""
    list_display = ["segment", "weekly_minimum"]


@admin.register(Complaint)
class ComplaintAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """S7: registered here (deadlines set by the service), acknowledged with the action, resolved on the page with
    root cause and resolution; late ones stand out."""
    list_display = ["received_at", "client", "category", "severity", "status", "deadline", "escalated"]
    list_select_related = ["client"]
    list_filter = ["status", "category", "severity", "escalated", ("client__branch", ScopedRelatedFilter)]
    search_fields = ["client__account_no", "client__name", "description"]
    autocomplete_fields = ["client"]
    exclude = ["acknowledge_by", "resolve_by"]  # read as deadlines, below
    readonly_fields = ["status", "acknowledge_by_display", "resolve_by_display", "acknowledged_at", "resolved_at",
                       "handled_by", "escalated"]
    actions = ["acknowledge"]

    @admin.display(description=_("acknowledge by"))
    def acknowledge_by_display(self, complaint):
        return deadline_text(complaint.acknowledge_by)

    @admin.display(description=_("resolve by"))
    def resolve_by_display(self, complaint):
        return deadline_text(complaint.resolve_by)

    @admin.display(description=_("deadline"))
    def deadline(self, complaint):

        due = complaint.acknowledge_by if complaint.status == complaint.Status.RECEIVED else complaint.resolve_by
        if complaint.status == complaint.Status.RESOLVED:
            return "—"
        text = deadline_text(due)
        return format_html('<strong style="color:#ba2121">{} ⚠</strong>', text) if complaint.is_late else text

    def save_model(self, request, obj, form, change):


        try:
            if not change:
                created = services.complaint_register(
                    user=request.user, client_id=obj.client_id, channel=obj.channel, category=obj.category,
                    description=obj.description, severity=obj.severity, received_at=obj.received_at)
                obj.pk = created.pk
            elif obj.status == obj.Status.ACKNOWLEDGED and obj.root_cause and obj.resolution:
                services.complaint_resolve(user=request.user, complaint_id=obj.pk, root_cause=obj.root_cause,
                                           resolution=obj.resolution, compensation=obj.compensation)
            else:
                super().save_model(request, obj, form, change)
        except DomainError as error:
            raise ValidationError(error.message) from error

    @admin.action(description=_("Acknowledge selected complaints"))
    def acknowledge(self, request, queryset):

        apply_to_each(self, request, queryset, lambda complaint: services.complaint_acknowledge(
            user=request.user, complaint_id=complaint.pk), _("acknowledged"))


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """S8: answers are recorded through survey_response_record (a low score creates a follow-up)."""
    list_display = ["answered_at", "survey", "client", "score", "advisor", "follow_up"]
    list_select_related = ["client", "advisor"]
    list_filter = ["survey", "score", ("client__branch", ScopedRelatedFilter)]
    search_fields = ["client__account_no", "client__name", "survey"]
    autocomplete_fields = ["client"]
    fields = ["client", "survey", "score", "comment", "advisor", "follow_up"]
    readonly_fields = ["advisor", "follow_up"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):


        try:
            obj.pk = survey_response_record(user=request.user, client_id=obj.client_id, survey=obj.survey,
                                            score=obj.score, comment=obj.comment).pk
        except DomainError as error:
            raise ValidationError(error.message) from error


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    """S4: write the day's information; it goes to every opted-in client in your scope, recorded per recipient."""
    list_display = ["trade_date", "text", "created_by", "recipients", "delivered"]
    fields = ["text", "trade_date", "created_by", "recipients", "delivered"]
    readonly_fields = ["created_by", "recipients", "delivered"]

    def get_queryset(self, request):

        queryset = super().get_queryset(request)
        return queryset if sees_everything(request.user) else queryset.filter(created_by=request.user)

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            created = broadcast_create(user=request.user, text=obj.text)  # owes its sending, queued at commit
        except DomainError as error:
            raise ValidationError(error.message) from error
        obj.pk = created.pk
