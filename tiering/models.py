"""Monthly client tiers (domain T): the versioned policy (T10), one assignment per client and month (T9), and the
tier changes between consecutive final months (T12)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.scoping import BranchAdvisorScopedQuerySet, ClientScopedQuerySet
from core.approvals import Approvable, MonthVersionedQuerySet, TakesEffectFromMonth
from tiering import triggers


class Tier(models.TextChoices):
    DIAMOND = "diamond", _("diamond")  # 钻石
    PLATINUM = "platinum", _("platinum")  # 白金
    GOLD = "gold", _("gold")  # 黄金
    QUALITY = "quality", _("quality")  # 优质
    EFFECTIVE = "effective", _("effective")  # 有效
    DORMANT = "dormant", _("dormant")  # 休眠
    ORDINARY = "ordinary", _("ordinary")  # 普通


VIP_TIERS = (Tier.DIAMOND, Tier.PLATINUM, Tier.GOLD)
MONEY = {"max_digits": 17, "decimal_places": 2}


THRESHOLD_WORDS = {
    ("equity", ">="): _("average equity ≥ %(amount)s yuan"),
    ("commission", ">="): _("monthly commission ≥ %(amount)s yuan"),
    ("equity", "<="): _("last-day equity ≤ %(amount)s yuan"),
}
CRITERIA_WORDS = {
    "traded_within_year": _("traded within the year"),
    "idle_year": _("no trade and no position for a year"),
    "none": _("none of the criteria above"),
}


def _yuan(amount: str) -> str:
    try:
        return f"{Decimal(amount):,.2f}"
    except ArithmeticError:
        return amount


def criterion_in_words(decided_by: str) -> str:
    """T9's `decided_by` (tiering/sql.py writes `equity>=…`, `commission>=…`, `traded_within_year`,
    `idle_year,equity<=…`, `none`) as a person reads it: `equity>=1000.00` → 月均权益 ≥ 1,000.00 元."""
    words = []
    for part in decided_by.split(","):
        for operator in (">=", "<="):
            if operator in part:
                name, amount = part.split(operator, 1)
                template = THRESHOLD_WORDS.get((name, operator))
                words.append(template % {"amount": _yuan(amount)} if template else part)
                break
        else:
            words.append(CRITERIA_WORDS.get(part, part))
    return "；".join(str(word) for word in words)


class TierPolicy(TakesEffectFromMonth, Approvable):
    """T10: thresholds and window W, versioned. A new version is a draft until a head-office manager other than its
    author approves it; it grades the months from the one it names (effective_from) on, never a month before it
    unless it is a head-office re-grading approved with a reason (regrade_reason)."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateField(
        _("takes effect from month"),
        help_text=_("the first tier month it grades (its first day); not before the current month unless it is a "
                    "re-grading with a reason"))
    regrade_reason = models.TextField(
        _("re-grading reason"), blank=True,
        help_text=_("required when it takes effect before the current month: the months from then on are graded "
                    "again once it is approved"))
    window_months = models.PositiveSmallIntegerField(_("window (months)"), default=1)
    diamond_equity = models.DecimalField(_("diamond: average equity from"), default=Decimal("10000000"), **MONEY)
    diamond_commission = models.DecimalField(_("diamond: monthly commission from"), default=Decimal("100000"),
                                             **MONEY)
    platinum_equity = models.DecimalField(_("platinum: average equity from"), default=Decimal("5000000"), **MONEY)
    platinum_commission = models.DecimalField(_("platinum: monthly commission from"), default=Decimal("50000"),
                                              **MONEY)
    gold_equity = models.DecimalField(_("gold: average equity from"), default=Decimal("1000000"), **MONEY)
    gold_commission = models.DecimalField(_("gold: monthly commission from"), default=Decimal("10000"), **MONEY)
    quality_equity = models.DecimalField(_("quality: average equity from"), default=Decimal("500000"), **MONEY)
    effective_equity = models.DecimalField(_("effective: average equity from"), default=Decimal("1000"), **MONEY)
    dormant_equity = models.DecimalField(_("dormant: last-day equity at most"), default=Decimal("1000"), **MONEY)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("author"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MonthVersionedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier policy")
        verbose_name_plural = _("tier policies")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(name="tier_policy_window_positive", condition=Q(window_months__gte=1)),
            models.CheckConstraint(
                name="tier_policy_thresholds_descend",
                condition=Q(diamond_equity__gt=models.F("platinum_equity"),
                            platinum_equity__gt=models.F("gold_equity"),
                            gold_equity__gt=models.F("quality_equity"),
                            quality_equity__gt=models.F("effective_equity"),
                            diamond_commission__gt=models.F("platinum_commission"),
                            platinum_commission__gt=models.F("gold_commission")),
            ),
            models.CheckConstraint(name="tier_policy_approver_is_not_author",
                                   condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("author"))),
            models.CheckConstraint(name="tier_policy_effective_from_first_day",
                                   condition=Q(effective_from__day=1)),
        ]

    def __str__(self) -> str:
        version = gettext("version %(version)s") % {"version": self.version}
        return version if self.approved_at else gettext("%(version)s (draft)") % {"version": version}


class TierAssignment(models.Model):
    """T9: a client's tier for a month, with the figures that decided it.

    Computed rows, written only by the engine's set-based SQL from clients_client and the policy in force, so the
    references carry no database constraint: its deferred checks cost 0.62 s at commit of a month's first run at
    100,000 clients, 40 % of the run (bench/tiers.py). on_delete=PROTECT still guards deletes made through Django;
    clients and policies are never deleted."""

    class State(models.TextChoices):
        PROVISIONAL = "provisional", _("provisional")
        FINAL = "final", _("final")

    # No index of its own: tier_one_per_client_month (client, month) serves every lookup by client.
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="tier_assignments",
                               verbose_name=_("client"), db_index=False, db_constraint=False)
    month = models.DateField(_("month"), help_text=_("first day of the tier month"))
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices)
    avg_equity = models.DecimalField(_("average equity"), **MONEY)
    avg_commission = models.DecimalField(_("average monthly commission"), **MONEY)
    trading_days = models.PositiveSmallIntegerField(_("trading days used"))
    decided_by = models.CharField(_("deciding criterion"), max_length=64)
    policy = models.ForeignKey(TierPolicy, on_delete=models.PROTECT, verbose_name=_("policy"), db_index=False,
                               db_constraint=False)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    # Scope copies of the client's branch and advisor (domain O, clients/sql.py): written by the recalculation's own
    # statements (tiering/sql.py), moved by the reassignment trigger, repaired nightly; the querysets scope by them.
    branch = models.ForeignKey("clients.Branch", verbose_name=_("branch"),
                               on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                               null=True, related_name="+", editable=False)
    advisor = models.ForeignKey("clients.StaffProfile", verbose_name=_("advisor"),
                                on_delete=models.DO_NOTHING, db_constraint=False,
                                db_index=False, null=True, related_name="+", editable=False)
    # The client's tier the month before (any state; empty: none), kept in step by the engine in both directions,
    # so the dashboard's migration matrix reads one month instead of joining two.
    previous_tier = models.CharField(_("previous month's tier"), max_length=12, choices=Tier.choices, null=True,
                                     blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    objects = BranchAdvisorScopedQuerySet.as_manager()

    class Meta:
        triggers = triggers.ASSIGNMENT_PLANS  # S2 weeks (tiering/triggers.py)
        verbose_name = _("tier assignment")
        verbose_name_plural = _("tier assignments")
        ordering = ["-month", "client_id"]
        constraints = [models.UniqueConstraint(fields=["client", "month"], name="tier_one_per_client_month")]
        # The dashboard's 12-month trend counts (month, tier) per visible client from this index alone (an
        # index-only scan: the client for scoping is included), without reading the half-full table.
        # The workbench's VIP rows (S6) of a branch or an advisor: the same index, with the scope copies included.
        indexes = [models.Index(fields=["month", "tier"], include=["client", "branch", "advisor"],
                                name="tier_month_tier_client")]
        # The table is stored half full (fillfactor 50, migration 0008): each nightly provisional run rewrites
        # every client's averages, and with room on the page PostgreSQL rewrites a row in place without touching
        # its indexes (a HOT update) whenever the tier stays. bench/tiers.py, 100,000 rows changed: 0.94 s → 0.18 s.

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_tier_display()}"

    @property
    def decided_by_display(self) -> str:
        """The criterion that decided the tier (T9) in words: `equity>=1000.00` → 月均权益 ≥ 1,000.00 元."""
        return criterion_in_words(self.decided_by)


class TierMonth(models.Model):
    """T9/T10: how a month was last graded: the policy version, the state and the trading days used, one row per
    month written by the recalculation with its assignments (every assignment of a month carries this version).
    The dashboard and the calendar read it: which version graded a month, and whether a month is graded at all."""

    month = models.DateField(_("month"), primary_key=True)
    policy = models.ForeignKey(TierPolicy, on_delete=models.PROTECT, related_name="+", verbose_name=_("policy"))
    state = models.CharField(_("state"), max_length=12, choices=TierAssignment.State.choices)
    trading_days = models.PositiveSmallIntegerField(_("trading days used"))
    last_day = models.DateField(_("last trading day used"), null=True)  # unknown for months graded before it
    clients = models.PositiveIntegerField(_("clients graded"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("graded month")
        verbose_name_plural = _("graded months")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.policy}"


class TierSummary(models.Model):
    """The tier dashboard's figures (issue 15): clients and summed averages per (month, branch, advisor, tier,
    previous tier), kept by the writes that change them, so a dashboard at a million clients reads a few thousand
    rows instead of every assignment. The tier recalculation rebuilds a month it changed (tiering/sql.py,
    REBUILD_SUMMARY); a trigger on clients_client moves a client's months at once when its branch or advisor
    changes, whoever changes it (migration 0011). Scoped like the clients it counts (O)."""

    month = models.DateField(_("month"))
    branch = models.ForeignKey("clients.Branch", verbose_name=_("branch"),
                               on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    advisor = models.ForeignKey("clients.StaffProfile", verbose_name=_("advisor"),
                                on_delete=models.DO_NOTHING, db_constraint=False,
                                null=True, related_name="+")
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices)
    previous_tier = models.CharField(_("previous month's tier"), max_length=12, choices=Tier.choices, null=True)
    clients = models.IntegerField(_("clients"))
    equity = models.DecimalField(_("summed average equity"), max_digits=24, decimal_places=2)
    commission = models.DecimalField(_("summed average commission"), max_digits=24, decimal_places=2)

    objects = BranchAdvisorScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier summary")
        verbose_name_plural = _("tier summaries")
        constraints = [models.UniqueConstraint(fields=["month", "branch", "advisor", "tier", "previous_tier"],
                                               nulls_distinct=False, name="tier_summary_one_per_key")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_tier_display()} {self.clients}"


class TierChange(models.Model):
    """T12: a client's tier differs between two consecutive final months (an upgrade or a downgrade)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="tier_changes",
                               verbose_name=_("client"))
    month = models.DateField(_("month"))
    from_tier = models.CharField(_("from"), max_length=12, choices=Tier.choices)
    to_tier = models.CharField(_("to"), max_length=12, choices=Tier.choices)
    upgrade = models.BooleanField(_("upgrade"))

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["client", "month"], name="tier_change_one_per_client_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_from_tier_display()} → {self.get_to_tier_display()}"


class ApprovedPeriodQuerySet(ClientScopedQuerySet):
    """T11 overrides and T16 silver cards: approved, for a period of months."""

    def in_force(self, month):
        return self.filter(approved_at__isnull=False, first_month__lte=month, last_month__gte=month)


class TierOverride(Approvable):
    """T11: a manager sets a client's tier by hand for a stated period with a reason. It needs a second person's
    approval (as T10) and is shown beside the computed tier; the monthly assignments stay as computed."""
    requester_field = "requested_by"  # T11/T16: who asked may not approve (core.approvals)

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="tier_overrides",
                               verbose_name=_("client"))
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices)
    first_month = models.DateField(_("from month"))
    last_month = models.DateField(_("until month"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    objects = ApprovedPeriodQuerySet.as_manager()

    class Meta:
        triggers = [triggers.OVERRIDE_PLANS]  # S2 weeks
        verbose_name = _("tier override")
        verbose_name_plural = _("tier overrides")
        ordering = ["-first_month"]
        constraints = [
            models.CheckConstraint(name="tier_override_period_ordered",
                                   condition=Q(last_month__gte=models.F("first_month"))),
            models.CheckConstraint(name="tier_override_reason_given", condition=~Q(reason="")),
            models.CheckConstraint(name="tier_override_approver_is_not_requester",
                                   condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("requested_by"))),
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} {self.first_month:%Y-%m}–{self.last_month:%Y-%m}"


# The guide's contribution cards (客户服务指引 第二章, issue 16 item 6; docs/rules-added.md T13–T16) ---------------

class Card(models.TextChoices):
    DIAMOND = "diamond_card", _("diamond card")  # 钻石卡
    BLACK_GOLD = "black_gold_card", _("black-gold card")  # 黑金卡
    PLATINUM = "platinum_card", _("platinum card")  # 白金卡
    GOLD = "gold_card", _("gold card")  # 金卡
    SILVER = "silver_card", _("silver card")  # 银卡: set by an advisor, approved (T16)


COMPUTED_CARDS = [Card.DIAMOND, Card.BLACK_GOLD, Card.PLATINUM, Card.GOLD]
PERCENT = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 16, "decimal_places": 6}


class ContributionPolicy(TakesEffectFromMonth, Approvable):
    """T14: the bands of the contribution cards, versioned and approved like T10 (a draft until a second
    head-office person approves it; each version names the month it takes effect from)."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateField(_("takes effect from month"),
                                      help_text=_("the first month it classifies (its first day)"))
    regrade_reason = models.TextField(_("re-grading reason"), blank=True)
    high_band = models.DecimalField(_("high band: deviation above (%)"), default=Decimal("30"), **PERCENT)
    low_band = models.DecimalField(_("low band: deviation from (%)"), default=Decimal("-30"), **PERCENT)

    class PlansBy(models.TextChoices):
        TIERS = "tiers", _("client tiers (T)")
        CARDS = "cards", _("contribution cards")

    # S2: which classification the weekly contact plans follow in the months this version is in force.
    contact_plans_by = models.CharField(_("contact plans (S2) follow"), max_length=8, choices=PlansBy.choices,
                                        default=PlansBy.TIERS)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("author"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MonthVersionedQuerySet.as_manager()

    class Meta:
        triggers = [triggers.CARD_POLICY_PLANS]  # S2 weeks
        verbose_name = _("contribution card policy")
        verbose_name_plural = _("contribution card policies")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(name="contribution_bands_ordered",
                                   condition=Q(high_band__gt=models.F("low_band"))),
            models.CheckConstraint(name="contribution_policy_first_day", condition=Q(effective_from__day=1)),
            models.CheckConstraint(name="contribution_policy_approver_is_not_author",
                                   condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("author"))),
        ]

    def __str__(self) -> str:
        version = gettext("version %(version)s") % {"version": self.version}
        return version if self.approved_at else gettext("%(version)s (draft)") % {"version": version}


class ContributionMonth(models.Model):
    """T13: the firm's figures of a month the cards were computed for (the averages each client is compared with)."""

    month = models.DateField(_("month"), primary_key=True)
    policy = models.ForeignKey(ContributionPolicy, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("policy"))
    last_day = models.DateField(_("last trading day used"))
    clients = models.PositiveIntegerField(_("clients"))
    total_equity = models.DecimalField(_("the firm's period-end equity"), max_digits=24, decimal_places=2)
    average_equity = models.DecimalField(_("average period-end equity"), max_digits=24, decimal_places=2)
    average_commission = models.DecimalField(_("average commission"), max_digits=24, decimal_places=2)
    average_stability = models.DecimalField(_("average profit-rate deviation"), null=True, **RATE)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("contribution month")
        verbose_name_plural = _("contribution months")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.policy}"


class ContributionCard(models.Model):
    """T13/T15: a client's contribution card for a month, with the figures that decided it. Computed rows, written
    only by the set-based statement in tiering/sql.py (CARDS_*), with scope copies of the client's branch and
    advisor (domain O, clients/sql.py) for the dashboard."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="contribution_cards",
                               verbose_name=_("client"), db_index=False, db_constraint=False)
    month = models.DateField(_("month"))
    card = models.CharField(_("card"), max_length=16, choices=Card.choices)
    period_end_equity = models.DecimalField(_("period-end equity"), **MONEY)
    commission = models.DecimalField(_("commission in the month"), **MONEY)
    margin_deviation = models.DecimalField(_("margin contribution deviation (%)"), null=True, **PERCENT)
    commission_deviation = models.DecimalField(_("commission contribution deviation (%)"), null=True, **PERCENT)
    stability = models.DecimalField(_("profit-rate standard deviation"), null=True, **RATE)
    stable = models.BooleanField(_("at or below the firm's average deviation"))
    policy = models.ForeignKey(ContributionPolicy, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("policy"), db_index=False, db_constraint=False)
    branch = models.ForeignKey("clients.Branch", verbose_name=_("branch"),
                               on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                               null=True, related_name="+", editable=False)
    advisor = models.ForeignKey("clients.StaffProfile", verbose_name=_("advisor"),
                                on_delete=models.DO_NOTHING, db_constraint=False,
                                db_index=False, null=True, related_name="+", editable=False)
    computed_at = models.DateTimeField(_("computed at"))

    objects = BranchAdvisorScopedQuerySet.as_manager()

    class Meta:
        triggers = triggers.CARD_PLANS  # S2 weeks
        verbose_name = _("contribution card")
        verbose_name_plural = _("contribution cards")
        ordering = ["-month", "client_id"]
        constraints = [models.UniqueConstraint(fields=["client", "month"], name="card_one_per_client_month")]
        indexes = [models.Index(fields=["month", "card"], include=["branch", "advisor"], name="card_month_card")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_card_display()}"


class SilverCard(Approvable):
    """T16 银卡: an advisor sets it for an ordinary account opened within three months (开户三个月内的普通客户), with
    the department head's approval (the branch manager, or head office; never the requester). It holds from the
    request's month to the month the account's third month ends, and is shown instead of the computed card."""
    requester_field = "requested_by"  # T11/T16: who asked may not approve (core.approvals)

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="silver_cards",
                               verbose_name=_("client"))
    first_month = models.DateField(_("from month"))
    last_month = models.DateField(_("until month"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    objects = ApprovedPeriodQuerySet.as_manager()

    class Meta:
        triggers = [triggers.SILVER_PLANS]  # S2 weeks
        verbose_name = _("silver card")
        verbose_name_plural = _("silver cards")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(name="silver_card_reason_given", condition=~Q(reason="")),
            models.CheckConstraint(name="silver_card_approver_is_not_requester",
                                   condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("requested_by"))),
        ]

    def __str__(self) -> str:
        return f"{self.get_card_display()} {self.first_month:%Y-%m}–{self.last_month:%Y-%m}"

    def get_card_display(self) -> str:
        return str(Card.SILVER.label)
