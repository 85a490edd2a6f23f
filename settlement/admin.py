from django.contrib import admin

from core.admin_tools import ReadOnlyAdminMixin
from settlement.models import ApiToken, SettlementDay, SettlementDayEvent, TradingDay


@admin.register(TradingDay)
class TradingDayAdmin(admin.ModelAdmin):
    """The trading calendar: head office marks exchange-only closures here."""

    list_display = ["date", "is_trading_day", "note"]
    list_editable = ["is_trading_day", "note"]
    list_filter = ["is_trading_day"]
    date_hierarchy = "date"
    list_per_page = 100

    def has_delete_permission(self, request, obj=None):
        return False


class SettlementDayEventInline(admin.TabularInline):
    model = SettlementDayEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "at", "details"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SettlementDay)
class SettlementDayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Settlement days as the settlement system closed them, with their audit trail. Closing happens through the
    API with control totals; reopening is a head-office API call (settlement-api.md)."""

    list_display = ["trade_date", "status", "row_count", "total_balance", "total_commission", "closed_at",
                    "in_month_totals"]
    list_filter = ["status", "in_month_totals"]
    date_hierarchy = "trade_date"
    readonly_fields = ["trade_date", "status", "row_count", "total_balance", "total_commission", "closed_at",
                       "in_month_totals"]
    inlines = [SettlementDayEventInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `manage.py issue_api_token` (the token is shown once); here they are listed and
    revoked."""

    list_display = ["name", "prefix", "scopes", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["name", "prefix", "scopes", "user", "created_at", "last_used_at"]
    fields = [*readonly_fields, "revoked_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
