"""What the settlement system pushes: the trading calendar and one statement per account per trading day."""

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.scoping import ScopedQuerySet

MONEY = {"max_digits": 17, "decimal_places": 2}  # |value| < 10^15 with 2 places (settlement-api.md)


class TradingDayQuerySet(models.QuerySet):
    def trading(self):
        return self.filter(is_trading_day=True)

    def between(self, first: datetime.date, last: datetime.date):
        return self.trading().filter(date__gte=first, date__lte=last)


class TradingDay(models.Model):
    """交易日历: one row per calendar day; is_trading_day decides what a trading day is. Seeded from Chinese
    public holidays (settlement/holidays.py); exchange-only closures are edited in the admin."""

    date = models.DateField(_("date"), primary_key=True)
    is_trading_day = models.BooleanField(_("trading day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    objects = TradingDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("trading calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'✓' if self.is_trading_day else '✗'}"


class DailyStatementQuerySet(ScopedQuerySet):
    branch_path = "client__branch"
    advisor_path = "client__advisor"


class DailyStatement(models.Model):
    """One account's end-of-day statement (settlement-api.md, daily statements). Keyed by (trade_date, client)."""

    pk = models.CompositePrimaryKey("trade_date", "client")
    trade_date = models.DateField(_("trade date"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="statements", verbose_name=_("client"))
    pre_balance = models.DecimalField(_("previous equity"), **MONEY)
    deposit = models.DecimalField(_("deposit"), **MONEY)
    withdrawal = models.DecimalField(_("withdrawal"), **MONEY)
    close_profit = models.DecimalField(_("close profit"), **MONEY)
    position_profit = models.DecimalField(_("position profit"), **MONEY)
    commission = models.DecimalField(_("commission"), **MONEY)
    other_adjustments = models.DecimalField(_("other adjustments"), default=0, **MONEY)
    balance = models.DecimalField(_("equity"), **MONEY)
    margin = models.DecimalField(_("margin"), **MONEY)
    exchange_margin = models.DecimalField(_("exchange margin"), null=True, blank=True, **MONEY)
    available = models.DecimalField(_("available funds"), **MONEY)
    trade_volume = models.IntegerField(_("traded lots"))
    position_volume = models.IntegerField(_("open lots"))
    margin_call = models.BooleanField(_("margin call issued"), default=False)
    forced_liquidation = models.BooleanField(_("forced liquidation"), default=False)

    objects = DailyStatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily statement")
        verbose_name_plural = _("daily statements")
        indexes = [models.Index(fields=["client", "trade_date"], name="statement_client_date")]
        constraints = [
            # settlement-api.md: the balance identity holds to the cent.
            models.CheckConstraint(
                name="statement_balance_identity",
                condition=Q(balance=F("pre_balance") + F("deposit") - F("withdrawal") + F("close_profit")
                            + F("position_profit") - F("commission") + F("other_adjustments")),
            ),
            models.CheckConstraint(
                name="statement_non_negative_amounts",
                condition=Q(deposit__gte=0, withdrawal__gte=0, commission__gte=0, margin__gte=0,
                            trade_volume__gte=0, position_volume__gte=0)
                & (Q(exchange_margin__isnull=True) | Q(exchange_margin__gte=0)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.trade_date}"
