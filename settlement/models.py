"""What the settlement system pushes: the trading calendar and one statement per account per trading day."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.scoping import ClientScopedQuerySet

MONEY = {"max_digits": 17, "decimal_places": 2}  # |value| < 10^15 with 2 places (settlement-api.md)
TOTAL_DIGITS = 24  # sums of such values over a day or a month (StatementMonth has the same width)


class TradingDayQuerySet(models.QuerySet):
    def trading(self):
        return self.filter(is_trading_day=True)

    def between(self, first: datetime.date, last: datetime.date):
        return self.trading().filter(date__gte=first, date__lte=last)

    def next_after(self, day: datetime.date) -> datetime.date | None:
        """The first trading day after `day`, or None beyond the calendar's last year."""
        return self.trading().filter(date__gt=day).order_by("date").values_list("date", flat=True).first()


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


class CalendarYear(models.Model):
    """C1 (settlement/calendar.py): a year of the trading calendar confirmed by head office once the official
    holiday notice (国务院办公厅 节假日安排通知, and the exchanges' closures) is in. A year without a confirmed row
    is unconfirmed: from 1 November the next one is a warning on every page (C2)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("confirmed by"))
    notice = models.CharField(_("holiday notice"), max_length=200, blank=True,
                              help_text=_("the notice the calendar follows, e.g. its number and date"))

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


# margin ÷ equity where equity is positive, NULL otherwise: the expression of the index statement_margin_ratio, as
# risk/sql.py's MARGIN_RATIO writes it (the planner matches the two).
MARGIN_RATIO = Case(When(balance__gt=0, then=F("margin") / F("balance")), output_field=models.DecimalField())


class DailyStatement(models.Model):
    """One account's end-of-day statement (settlement-api.md, daily statements). Keyed by (trade_date, client)."""

    pk = models.CompositePrimaryKey("trade_date", "client")
    trade_date = models.DateField(_("trade date"))
    # No index of its own: statement_client_date (client, trade_date) serves every lookup by client.
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="statements", verbose_name=_("client"),
                               db_index=False)
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

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily statement")
        verbose_name_plural = _("daily statements")
        indexes = [
            models.Index(fields=["client", "trade_date"], name="statement_client_date"),
            # T6/T7 ("traded" / "open position" within the year) and R3's idle check look for the days a client
            # traded or held. These partial indexes hold only those days, so a client who never did is answered by
            # one probe instead of a walk through a year of statements: bench/tiers.py --history-months 9, 100,000
            # clients, the decisions took 3.5 s without them and 0.9 s with them.
            models.Index(fields=["client", "trade_date"], condition=Q(trade_volume__gt=0), name="statement_traded"),
            models.Index(fields=["client", "trade_date"], condition=Q(position_volume__gt=0), name="statement_held"),
            # A day's statements by their margin ratio (NULL where equity is zero or below): the risk dashboard reads
            # only those at or near a threshold (risk/sql.py, ABOVE_THRESHOLDS) instead of a million statements.
            models.Index(F("trade_date"), MARGIN_RATIO, name="statement_margin_ratio"),
        ]
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

    @staticmethod
    def degree(margin, balance):
        """R1: margin ÷ equity. No margin is no risk (0); equity ≤ 0 holding margin is above every threshold
        (infinite). Exact Decimal, rounded to 4 places only for display."""
        if not margin:
            return Decimal(0)
        if balance <= 0:
            return Decimal("Infinity")
        return margin / balance

    @property
    def risk_degree(self):
        return self.degree(self.margin, self.balance)

    @property
    def exchange_risk_degree(self):
        return self.degree(self.exchange_margin or Decimal(0), self.balance)


class SettlementDay(models.Model):
    """A trade date's settlement as the CRM knows it: open while statements arrive, closed once the settlement
    system's control totals match what is stored (settlement-api.md, settlement days)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    trade_date = models.DateField(_("trade date"), primary_key=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    row_count = models.PositiveIntegerField(_("statements"), default=0)
    # A day's sums: up to a million accounts of almost 10^15 each (issue 13: numeric(17,2) overflowed at the close).
    total_balance = models.DecimalField(_("total equity"), default=0, max_digits=TOTAL_DIGITS, decimal_places=2)
    total_commission = models.DecimalField(_("total commission"), default=0, max_digits=TOTAL_DIGITS,
                                           decimal_places=2)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Set while the day's statements are counted in StatementMonth (from its close until a reopen).
    in_month_totals = models.BooleanField(_("in the month totals"), default=False, db_default=False, editable=False)
    # Written by the day-close workflow's risk evaluation (backoffice/workflows.py), for the day's summary.
    alerts_raised = models.PositiveIntegerField(_("alerts raised"), default=0, db_default=0, editable=False)

    class Meta:
        verbose_name = _("settlement day")
        verbose_name_plural = _("settlement days")
        ordering = ["-trade_date"]

    def __str__(self) -> str:
        return f"{self.trade_date} {self.get_status_display()}"


class StatementMonth(models.Model):
    """One client's month of closed settlement days, added up for the tier engine (T2/T3 sums, T6/T7 activity).

    A day is added when it closes and taken out again when it is reopened (settlement/sql.py MONTH_TOTALS), so the
    row is always the sum over the days whose SettlementDay.in_month_totals is set; the engine reads the other days
    from their statements. Bit d − 1 of traded_days / held_days is set when the client traded / held a position on
    day d of the month."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", db_index=False,
                               db_constraint=False, verbose_name=_("client"))  # from statements, which carry it
    month = models.DateField(_("month"))
    balance_sum = models.DecimalField(_("Σ equity"), max_digits=24, decimal_places=2)
    commission_sum = models.DecimalField(_("Σ commission"), max_digits=24, decimal_places=2)
    traded_days = models.IntegerField(_("days traded (bits)"))
    held_days = models.IntegerField(_("days with a position (bits)"))

    class Meta:
        verbose_name = _("client month of statements")
        verbose_name_plural = _("client months of statements")
        constraints = [models.UniqueConstraint(fields=["month", "client"], name="statement_month_unique")]
        indexes = [models.Index(fields=["client", "month"], name="statement_month_client")]

    def __str__(self) -> str:
        return f"{self.client_id} {self.month:%Y-%m}"


class SettlementDayEvent(models.Model):
    """Audit of a settlement day: every close, failed close and reopen, by whom and when."""

    class Action(models.TextChoices):
        CLOSED = "closed", _("closed")
        CLOSE_REFUSED = "close_refused", _("close refused (totals differ)")
        REOPENED = "reopened", _("reopened")

    day = models.ForeignKey(SettlementDay, on_delete=models.PROTECT, related_name="events", verbose_name=_("day"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("settlement day event")
        verbose_name_plural = _("settlement day events")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.day_id} {self.action}"


class ApiToken(models.Model):
    """A bearer token for another system (settlement-api.md, authentication). Only a SHA-256 hash is stored; the
    token acts as `user`, so crm:read answers are scoped like that user's pages (domain O)."""

    class Scope(models.TextChoices):
        SETTLEMENT_WRITE = "settlement:write", "settlement:write"
        CRM_READ = "crm:read", "crm:read"
        SERVICE_CALLS = "service:calls", "service:calls"  # the call-centre system's call events (S13)

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("token prefix"), max_length=12, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    user = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="api_tokens",
                             verbose_name=_("acts as"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """The first response given for an Idempotency-Key (settlement-api.md): a retry with the same key and body gets
    it again; the same key with another body is refused."""

    key = models.CharField(max_length=200)
    endpoint = models.CharField(max_length=100)
    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    # The response exactly as first sent (jsonb keeps no key order): a retry gets these bytes again.
    body = models.BinaryField(default=b"", editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "endpoint", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return self.key


# Intraday snapshots (settlement-api.md v1.1, domain.md I1): the counter's latest state of each account for a trading
# day. Positions and account rows arrive by COPY (settlement/intraday.py), so they are keyed by account_no, not by a
# client id, and carry no surrogate key; the evaluation (risk/intraday_sql.py) joins clients_client by account_no.
PRICE = {"max_digits": 18, "decimal_places": 6}


class ExactMoneyField(models.DecimalField):
    """Money of the intraday state, COPYed straight from the counter's rows: an unconstrained numeric whose check
    refuses what numeric(17, 2) would silently round (a third decimal place) and what it cannot hold (NaN, ±Infinity,
    |value| ≥ 10^15), so that a wrong value fails the COPY and the diagnosis names it (settlement/intraday.py)."""

    def __init__(self, *args, **kwargs):
        kwargs.update(max_digits=17, decimal_places=2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        return name, path, args, kwargs

    def db_type(self, connection):
        return "numeric"

    def db_check(self, connection):
        column = connection.ops.quote_name(self.column)
        return f"{column} <> 'NaN' AND scale({column}) <= 2 AND abs({column}) < 1e15"


class IntradaySnapshot(models.Model):
    """One accepted snapshot (I1): its sequence is strictly increasing within the trading day. Kept with its
    accounts' points for 5 trading days (I9, the nightly prune)."""

    trading_day = models.DateField(_("trading day"))
    sequence = models.BigIntegerField(_("sequence"))
    taken_at = models.DateTimeField(_("taken at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    complete = models.BooleanField(_("complete"))
    accounts = models.IntegerField(_("accounts"))
    positions = models.IntegerField(_("positions"))
    quotes = models.IntegerField(_("quotes"))
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    body_hash = models.CharField(_("body hash"), max_length=64)  # the same sequence and body again: a replay

    class Meta:
        verbose_name = _("intraday snapshot")
        verbose_name_plural = _("intraday snapshots")
        ordering = ["-trading_day", "-sequence"]
        constraints = [models.UniqueConstraint(fields=["trading_day", "sequence"], name="snapshot_day_sequence")]

    def __str__(self) -> str:
        return f"{self.trading_day} #{self.sequence}"


class IntradayQuote(models.Model):
    """I1: an instrument's latest quote of the trading day."""

    pk = models.CompositePrimaryKey("trading_day", "instrument")
    trading_day = models.DateField(_("trading day"))
    instrument = models.CharField(_("instrument"), max_length=32)
    exchange = models.CharField(_("exchange"), max_length=8)
    product = models.CharField(_("product"), max_length=16)
    multiplier = models.IntegerField(_("contract multiplier"))
    last_price = models.DecimalField(_("last price"), **PRICE)
    pre_settlement = models.DecimalField(_("previous settlement price"), **PRICE)
    upper_limit = models.DecimalField(_("upper limit"), **PRICE)
    lower_limit = models.DecimalField(_("lower limit"), **PRICE)
    sequence = models.BigIntegerField(_("sequence"))

    class Meta:
        verbose_name = _("intraday quote")
        verbose_name_plural = _("intraday quotes")
        indexes = [models.Index(fields=["trading_day", "sequence"], name="quote_day_sequence")]
        constraints = [models.CheckConstraint(
            name="quote_valid",
            condition=Q(multiplier__gte=1, last_price__gt=0, pre_settlement__gt=0, lower_limit__gt=0,
                        lower_limit__lte=F("last_price"), last_price__lte=F("upper_limit"),
                        exchange__in=["SHFE", "INE", "DCE", "CZCE", "GFEX", "CFFEX"],
                        instrument__regex=r"^[0-9A-Za-z]{1,32}$"))]

    def __str__(self) -> str:
        return f"{self.instrument} {self.last_price}"


class IntradayAccount(models.Model):
    """I1: an account's funds as of its latest snapshot in the trading day. Keyed by account number as the counter
    sends it (COPYed as sent); the evaluation finds the client by it.

    The key is kept by the only writer, settlement/intraday.py, which refuses an account listed twice before the
    COPY; the tables carry no index (migration 0019): a complete snapshot rewrites 100,000 funds and 300,000
    positions, and maintaining keys and indexes row by row cost more than the whole COPY (docs/benchmarks.md). Every
    read is a scan of the day's partition or a hash join over it."""

    pk = models.CompositePrimaryKey("trading_day", "account_no")
    trading_day = models.DateField(_("trading day"))
    account_no = models.CharField(_("account number"), max_length=32)
    sequence = models.BigIntegerField(_("sequence"))
    taken_at = models.DateTimeField(_("taken at"))
    pre_balance = ExactMoneyField(_("previous equity"))
    deposit = ExactMoneyField(_("deposit"))
    withdrawal = ExactMoneyField(_("withdrawal"))
    close_profit = ExactMoneyField(_("close profit"))
    position_profit = ExactMoneyField(_("position profit"))
    commission = ExactMoneyField(_("commission"))
    balance = ExactMoneyField(_("equity"))
    margin = ExactMoneyField(_("margin"))
    exchange_margin = ExactMoneyField(_("exchange margin"))
    frozen_margin = ExactMoneyField(_("frozen margin"))
    available = ExactMoneyField(_("available funds"))

    class Meta:
        verbose_name = _("intraday funds")
        verbose_name_plural = _("intraday funds")
        constraints = [
            # settlement-api.md: the balance identity of statements, without other_adjustments.
            models.CheckConstraint(
                name="intraday_balance_identity",
                condition=Q(balance=F("pre_balance") + F("deposit") - F("withdrawal") + F("close_profit")
                            + F("position_profit") - F("commission"))),
            models.CheckConstraint(
                name="intraday_non_negative_amounts",
                condition=Q(deposit__gte=0, withdrawal__gte=0, commission__gte=0, margin__gte=0,
                            exchange_margin__gte=0, frozen_margin__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.account_no} {self.trading_day}"


class IntradayPosition(models.Model):
    """I1: one position (account, instrument, direction, hedge) as of the account's latest snapshot (its key kept by
    settlement/intraday.py, as IntradayAccount's)."""

    class Direction(models.TextChoices):
        LONG = "long", _("long")
        SHORT = "short", _("short")

    class Hedge(models.TextChoices):
        SPECULATION = "speculation", _("speculation")
        HEDGE = "hedge", _("hedge")
        ARBITRAGE = "arbitrage", _("arbitrage")

    pk = models.CompositePrimaryKey("trading_day", "account_no", "instrument", "direction", "hedge")
    trading_day = models.DateField(_("trading day"))
    account_no = models.CharField(_("account number"), max_length=32)
    instrument = models.CharField(_("instrument"), max_length=32)
    direction = models.CharField(_("direction"), max_length=5, choices=Direction.choices)
    hedge = models.CharField(_("hedge flag"), max_length=11, choices=Hedge.choices)
    volume = models.IntegerField(_("lots"))
    today_volume = models.IntegerField(_("lots opened today"))
    margin = ExactMoneyField(_("margin"))
    exchange_margin = ExactMoneyField(_("exchange margin"))
    position_profit = ExactMoneyField(_("position profit"))
    open_cost = ExactMoneyField(_("open cost"))

    class Meta:
        verbose_name = _("intraday position")
        verbose_name_plural = _("intraday positions")
        constraints = [models.CheckConstraint(
            name="intraday_position_valid",
            condition=Q(direction__in=["long", "short"], hedge__in=["speculation", "hedge", "arbitrage"],
                        volume__gte=1, today_volume__gte=0, today_volume__lte=F("volume"), margin__gte=0,
                        exchange_margin__gte=0))]

    def __str__(self) -> str:
        return f"{self.account_no} {self.instrument} {self.direction} {self.volume}"


class IntradayOpening(models.Model):
    """I5: an account's volume per (product, direction) in its first snapshot of the trading day. An account seen
    holding nothing of a product has no row: its first volume is 0."""

    pk = models.CompositePrimaryKey("trading_day", "account_no", "product", "direction")
    trading_day = models.DateField(_("trading day"))
    account_no = models.CharField(_("account number"), max_length=32)
    product = models.CharField(_("product"), max_length=16)
    direction = models.CharField(_("direction"), max_length=5)
    volume = models.IntegerField(_("lots"))

    class Meta:
        verbose_name = _("first position of the day")
        verbose_name_plural = _("first positions of the day")

    def __str__(self) -> str:
        return f"{self.account_no} {self.product} {self.direction} {self.volume}"


class IntradayPoint(models.Model):
    """An account's funds in each snapshot that listed it: the path of its risk degree through the day (the client
    page's chart) and the raw history I9 summarises; pruned after 5 trading days."""

    pk = models.CompositePrimaryKey("trading_day", "account_no", "sequence")
    trading_day = models.DateField(_("trading day"))
    account_no = models.CharField(_("account number"), max_length=32)
    sequence = models.BigIntegerField(_("sequence"))
    taken_at = models.DateTimeField(_("taken at"))
    balance = models.DecimalField(_("equity"), **MONEY)
    margin = models.DecimalField(_("margin"), **MONEY)

    class Meta:
        verbose_name = _("intraday point")
        verbose_name_plural = _("intraday points")

    def __str__(self) -> str:
        return f"{self.account_no} #{self.sequence}"
