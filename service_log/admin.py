from django.contrib import admin

from futcrm.admin_tools import ReadOnlyAdminMixin, ScopedAdminMixin, ScopedRelatedFilter
from service_log.models import ContactPlanRule, ContactRecord, MessageTemplate, Notification, SmsDelivery


@admin.register(ContactRecord)
class ContactRecordAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """S1 contact records, scoped like their clients (O)."""

    list_display = ["contacted_at", "client", "staff", "channel", "direction", "category", "next_follow_up"]
    list_select_related = ["client", "staff"]
    list_filter = ["channel", "category", "direction", ("staff", ScopedRelatedFilter)]
    search_fields = ["client__account_no", "client__name", "summary"]
    autocomplete_fields = ["client", "staff", "alert"]
    date_hierarchy = "contacted_at"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        contact_answers_alert(request, obj)


def contact_answers_alert(request, contact) -> None:
    """R5: a contact logged against an acknowledged alert moves it to "contacted"; otherwise say why not."""
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied

    from futcrm.errors import DomainError
    from risk.models import Alert
    from risk.services import alert_record_contact

    if contact.alert_id is None:
        return
    if contact.alert.status != Alert.Status.ACKNOWLEDGED:
        messages.warning(request, f"{contact.alert}: {contact.alert.get_status_display()} — "
                                  "acknowledge an alert before recording the contact that answers it")
        return
    try:
        alert_record_contact(user=request.user, alert_id=contact.alert_id, contact=contact)
    except (DomainError, PermissionDenied) as error:
        messages.error(request, f"{contact.alert}: {getattr(error, 'message', 'not allowed')}")


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
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "staff":  # the person logging the contact, unless they pick a colleague
            field.initial = getattr(request.user, "staff_profile", None)
        return field


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "marketing"]
    search_fields = ["code", "name"]


@admin.register(SmsDelivery)
class SmsDeliveryAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sent_at", "client", "template", "status", "gateway_id"]
    list_select_related = ["client", "template"]
    list_filter = ["status", "template"]
    search_fields = ["client__account_no", "client__name"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each member of staff sees only their own notifications."""

    list_display = ["created_at", "text", "link", "read_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(recipient=request.user)


@admin.register(ContactPlanRule)
class ContactPlanRuleAdmin(admin.ModelAdmin):
    """S2: weekly minimums per tier (diamond, platinum, gold, …) and for key monitoring."""

    list_display = ["segment", "weekly_minimum"]
