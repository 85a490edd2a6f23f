"""T2/T4–T6 (issue 16 item 1): the average shown is the average that decides. Averages are rounded to the cent
half-up (四舍五入) once; that figure is compared with every threshold, stored and shown. Around each threshold t:
an average of exactly t − 0.005 rounds up to t and reaches it; t − 0.005 − a fraction of a cent rounds to t − 0.01
and does not; t − 0.0047 (the issue's 16 days at 1,000,000.00 and one at 999,999.92) is shown t and graded by t."""

import datetime
from decimal import Decimal

import pytest

from tests.factories import BranchFactory, TierPolicyFactory
from tests.fixtures.tiering import (
    AUGUST,
    OCTOBER,
    SEPTEMBER,
    days_of,
    new_client,
    statements,
    tier_of,
)
from tiering.services import tiers_recalculate


@pytest.fixture
def branch(db):
    return BranchFactory(code="T01")


# (threshold, the tier it gives, the tier one cent below gives, decided_by at the threshold)
EQUITY_THRESHOLDS = [
    ("10000000.00", "diamond", "platinum", "equity>=10000000.00"),
    ("5000000.00", "platinum", "gold", "equity>=5000000.00"),
    ("1000000.00", "gold", "quality", "equity>=1000000.00"),
    ("500000.00", "quality", "effective", "equity>=500000.00"),
    ("1000.00", "effective", "dormant", "equity>=1000.00"),
]


def graded(branch, month, threshold: str, last_day_short_by: Decimal, closing):
    """Every trading day of `month` at the threshold but the last, `last_day_short_by` below it."""
    client = new_client(branch)
    days = days_of(month)
    statements(client, month, threshold, days=days[:-1])
    statements(client, month, str(Decimal(threshold) - last_day_short_by), days=days[-1:])
    closing.month(month)
    tiers_recalculate(month)
    return tier_of(client, month), len(days)


@pytest.mark.parametrize(("threshold", "tier", "below", "decided_by"), EQUITY_THRESHOLDS)
def test_just_under_the_threshold_but_shown_as_it_is_graded_by_it(branch, threshold, tier, below, decided_by, closing):
    assignment, days = graded(branch, OCTOBER, threshold, Decimal("0.08"), closing)  # 17 days: t − 0.0047
    assert days == 17
    assert assignment.avg_equity == Decimal(threshold)  # shown 1,000,000.00 …
    assert (assignment.tier, assignment.decided_by) == (tier, decided_by)  # … and graded by it


@pytest.mark.parametrize(("threshold", "tier", "below", "decided_by"), EQUITY_THRESHOLDS)
def test_a_little_more_short_is_shown_a_cent_below_and_graded_below(branch, threshold, tier, below, decided_by,
                                                                   closing):
    assignment, _days = graded(branch, OCTOBER, threshold, Decimal("0.09"), closing)  # 17 days: t − 0.0053
    assert assignment.avg_equity == Decimal(threshold) - Decimal("0.01")
    assert assignment.tier == below


@pytest.fixture
def even_month():
    """A month with an even number of trading days, where an average of exactly t − 0.005 can be made."""
    return next(month for month in (SEPTEMBER, AUGUST, datetime.date(2026, 3, 1), datetime.date(2026, 1, 1))
                if len(days_of(month)) % 2 == 0)


@pytest.mark.parametrize(("threshold", "tier", "below", "decided_by"), EQUITY_THRESHOLDS)
def test_exactly_half_a_cent_below_rounds_up_and_reaches(branch, even_month, threshold, tier, below, decided_by,
                                                         closing):
    days = len(days_of(even_month))
    assignment, _days = graded(branch, even_month, threshold, Decimal("0.005") * days, closing)  # exactly t − 0.005
    assert (assignment.avg_equity, assignment.tier) == (Decimal(threshold), tier)


@pytest.mark.parametrize(("threshold", "tier", "below", "decided_by"), EQUITY_THRESHOLDS)
def test_half_a_cent_and_a_little_below_rounds_down(branch, even_month, threshold, tier, below, decided_by, closing):
    days = len(days_of(even_month))
    assignment, _days = graded(branch, even_month, threshold, Decimal("0.005") * days + Decimal("0.01"), closing)
    assert (assignment.avg_equity, assignment.tier) == (Decimal(threshold) - Decimal("0.01"), below)


@pytest.mark.parametrize(("threshold", "tier", "below"), [
    ("100000.00", "diamond", "platinum"), ("50000.00", "platinum", "gold"), ("10000.00", "gold", "effective"),
])  # fmt: skip
@pytest.mark.parametrize(("short_by", "reaches"), [(Decimal("0.01"), True), (Decimal("0.02"), False)])
def test_a_three_month_commission_average_is_rounded_before_it_is_compared(branch, threshold, tier, below, short_by,
                                                                           reaches, closing):
    """T3 with W = 3: Σ commission ÷ 3. Short by a cent in the sum: t − 0.0033, shown t and graded by it; short by
    two cents: t − 0.0067, shown t − 0.01 and graded below."""
    from clients.roles import Role
    from tests.factories import make_staff
    from tiering.services import tier_policy_approve
    author, approver = make_staff(Role.HEAD_OFFICE, None, "HQA").user, make_staff(Role.HEAD_OFFICE, None, "HQB").user
    policy = TierPolicyFactory(version=2, window_months=3, author=author, effective_from=AUGUST,
                                       regrade_reason="W = 3 from August")
    tier_policy_approve(policy=policy, user=approver)
    client = new_client(branch)
    total = Decimal(threshold) * 3 - short_by
    for month, share in ((AUGUST, Decimal(threshold)), (SEPTEMBER, Decimal(threshold)),
                         (OCTOBER, total - 2 * Decimal(threshold))):
        statements(client, month, "2000.00", commission_total=str(share), trade_volume=1)
        closing.month(month)
    tiers_recalculate(OCTOBER)
    assignment = tier_of(client)
    expected = Decimal(threshold) if reaches else Decimal(threshold) - Decimal("0.01")
    assert (assignment.avg_commission, assignment.tier) == (expected, tier if reaches else below)
