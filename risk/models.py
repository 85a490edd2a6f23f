"""Margin-risk monitoring (domain R): threshold sets and the alerts raised from closed settlement days."""

import re
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.models import Client, StaffProfile
from clients.scoping import BranchAdvisorScopedQuerySet, ClientScopedQuerySet
from clients.triggers import scope_copy_trigger
from core.approvals import Approvable, VersionedQuerySet
from risk import triggers

# R1 degrees as stored: the contract allows margin up to 10^15 on a balance of 0.01, a degree just under 10^17, so
# 18 digits before the point (issue 13: numeric(12,4) overflowed, and one such account stopped a whole day's alerts).
DEGREE_DIGITS = 22


class RiskThresholdSet(Approvable):
    """R2/R8 firm-wide thresholds, versioned: each alert records the version it was raised under. Version 1 holds
    the defaults of domain.md; the approval workflow and per-client thresholds come with the margin-risk issue."""
    version = models.PositiveIntegerField(_("version"), unique=True)
    warning_ratio = models.DecimalField(_("risk warning from"), max_digits=6, decimal_places=4,
                                        default=Decimal("0.8000"))
    margin_call_ratio = models.DecimalField(_("margin call from"), max_digits=6, decimal_places=4,
                                            default=Decimal("1.0000"))
    large_fund_movement = models.DecimalField(_("large fund movement above"), max_digits=17, decimal_places=2,
                                              default=Decimal("500000.00"))
    large_loss = models.DecimalField(_("large loss from"), max_digits=17, decimal_places=2,
                                     default=Decimal("200000.00"))
    # I3–I7: the intraday lines (domain.md I), firm-wide; per client below.
    heavy_ratio = models.DecimalField(_("heavy position: product margin ÷ equity from"), max_digits=6,
                                      decimal_places=4, default=Decimal("0.5000"))
    heavy_share = models.DecimalField(_("heavy position: share of the account's margin from"), max_digits=6,
                                      decimal_places=4, default=Decimal("0.8000"))
    heavy_share_degree = models.DecimalField(_("…with a risk degree from"), max_digits=6, decimal_places=4,
                                             default=Decimal("0.6000"))
    adverse_move = models.DecimalField(_("adverse move from"), max_digits=6, decimal_places=4,
                                       default=Decimal("0.0200"))
    adverse_limit_way = models.DecimalField(_("adverse move: share of the way to the limit from"), max_digits=6,
                                            decimal_places=4, default=Decimal("0.5000"))
    stop_loss_ratio = models.DecimalField(_("loss without a stop: loss ÷ previous equity from"), max_digits=6,
                                          decimal_places=4, default=Decimal("0.1000"))
    market_move = models.DecimalField(_("market event: move from"), max_digits=6, decimal_places=4,
                                      default=Decimal("0.0300"))
    market_limit_way = models.DecimalField(_("market event: share of the way to the limit from"), max_digits=6,
                                           decimal_places=4, default=Decimal("0.6000"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("author"))

    objects = VersionedQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk thresholds")
        verbose_name_plural = _("risk thresholds")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                name="thresholds_ordered",
                condition=models.Q(warning_ratio__gt=0, margin_call_ratio__gt=models.F("warning_ratio"),
                                   large_fund_movement__gte=0, large_loss__gte=0),
            ),
            models.CheckConstraint(name="thresholds_approver_is_not_author",
                                   condition=models.Q(approved_by__isnull=True)
                                   | ~models.Q(approved_by=models.F("author"))),
        ]

    def __str__(self) -> str:
        return gettext("version %(version)s") % {"version": self.version}


class ClientRiskThresholds(Approvable):
    """R8 per client (contracts differ): any threshold left empty falls back to the firm-wide set. Versioned per
    client and approved like T10; the approved version with the highest number is in force."""
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="risk_thresholds",
                               verbose_name=_("client"))
    version = models.PositiveIntegerField(_("version"))
    warning_ratio = models.DecimalField(_("risk warning from"), max_digits=6, decimal_places=4, null=True, blank=True)
    margin_call_ratio = models.DecimalField(_("margin call from"), max_digits=6, decimal_places=4, null=True,
                                            blank=True)
    large_fund_movement = models.DecimalField(_("large fund movement above"), max_digits=17, decimal_places=2,
                                              null=True, blank=True)
    large_loss = models.DecimalField(_("large loss from"), max_digits=17, decimal_places=2, null=True, blank=True)
    # I3–I7: the intraday lines (domain.md I), per client, empty: the firm-wide line.
    heavy_ratio = models.DecimalField(_("heavy position: product margin ÷ equity from"), max_digits=6,
                                      decimal_places=4, null=True, blank=True)
    heavy_share = models.DecimalField(_("heavy position: share of the account's margin from"), max_digits=6,
                                      decimal_places=4, null=True, blank=True)
    heavy_share_degree = models.DecimalField(_("…with a risk degree from"), max_digits=6, decimal_places=4,
                                             null=True, blank=True)
    adverse_move = models.DecimalField(_("adverse move from"), max_digits=6, decimal_places=4,
                                       null=True, blank=True)
    adverse_limit_way = models.DecimalField(_("adverse move: share of the way to the limit from"), max_digits=6,
                                            decimal_places=4, null=True, blank=True)
    stop_loss_ratio = models.DecimalField(_("loss without a stop: loss ÷ previous equity from"), max_digits=6,
                                          decimal_places=4, null=True, blank=True)
    reason = models.TextField(_("reason"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("client risk thresholds")
        verbose_name_plural = _("client risk thresholds")
        ordering = ["client", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="client_thresholds_version_unique"),
            models.CheckConstraint(name="client_thresholds_approver_is_not_author",
                                   condition=models.Q(approved_by__isnull=True)
                                   | ~models.Q(approved_by=models.F("author"))),
        ]

    def __str__(self) -> str:
        return gettext("version %(version)s") % {"version": self.version}


def r1_degree_as_read(degree) -> str:
    """An R1 degree as people read it: a percentage, or 无权益 when the balance is zero or below with margin held
    (the degree has no finite value then)."""
    return f"{degree:.2%}" if degree is not None else str(_("no equity"))


# R8 and the I lines: what a per-client version may set (the market-event lines of I7 are firm-wide only).
CLIENT_THRESHOLD_FIELDS = ["warning_ratio", "margin_call_ratio", "large_fund_movement", "large_loss", "heavy_ratio",
                           "heavy_share", "heavy_share_degree", "adverse_move", "adverse_limit_way", "stop_loss_ratio"]
FINISHED = ["resolved", "withdrawn"]  # Alert.Status.RESOLVED, Alert.Status.WITHDRAWN
INTRADAY_KINDS = ["intraday_warning", "intraday_margin_call", "adverse_move", "no_stop_loss", "limit_stress"]


class AlertQuerySet(BranchAdvisorScopedQuerySet):
    def unfinished(self):
        """Alerts still to be worked (R5): neither resolved nor withdrawn (read from the index alert_unfinished)."""
        return self.exclude(status__in=FINISHED)


class Alert(models.Model):
    """One risk alert (R2): at most one per (client, trade date, kind), raised after the day's settlement closes."""
    class Kind(models.TextChoices):
        RISK_WARNING = "risk_warning", _("risk warning")
        MARGIN_CALL = "margin_call", _("margin call")
        FORCED_LIQUIDATION = "forced_liquidation", _("forced liquidation")
        NEGATIVE_EQUITY = "negative_equity", _("negative equity")
        LARGE_FUND_MOVEMENT = "large_fund_movement", _("large fund movement")
        LARGE_LOSS = "large_loss", _("large loss")
        # I2–I6: raised during the session from the counter's snapshots (risk/intraday.py).
        INTRADAY_WARNING = "intraday_warning", _("intraday risk warning")
        INTRADAY_MARGIN_CALL = "intraday_margin_call", _("intraday margin call")
        ADVERSE_MOVE = "adverse_move", _("heavy position against the market")
        NO_STOP_LOSS = "no_stop_loss", _("loss without a stop")
        LIMIT_STRESS = "limit_stress", _("limit-move stress")

    class Severity(models.TextChoices):
        LOW = "low", _("low")
        MEDIUM = "medium", _("medium")
        HIGH = "high", _("high")
        CRITICAL = "critical", _("critical")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        CONTACTED = "contacted", _("contacted")
        RESOLVED = "resolved", _("resolved")
        WITHDRAWN = "withdrawn", _("withdrawn (statements corrected)")

    # No single-column FK indexes: (client, trade_date, kind) and (assigned_to, status) serve those lookups, and
    # thresholds are never deleted. Fewer indexes keep raising 100,000 alerts in one statement fast.
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("client"),
                               db_index=False)
    trade_date = models.DateField(_("trade date"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    # R1, rounded for display; NULL when equity ≤ 0 holds margin (above every threshold).
    risk_degree = models.DecimalField(_("risk degree"), max_digits=DEGREE_DIGITS, decimal_places=4, null=True,
                                      blank=True)
    exchange_risk_degree = models.DecimalField(_("exchange risk degree"), max_digits=DEGREE_DIGITS, decimal_places=4,
                                               null=True, blank=True)
    assigned_to = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="alerts", verbose_name=_("assigned to"), db_index=False)
    thresholds = models.ForeignKey(RiskThresholdSet, on_delete=models.PROTECT, verbose_name=_("thresholds"),
                                   db_index=False)
    client_thresholds = models.ForeignKey(ClientRiskThresholds, on_delete=models.PROTECT, null=True, blank=True,
                                          verbose_name=_("client thresholds"), db_index=False)
    raised_at = models.DateTimeField(_("raised at"))
    due_at = models.DateTimeField(_("contact due by"))
    # R5/R6 workflow: who and when is in AlertEvent; these fields say where the alert stands.
    escalated = models.BooleanField(_("escalated"), default=False)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    # Domain O: the client's branch and advisor, copied and kept by triggers (clients/sql.py), for the scope.
    branch = models.ForeignKey("clients.Branch", verbose_name=_("branch"),
                               on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                               related_name="+", editable=False, db_index=False)
    advisor = models.ForeignKey(StaffProfile, verbose_name=_("advisor"),
                                on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                                related_name="+", editable=False, db_index=False)
    # R6: when it was first contacted (its first `contacted` event, set by a trigger on the events, risk/sql.py).
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True, editable=False)
    # I8: the product (品种) of a per-product intraday alert, '' otherwise; when its condition last stopped holding
    # (缓解, NULL while it holds); I9: the day's R2 alert of the same meaning that followed it.
    product = models.CharField(_("product"), max_length=16, blank=True, default="", db_default="")
    eased_at = models.DateTimeField(_("eased at"), null=True, blank=True)
    day_alert = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("day-end alert"), db_index=False)

    objects = AlertQuerySet.as_manager()

    class Meta:
        triggers = [scope_copy_trigger(), *triggers.ALERT_SUMMARY]  # O, R6 (risk/triggers.py)
        verbose_name = _("risk alert")
        verbose_name_plural = _("risk alerts")
        ordering = ["-trade_date", "-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["client", "trade_date", "kind", "product"],
                                    name="alert_one_per_client_day_kind_product"),  # R2, I8
        ]
        indexes = [models.Index(fields=["trade_date", "kind"], name="alert_date_kind"),
                   models.Index(fields=["assigned_to", "status"], name="alert_assignee_status"),
                   # The work still to do, whatever the history grows to (the dashboard, the workbench).
                   models.Index(fields=["branch", "advisor", "client"], name="alert_unfinished",
                                condition=~models.Q(status__in=FINISHED),
                                include=["kind", "severity", "status", "due_at", "raised_at", "trade_date",
                                         "contacted_at"]),
                   # I8: the session's alerts, newest first (the intraday desk and its JSON).
                   models.Index(fields=["trade_date", "raised_at"], name="alert_intraday",
                                condition=models.Q(kind__in=INTRADAY_KINDS))]

    def __str__(self) -> str:
        if self.product:
            return f"{self.trade_date} {self.get_kind_display()} {self.product}"
        return f"{self.trade_date} {self.get_kind_display()}"

    @property
    def is_intraday(self) -> bool:
        return self.kind in INTRADAY_KINDS

    @property
    def degree_text(self) -> str:
        return r1_degree_as_read(self.risk_degree)

    @property
    def is_overdue(self) -> bool:

        return self.status in (self.Status.OPEN, self.Status.ACKNOWLEDGED) and self.due_at < timezone.now()


class AlertSummary(models.Model):
    """The risk dashboard's history (issue 15 item 2): per (trade date, branch, advisor, kind), the alerts raised
    (R2; withdrawn ones do not count), those contacted and those contacted by their deadline (R6), kept by triggers
    on risk_alert and clients_client (risk/sql.py, SUMMARY), so a month of trend and compliance reads a few thousand
    rows instead of every alert. Scoped like the clients it counts (O)."""

    trade_date = models.DateField(_("trade date"))
    branch = models.ForeignKey("clients.Branch", verbose_name=_("branch"),
                               on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    advisor = models.ForeignKey("clients.StaffProfile", verbose_name=_("advisor"),
                                on_delete=models.DO_NOTHING, db_constraint=False,
                                null=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=24, choices=Alert.Kind.choices)
    raised = models.IntegerField(_("raised"))
    contacted = models.IntegerField(_("contacted"))
    contacted_in_time = models.IntegerField(_("contacted in time"))

    objects = BranchAdvisorScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert summary")
        verbose_name_plural = _("alert summaries")
        constraints = [models.UniqueConstraint(fields=["trade_date", "branch", "advisor", "kind"],
                                               nulls_distinct=False, name="alert_summary_one_per_key")]

    def __str__(self) -> str:
        return f"{self.trade_date} {self.get_kind_display()} {self.raised}"


class AlertEvent(models.Model):
    """R5: every change of an alert's state, with who and when (the system when `actor` is empty)."""
    class Action(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        CONTACTED = "contacted", _("contacted")
        RESOLVED = "resolved", _("resolved")
        ESCALATED = "escalated", _("escalated")
        WITHDRAWN = "withdrawn", _("withdrawn")
        RAISED_AGAIN = "raised_again", _("raised again")
        EASED = "eased", _("eased")

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="events", verbose_name=_("risk alert"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        triggers = [triggers.ALERT_CONTACTED]  # R6
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        ordering = ["at"]

    def __str__(self) -> str:
        return str(self.get_action_display())

    @property
    def note_text(self) -> str:
        """The note as people read it: the notes the system writes (R5's contact, R6's escalation) are kept as
        markers and said in the reader's language (issue 36); what a person wrote is shown as written."""
        if match := re.fullmatch(r"contact record (\d+)", self.note):
            return _("with contact record no. %(number)s") % {"number": match.group(1)}
        if self.note == "overdue (R6)":
            return _("not contacted in time: escalated (R6)")
        return self.note




class KeyMonitoring(models.Model):
    """R3 重点监控: a client on the key-monitoring list from `started_on` until `ended_on` (NULL while on it)."""
    class Reason(models.TextChoices):
        LARGE_FUND_MOVEMENT = "large_fund_movement", _("large fund movement")
        LARGE_LOSS = "large_loss", _("large loss")
        IDLE_TWO_MONTHS = "idle_two_months", _("two months without trading, holding equity")
        MANUAL = "manual", _("added by hand")

    class EndReason(models.TextChoices):
        QUIET = "quiet", _("20 trading days without a trigger")
        MANUAL = "manual", _("removed by hand")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="key_monitoring",
                               verbose_name=_("client"))
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    started_on = models.DateField(_("since"))
    last_trigger_on = models.DateField(_("last trigger"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    end_reason = models.CharField(_("ended because"), max_length=8, choices=EndReason.choices, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("removed by"))
    note = models.TextField(_("note"), blank=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        triggers = [triggers.KEY_MONITORING_PLAN]  # S2 weeks (clients/triggers.py)
        verbose_name = _("key monitoring")
        verbose_name_plural = _("key-monitoring list")
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(fields=["client"], condition=models.Q(ended_on__isnull=True),
                                    name="key_monitoring_one_open_per_client"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.started_on}"


class RiskLevel(models.Model):
    """R4 风险级别 for a client and month."""
    class Level(models.TextChoices):
        HIGH_RISK = "high_risk", _("high risk")
        RISK_SEEKING = "risk_seeking", _("risk seeking")
        NORMAL = "normal", _("normal")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="risk_levels", verbose_name=_("client"))
    month = models.DateField(_("month"))
    level = models.CharField(_("risk level"), max_length=12, choices=Level.choices)
    margin_calls = models.PositiveSmallIntegerField(_("margin calls in 3 months"))
    forced_liquidations = models.PositiveSmallIntegerField(_("forced liquidations in 3 months"))
    average_risk_degree = models.DecimalField(_("average risk degree"), max_digits=DEGREE_DIGITS, decimal_places=4,
                                              null=True)
    firm_average_risk_degree = models.DecimalField(_("firm-wide average"), max_digits=DEGREE_DIGITS,
                                                   decimal_places=4,
                                                   null=True)
    computed_at = models.DateTimeField(_("computed at"))

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk level")
        verbose_name_plural = _("risk levels")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["client", "month"], name="risk_level_one_per_client_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_level_display()}"


class MarketEvent(models.Model):
    """I7 大幅波动: a product whose move reached the market-event line during the trading day, once per (day,
    product), shown to all staff; its "call now" list is read from the intraday state when shown (risk/intraday.py),
    each reader's own clients only (O)."""

    class Direction(models.TextChoices):
        UP = "up", _("up")
        DOWN = "down", _("down")

    trade_date = models.DateField(_("trading day"))
    product = models.CharField(_("product"), max_length=16)
    instrument = models.CharField(_("instrument"), max_length=32)
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    move = models.DecimalField(_("move"), max_digits=12, decimal_places=6)  # the largest seen, signed
    limit_way = models.DecimalField(_("share of the way to the limit"), max_digits=12, decimal_places=6)
    raised_at = models.DateTimeField(_("raised at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("market event")
        verbose_name_plural = _("market events")
        ordering = ["-trade_date", "-raised_at"]
        constraints = [models.UniqueConstraint(fields=["trade_date", "product"], name="market_event_one_per_day")]

    def __str__(self) -> str:
        return f"{self.trade_date} {self.product} {self.move_text}"

    @property
    def move_text(self) -> str:
        return f"{self.move:+.2%}"

    @property
    def way_text(self) -> str:
        return f"{self.limit_way:.0%}"


class IntradaySummary(models.Model):
    """I9: an account's trading day as the session saw it, kept like statements once the day closes: the peak risk
    degree and its time, the lowest equity, the largest heavy ratio (a product's margin ÷ equity) and the intraday
    alerts raised. Kept up to date by each evaluation; final when the day's statements close."""

    pk = models.CompositePrimaryKey("trade_date", "client")
    trade_date = models.DateField(_("trading day"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("client"),
                               db_index=False)
    peak_risk_degree = models.DecimalField(_("peak risk degree"), max_digits=DEGREE_DIGITS, decimal_places=4,
                                           null=True)
    peak_at = models.DateTimeField(_("peak at"), null=True)
    lowest_balance = models.DecimalField(_("lowest equity"), max_digits=17, decimal_places=2, null=True)
    largest_heavy_ratio = models.DecimalField(_("largest heavy ratio"), max_digits=DEGREE_DIGITS, decimal_places=4,
                                              null=True)
    alerts = models.IntegerField(_("intraday alerts"), default=0)
    final = models.BooleanField(_("final"), default=False)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("intraday summary")
        verbose_name_plural = _("intraday summaries")
        indexes = [models.Index(fields=["client", "trade_date"], name="intraday_summary_client")]

    def __str__(self) -> str:
        return f"{self.trade_date} {self.client_id}"
