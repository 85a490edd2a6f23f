from django.contrib import admin

from settlement.models import TradingDay


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
