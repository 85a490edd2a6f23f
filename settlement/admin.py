import csv
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.scoping import sees_everything
from core.admin_tools import ReadOnlyAdminMixin, apply_to_each
from core.errors import DomainError
from settlement.calendar import (
    UNSETTLED_AFTER,
    calendar_day_set,
    calendar_year_confirm,
    holiday_notice_apply,
    holiday_notice_preview,
    holiday_notice_read,
    unsettled_trading_days,
)
from settlement.models import ApiToken, CalendarYear, IntradaySnapshot, SettlementDay, SettlementDayEvent, TradingDay


class UnsettledFilter(admin.SimpleListFilter):
    """C4: calendar trading days with no settlement three trading days later (the banner's list, in full)."""

    title = _("settlement")
    parameter_name = "unsettled"

    def lookups(self, request, model_admin):
        return [("1", _("trading day, no settlement after %(days)s trading days") % {"days": UNSETTLED_AFTER})]

    def queryset(self, request, queryset):
        if self.value() != "1":
            return queryset
        return queryset.filter(pk__in=unsettled_trading_days(timezone.localdate()).values("pk"))


class HolidayNoticeForm(forms.Form):
    file = forms.FileField(label=_("holiday notice (CSV or Excel: holiday, first_day, last_day)"))


@admin.register(TradingDay)
class TradingDayAdmin(admin.ModelAdmin):
    """The trading calendar (C1–C4, settlement/calendar.py): head office imports each year's holiday notice with a
    preview, confirms the year, and marks exchange-only closures here; each change owes the graded months."""

    list_display = ["date", "is_trading_day", "note"]
    list_editable = ["is_trading_day", "note"]
    list_filter = ["is_trading_day", UnsettledFilter]
    date_hierarchy = "date"
    list_per_page = 100

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and sees_everything(request.user)

    def save_model(self, request, obj, form, change):
        try:
            calendar_day_set(obj.date, trading=obj.is_trading_day, note=obj.note)
        except DomainError as error:
            raise ValidationError(error.message) from error

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="settlement_tradingday_import"),
                *super().get_urls()]

    def import_view(self, request):
        """C3: upload → a preview of every day that changes → apply (and confirm the year)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "changes": None,
                   "title": gettext("Import the holiday notice")}
        form = HolidayNoticeForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and "apply" in request.POST:  # the preview's button: the ranges it showed
            try:
                ranges = holiday_notice_read(request.POST.get("ranges", "").encode(), "notice.csv")
                changes = holiday_notice_apply(ranges, user=request.user, confirm=bool(request.POST.get("confirm")),
                                               notice=request.POST.get("notice", "").strip())
            except DomainError as error:
                messages.error(request, error.message)
                return redirect("admin:settlement_tradingday_import")
            messages.success(request, gettext("%(count)s calendar days changed.") % {"count": len(changes)})
            return redirect("admin:settlement_tradingday_changelist")
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                ranges = holiday_notice_read(upload.read(), upload.name)
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerow(["holiday", "first_day", "last_day"])
                writer.writerows([holiday.name, holiday.first, holiday.last] for holiday in ranges)
                context.update(ranges=ranges, ranges_csv=buffer.getvalue(), changes=holiday_notice_preview(ranges),
                               years=sorted({holiday.first.year for holiday in ranges}))
        context["form"] = form
        return TemplateResponse(request, "admin/settlement/tradingday/import.html", context)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """C1: which years of the calendar head office has confirmed against the official notice."""

    list_display = ["year", "confirmed_at", "confirmed_by", "notice_display"]
    readonly_fields = ["confirmed_at", "confirmed_by"]

    @admin.display(description=_("holiday notice"))
    def notice_display(self, year):
        """The years confirmed when futcrm was installed came with it (settlement/holidays.py), not by a person."""
        return _("installed with futcrm") if year.notice.endswith("(seed)") else year.notice or "—"
    actions = ["confirm"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and sees_everything(request.user)

    def has_add_permission(self, request):
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            confirmed = calendar_year_confirm(obj.year, user=request.user, notice=obj.notice)
        except DomainError as error:
            raise ValidationError(error.message) from error
        obj.confirmed_at, obj.confirmed_by = confirmed.confirmed_at, confirmed.confirmed_by

    @admin.action(description=_("Confirm the selected years' calendars"))
    def confirm(self, request, queryset):
        if not self.has_change_permission(request):
            raise PermissionDenied
        apply_to_each(self, request, queryset,
                      lambda year: calendar_year_confirm(year.year, user=request.user, notice=year.notice),
                      _("confirmed"))


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


@admin.register(IntradaySnapshot)
class IntradaySnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The counter's intraday snapshots as accepted (settlement-api.md v1.1), kept 5 trading days (I9), and whether
    each was evaluated (I2–I8)."""

    list_display = ["trading_day", "sequence", "taken_at", "complete", "accounts", "positions", "quotes",
                    "received_at", "evaluated_at"]
    list_filter = ["trading_day", "complete"]
    readonly_fields = list_display
    exclude = ["body_hash"]


SCOPE_LABELS = {
    ApiToken.Scope.SETTLEMENT_WRITE: _("push settlement data (statements, clients, snapshots, closes)"),
    ApiToken.Scope.CRM_READ: _("read clients, tiers, alerts and statements"),
    ApiToken.Scope.SERVICE_CALLS: _("report the call centre's calls"),
}


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `manage.py issue_api_token` (the token is shown once); here they are listed and
    revoked."""

    list_display = ["name", "prefix", "scopes_display", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["name", "prefix", "scopes_display", "user", "created_at", "last_used_at"]
    fields = [*readonly_fields, "revoked_at"]

    @admin.display(description=_("may"))
    def scopes_display(self, token):
        """What the token may do, in words (its scopes are codes of the settlement contract)."""
        return "、".join(str(SCOPE_LABELS.get(scope, scope)) for scope in token.scopes)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
