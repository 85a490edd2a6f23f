from django.contrib import admin

from futcrm.admin_tools import ScopedAdminMixin
from risk.models import Alert, RiskThresholdSet


@admin.register(Alert)
class AlertAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Risk alerts (R2), scoped like clients; the workflow (R5, R6) arrives with the margin-risk issue."""

    list_display = ["trade_date", "client", "kind", "severity", "status", "risk_degree", "assigned_to", "due_at"]
    list_select_related = ["client", "assigned_to"]
    list_filter = ["kind", "severity", "status", "trade_date"]
    search_fields = ["client__account_no", "client__name"]
    readonly_fields = [field.name for field in Alert._meta.fields]

    def has_add_permission(self, request):
        return False  # raised by the evaluation only


@admin.register(RiskThresholdSet)
class RiskThresholdSetAdmin(admin.ModelAdmin):
    list_display = ["version", "warning_ratio", "margin_call_ratio", "large_fund_movement", "large_loss",
                    "approved_at"]

    def has_change_permission(self, request, obj=None):
        return False  # versions are immutable: alerts record the version they were raised under

    def has_delete_permission(self, request, obj=None):
        return False
