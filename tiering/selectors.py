"""Reads for the managers' tier dashboard (issue 4), all through TierAssignment.objects.visible_to (domain O)."""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone

from clients.models import Branch, StaffProfile
from core.dates import add_months
from settlement.models import SettlementDay, TradingDay
from tiering.models import Tier, TierAssignment, TierMonth, TierOverride, TierPolicy, TierSummary

TIER_CODES = list(Tier.values)


# A client's current tier (T9, T11), for any queryset of clients ---------------------------------------------------

def with_current_tier(clients, today: datetime.date | None = None):
    """T9/T11: `computed_tier` is the latest final assignment; `current_tier` is an approved override in force
    this month, else the computed tier."""
    month = (today or timezone.localdate()).replace(day=1)
    latest_final = (TierAssignment.objects.filter(client=models.OuterRef("pk"), state="final")
                    .order_by("-month").values("tier")[:1])
    override = (TierOverride.objects.in_force(month).filter(client=models.OuterRef("pk"))
                .order_by("-approved_at").values("tier")[:1])
    return clients.annotate(computed_tier=models.Subquery(latest_final),
                            current_tier=models.functions.Coalesce(models.Subquery(override),
                                                                   models.Subquery(latest_final)))


def current_tier_rows(tiers, today: datetime.date | None = None):
    """T9/T11 from the rows' side: the latest final month's assignments in `tiers` of clients with no override in
    force, and the overrides in force in `tiers`; two querysets of rows that belong to a client (each scoped with
    visible_to), with client_id and tier."""
    month = (today or timezone.localdate()).replace(day=1)
    overrides = TierOverride.objects.in_force(month).order_by()
    latest = (TierAssignment.objects.filter(state="final").order_by("-month").values_list("month", flat=True)
              .first())
    computed = (TierAssignment.objects.filter(month=latest, tier__in=tiers)
                .exclude(client_id__in=overrides.values("client_id")).order_by())
    return computed, overrides.filter(tier__in=tiers)


def in_current_tiers(clients, tiers, today: datetime.date | None = None):
    """Clients whose current tier (T9/T11, as in with_current_tier) is one of `tiers`, as hashed semi-joins on
    current_tier_rows, never a lookup per client. (A semi-join on their union instead costs the client list's
    first page, ordered by account, four times as much at a million clients: bench/pages.py.)"""
    computed, overridden = current_tier_rows(tiers, today)
    return clients.filter(Q(pk__in=overridden.values("client_id")) | Q(pk__in=computed.values("client_id")))


@dataclass
class TierDashboard:
    month: datetime.date
    per_tier: list[dict] = field(default_factory=list)  # tier, clients, equity, commission
    by_branch: list[dict] = field(default_factory=list)  # branch, counts per tier, total
    by_advisor: list[dict] = field(default_factory=list)
    migration: list[list[int]] = field(default_factory=list)  # [from][to], tiers in TIER_CODES order
    trend_months: list[str] = field(default_factory=list)
    trend: dict[str, list[int]] = field(default_factory=dict)  # tier → counts per month
    totals: dict = field(default_factory=dict)
    provisional: bool = False  # T9: the month is graded from the days closed so far
    days_closed: int = 0
    days_in_month: int = 0
    graded_by: object = None  # T10: the TierPolicy that graded the month (None: not graded yet)
    regrading_with: object = None  # T10: an approved version that grades the month now, its recalculation owed
    policy_spans: list[dict] = field(default_factory=list)  # T10 over the trend: first, last month, policy


def _policy_spans(months, graded: dict) -> list[dict]:
    """Consecutive graded months of one version as one span: 2026-01 – 2026-11 第 1 版, 2026-12 第 2 版."""
    spans: list[dict] = []
    for month in months:
        policy = graded.get(month)
        if policy is None:
            continue
        if spans and spans[-1]["policy"] == policy and spans[-1]["next"] == month:
            spans[-1].update(last=month, next=add_months(month, 1))
        else:
            spans.append({"policy": policy, "first": month, "last": month, "next": add_months(month, 1)})
    return [{"policy": span["policy"], "months": f"{span['first']:%Y-%m}" if span["first"] == span["last"]
             else f"{span['first']:%Y-%m} – {span['last']:%Y-%m}"} for span in spans]


def _folded(rows, key: str) -> dict:
    """{key value: {tier: clients}} from rows grouped finer than (key, tier)."""
    table: dict = {}
    for row in rows:
        counts = table.setdefault(row[key], dict.fromkeys(TIER_CODES, 0))
        counts[row["tier"]] += row["clients"]
    return table


def tier_dashboard(user, month: datetime.date, *, branch_id: int | None = None) -> TierDashboard:
    """The managers' tier dashboard, read from the summary the recalculation and reassignments keep (TierSummary:
    a few rows per advisor and month, whatever the number of clients), scoped like the clients it counts (O)."""
    visible = TierSummary.objects.visible_to(user)
    if branch_id:
        visible = visible.filter(branch_id=branch_id)
    current = visible.filter(month=month)
    dashboard = TierDashboard(month=month)

    # The month's summary rows, folded by PostgreSQL four ways: per tier, per branch, per advisor, from → to.
    rows = list(current.values("tier").annotate(
        clients=Sum("clients"), equity=Sum("equity"), commission=Sum("commission")).order_by())
    by_branch = list(current.values("branch", "tier").annotate(clients=Sum("clients")).order_by())
    by_advisor = list(current.values("advisor", "tier").annotate(clients=Sum("clients")).order_by())
    by_move = list(current.filter(previous_tier__isnull=False).values("previous_tier", "tier")
                   .annotate(clients=Sum("clients")).order_by())

    dashboard.per_tier = [{"tier": code, "label": str(Tier(code).label), "clients": 0, "equity": 0, "commission": 0}
                          for code in TIER_CODES]
    for row in rows:
        figures = dashboard.per_tier[TIER_CODES.index(row["tier"])]
        figures["clients"] += row["clients"]
        figures["equity"] += row["equity"]
        figures["commission"] += row["commission"]
    dashboard.totals = {
        "clients": sum(row["clients"] for row in dashboard.per_tier),
        "equity": sum(row["equity"] for row in dashboard.per_tier),
        "commission": sum(row["commission"] for row in dashboard.per_tier),
    }

    branches = _folded(by_branch, "branch")
    names = {branch.pk: str(branch) for branch in Branch.objects.filter(pk__in=list(branches))}
    dashboard.by_branch = [
        {"id": key, "name": names.get(key, "-"), "counts": [counts[code] for code in TIER_CODES],
         "total": sum(counts.values())}
        for key, counts in sorted(branches.items(), key=lambda item: names.get(item[0], ""))
    ]
    advisors = _folded(by_advisor, "advisor")
    advisor_names = {staff.pk: str(staff) for staff in StaffProfile.objects.filter(pk__in=[k for k in advisors if k])}
    dashboard.by_advisor = [
        {"id": key, "name": advisor_names.get(key, "—"), "counts": [counts[code] for code in TIER_CODES],
         "total": sum(counts.values())}
        for key, counts in sorted(advisors.items(), key=lambda item: advisor_names.get(item[0], "~"))
    ]

    # T12 month over month: each client's tier last month against this month (clients new this month have none).
    matrix = [[0] * len(TIER_CODES) for _ in TIER_CODES]
    for source, counts in _folded(by_move, "previous_tier").items():
        for target, clients in counts.items():
            matrix[TIER_CODES.index(source)][TIER_CODES.index(target)] = clients
    dashboard.migration = matrix

    # T9: a month is final only when every one of its trading days is closed; until then the page says it is
    # provisional, with the trading days settled so far (two counts of the calendar, whatever the clients).
    month_days = TradingDay.objects.between(month, add_months(month, 1) - datetime.timedelta(days=1))
    dashboard.days_in_month = month_days.count()
    dashboard.days_closed = SettlementDay.objects.filter(
        trade_date__in=month_days.values("date"), status=SettlementDay.Status.CLOSED).count()
    dashboard.provisional = bool(rows) and dashboard.days_closed < dashboard.days_in_month

    # The 12-month trend: this month from the rows above, the eleven before from their summaries in one query.
    first = add_months(month, -11)
    trend_rows = (visible.filter(month__gte=first, month__lt=month).values("month", "tier")
                  .annotate(clients=Sum("clients")).order_by())
    months = [add_months(first, offset) for offset in range(12)]
    dashboard.trend_months = [f"{m:%Y-%m}" for m in months]
    dashboard.trend = {code: [0] * 11 + [figures["clients"]]
                       for code, figures in zip(TIER_CODES, dashboard.per_tier, strict=True)}
    for row in trend_rows:
        dashboard.trend[row["tier"]][months.index(row["month"])] = row["clients"]

    # T10: the version that graded each month (one row per month), and a re-grading approved but not yet run.
    graded = {row.month: row.policy for row in TierMonth.objects.filter(month__gte=first, month__lte=month)
              .select_related("policy")}
    dashboard.graded_by = graded.get(month)
    dashboard.policy_spans = _policy_spans(months, graded)
    in_force = TierPolicy.objects.for_month(month)
    if dashboard.graded_by is not None and in_force is not None and in_force.pk != dashboard.graded_by.pk:
        dashboard.regrading_with = in_force
    return dashboard
