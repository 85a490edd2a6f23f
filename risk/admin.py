from django.contrib import admin
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core.admin_tools import ReadOnlyAdminMixin, ScopedAdminMixin, ScopedRelatedFilter, apply_to_each
from risk import services
from risk.models import Alert, AlertEvent, ClientRiskThresholds, KeyMonitoring, RiskLevel, RiskThresholdSet


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Risk alerts (R2), scoped like clients, with the R5 workflow as actions; overdue ones (R6) stand out."""
    list_display = ["trade_date", "client", "kind", "severity", "status", "risk_degree", "assigned_to",
                    "due_display", "escalated"]
    inlines = [AlertEventInline]
    actions = ["acknowledge", "resolve", "escalate"]
    list_select_related = ["client", "assigned_to"]
    list_filter = ["kind", "severity", "status", "escalated", "trade_date", ("client__branch", ScopedRelatedFilter)]
    search_fields = ["client__account_no", "client__name"]
    readonly_fields = [*(field.name for field in Alert._meta.fields), "log_contact"]

    def has_add_permission(self, request):
        return False  # raised by the evaluation only

    @admin.display(description=_("contact"))
    def log_contact(self, alert):
        """S1 from the alert: a new contact record for its client, already linked to it (R5)."""
        if not alert.pk:
            return "-"
        url = reverse("admin:service_log_contactrecord_add") + "?" + urlencode(
            {"client": alert.client_id, "alert": alert.pk, "category": "risk_notice"})
        return format_html('<a class="button" href="{}">{}</a>', url, _("Log a contact for this alert"))

    @admin.display(description=_("contact due by"), ordering="due_at")
    def due_display(self, alert):
        if alert.is_overdue:
            return format_html('<strong style="color:#ba2121">{} ⚠</strong>',
                               timezone.localtime(alert.due_at).strftime("%Y-%m-%d %H:%M"))
        return timezone.localtime(alert.due_at).strftime("%Y-%m-%d %H:%M")  # Asia/Shanghai, as people read it

    def _each(self, request, queryset, service, done):
        apply_to_each(self, request, queryset, lambda alert: service(user=request.user, alert_id=alert.pk), done)

    @admin.action(description=_("Acknowledge selected alerts"))
    def acknowledge(self, request, queryset):
        self._each(request, queryset, services.alert_acknowledge, _("acknowledged"))

    @admin.action(description=_("Resolve selected alerts (with a note)"))
    def resolve(self, request, queryset):
        """R5: an intermediate page asks for the note; each alert must have been contacted first."""
        note = request.POST.get("resolution_note", "").strip()
        if "apply" in request.POST:
            self._each(request, queryset, lambda user, alert_id: services.alert_resolve(
                user=user, alert_id=alert_id, note=note), _("resolved"))
            return None
        return render(request, "admin/risk/resolve_alerts.html", {
            **self.admin_site.each_context(request), "title": _("Resolve alerts"), "alerts": queryset,
            "opts": self.model._meta, "selected_ids": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        })  # fmt: skip

    @admin.action(description=_("Escalate selected alerts to the branch risk officer"))
    def escalate(self, request, queryset):
        self._each(request, queryset, services.alert_escalate, _("escalated"))


class ApprovalAdminMixin:
    """R8 like T10: new versions are drafts by their author; another head-office manager approves them."""
    approve_service = None
    readonly_fields = ["author", "approved_by", "approved_at"]
    actions = ["approve"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None and obj.approved_at else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve selected drafts"))
    def approve(self, request, queryset):
        apply_to_each(self, request, queryset,
                      lambda record: type(self).approve_service(user=request.user, thresholds=record), _("approved"))


@admin.register(RiskThresholdSet)
class RiskThresholdSetAdmin(ApprovalAdminMixin, admin.ModelAdmin):
    list_display = ["version", "warning_ratio", "margin_call_ratio", "large_fund_movement", "large_loss", "author",
                    "approved_by", "approved_at"]
    approve_service = services.risk_thresholds_approve

    def save_model(self, request, obj, form, change):
        services.risk_thresholds_draft_save(user=request.user, thresholds=obj)


@admin.register(ClientRiskThresholds)
class ClientRiskThresholdsAdmin(ApprovalAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["client", "version", "warning_ratio", "margin_call_ratio", "large_fund_movement", "large_loss",
                    "author", "approved_by", "approved_at"]
    list_select_related = ["client", "author", "approved_by"]
    search_fields = ["client__account_no", "client__name"]
    autocomplete_fields = ["client"]
    readonly_fields = ["version", "author", "approved_by", "approved_at"]
    approve_service = services.client_risk_thresholds_approve

    def save_model(self, request, obj, form, change):
        created = services.client_risk_thresholds_propose(
            user=request.user, client_id=obj.client_id, reason=obj.reason,
            **{name: getattr(obj, name) for name in ["warning_ratio", "margin_call_ratio", "large_fund_movement",
                                                     "large_loss"]})
        obj.pk, obj.version = created.pk, created.version


@admin.register(KeyMonitoring)
class KeyMonitoringAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """R3: the key-monitoring list; add by hand here, remove by hand with the action (a reason is asked)."""
    list_display = ["client", "reason", "started_on", "last_trigger_on", "ended_on", "end_reason"]
    list_select_related = ["client"]
    list_filter = ["reason", ("ended_on", admin.EmptyFieldListFilter), "end_reason"]
    search_fields = ["client__account_no", "client__name"]
    autocomplete_fields = ["client"]
    fields = ["client", "reason", "started_on", "last_trigger_on", "note", "ended_on", "end_reason", "ended_by"]
    readonly_fields = ["ended_on", "end_reason", "ended_by"]

    def get_changeform_initial_data(self, request):

        today = timezone.localdate()
        return {"reason": KeyMonitoring.Reason.MANUAL, "started_on": today, "last_trigger_on": today}


@admin.register(RiskLevel)
class RiskLevelAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["month", "client", "level", "margin_calls", "forced_liquidations", "average_risk_degree",
                    "firm_average_risk_degree"]
    list_select_related = ["client"]
    list_filter = ["level", "month"]
    search_fields = ["client__account_no", "client__name"]


class KeyMonitoringInline(admin.TabularInline):
    model = KeyMonitoring
    fields = ["reason", "started_on", "last_trigger_on", "ended_on", "end_reason", "note"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("key monitoring (R3)")


class RiskLevelInline(admin.TabularInline):
    model = RiskLevel
    fields = ["month", "level", "margin_calls", "forced_liquidations", "average_risk_degree",
              "firm_average_risk_degree"]
    readonly_fields = fields
    ordering = ["-month"]
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("risk levels (R4)")
