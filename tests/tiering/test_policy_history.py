"""T10 (issue 16 item 2): history keeps its policy. Each version takes effect from a month named when it is drafted;
recalculating a month, for any reason, uses the version in force for that month, so approving a new policy in
December never regrades a closed October, while a head-office re-grading approved with a reason does."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from backoffice.workflows import OWED_WORK_RUNNERS
from clients.roles import Role
from core.errors import DomainError
from core.models import OwedWork
from core.owed import owed_work_sweep
from tests.factories import BranchFactory, TierPolicyFactory, make_staff
from tests.fixtures.tiering import (
    OCTOBER,
    days_of,
    new_client,
    reopen_day,
    statements,
    tier_of,
)
from tiering.models import TierMonth, TierPolicy
from tiering.services import tier_policy_approve, tier_policy_draft_save, tiers_recalculate

THIS_MONTH = timezone.localdate().replace(day=1)
GOLD = "1000000.00"  # version 1's gold line; the stricter versions below put it one cent higher


@pytest.fixture
def branch(db):
    return BranchFactory(code="T01")


@pytest.fixture
def head_office(db):
    return make_staff(Role.HEAD_OFFICE, None, "HQA").user, make_staff(Role.HEAD_OFFICE, None, "HQB").user


def stricter(version, effective_from, **fields):
    """A version whose gold line is one cent above version 1's: a client at exactly 1,000,000.00 drops to quality."""
    return TierPolicy(version=version, effective_from=effective_from, gold_equity=Decimal("1000000.01"), **fields)


def approved(head_office, policy):
    author, approver = head_office
    tier_policy_draft_save(user=author, policy=policy)
    return tier_policy_approve(policy=policy, user=approver)


def graded_october(branch, closing):
    client = new_client(branch)
    statements(client, OCTOBER, GOLD)
    closing.month(OCTOBER)
    tiers_recalculate(OCTOBER)
    assert (tier_of(client).tier, tier_of(client).policy.version) == ("gold", 1)
    return client


def test_a_new_policy_leaves_a_closed_month_alone_and_a_reopened_day_of_it_uses_its_own_version(branch,
                                                                                               head_office, closing):
    client = graded_october(branch, closing)
    before = tier_of(client)
    policy = approved(head_office, stricter(2, THIS_MONTH, window_months=3))

    # Approving owes nothing for October, and October's tiers, versions and month record stay as they were.
    assert not OwedWork.objects.filter(key__startswith="policy-v2").exists()
    after = tier_of(client)
    assert (after.tier, after.policy_id, after.avg_equity, after.computed_at) == (
        before.tier, before.policy_id, before.avg_equity, before.computed_at)
    assert TierMonth.objects.get(month=OCTOBER).policy.version == 1

    # A day of October reopened and closed again: October is recalculated with version 1, not the new one.
    last = days_of(OCTOBER)[-1]
    reopen_day(last)
    closing.day(last)
    result = tiers_recalculate(OCTOBER)
    assert result["policy_version"] == 1
    assert (tier_of(client).tier, tier_of(client).policy.version) == ("gold", 1)
    assert TierMonth.objects.get(month=OCTOBER).policy.version == 1
    # The month the new version names is graded by it.
    assert tiers_recalculate(THIS_MONTH)["policy_version"] == policy.version


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the owed work runs as the sweep runs it
def test_a_regrading_needs_a_reason_and_then_regrades_the_months_from_its_own_on(branch, head_office,
                                                                                own_redis, closing):
    own_redis.stop()  # no queue: the sweep below runs the owed recalculation
    client = graded_october(branch, closing)
    author, approver = head_office
    with pytest.raises(ValidationError, match="reason"):  # the admin's form says so at the draft
        tier_policy_draft_save(user=author, policy=stricter(2, OCTOBER))
    unreasoned = TierPolicyFactory(version=2, effective_from=OCTOBER, gold_equity=Decimal("1000000.01"),
                                           author=author)  # a draft written before the rule, say
    with pytest.raises(DomainError, match="reason"):
        tier_policy_approve(policy=unreasoned, user=approver)
    unreasoned.delete()

    policy = approved(head_office, stricter(2, OCTOBER, regrade_reason="总经理办公会 2026-12 决议：黄金线上调"))
    owed = OwedWork.objects.get(key=f"policy-v2:{OCTOBER:%Y-%m}")
    assert owed.arguments == {"month": OCTOBER.isoformat()} and owed.done_at is None
    assert owed_work_sweep(OWED_WORK_RUNNERS) == {"done": 1, "not_done": 0}
    assert (tier_of(client).tier, tier_of(client).policy_id) == ("quality", policy.pk)
    assert TierMonth.objects.get(month=OCTOBER).policy_id == policy.pk


def test_a_version_grades_from_exactly_the_month_it_names(head_office):
    november = datetime.date(2026, 11, 1)
    approved(head_office, stricter(2, datetime.date(2026, 11, 17), regrade_reason="from November"))
    policy = TierPolicy.objects.get(version=2)
    assert policy.effective_from == november  # a day of the month names the month
    assert TierPolicy.objects.for_month(november).version == 2
    assert TierPolicy.objects.for_month(november - datetime.timedelta(days=1)).version == 1
    assert TierPolicy.objects.for_month(datetime.date(2027, 3, 1)).version == 2


def test_a_draft_of_the_current_month_needs_no_reason_and_a_draft_is_never_in_force(head_office):
    author, _approver = head_office
    draft = tier_policy_draft_save(user=author, policy=stricter(2, THIS_MONTH))
    assert draft.regrade_reason == "" and not draft.is_regrading
    assert TierPolicy.objects.for_month(THIS_MONTH).version == 1
