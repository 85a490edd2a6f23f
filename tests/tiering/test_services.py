"""Domain T1–T12: the tier engine at every boundary, the worked examples, W = 3, missing days, closed accounts,
the dormant conditions one by one, provisional/final, changes, policy approval, and the read endpoint."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection
from django.db import connection as main_connection
from django.utils import timezone, translation

from clients.models import Client
from clients.roles import Role
from core.errors import DomainError
from settlement import sql as settlement_sql
from settlement.models import DailyStatement, SettlementDay
from settlement.services import statement_month_totals
from tests.factories import BranchFactory, TierPolicyFactory, make_staff
from tests.fixtures.tiering import AUGUST, OCTOBER, SEPTEMBER, days_of, new_client, reopen_day, statements, tier_of
from tests.fixtures.world import VISIBLE
from tiering import sql
from tiering.models import TierAssignment, TierChange, TierPolicy
from tiering.selectors import with_current_tier
from tiering.services import tier_override_approve, tier_override_request, tier_policy_approve, tiers_recalculate


@pytest.fixture
def branch(db):
    return BranchFactory(code="T01")


@pytest.mark.parametrize(("daily_equity", "tier", "decided_by"), [
    ("10000000.00", "diamond", "equity>=10000000.00"),
    ("9999999.99", "platinum", "equity>=5000000.00"),
    ("5000000.00", "platinum", "equity>=5000000.00"),
    ("4999999.99", "gold", "equity>=1000000.00"),
    ("1000000.00", "gold", "equity>=1000000.00"),
    ("999999.99", "quality", "equity>=500000.00"),
    ("500000.00", "quality", "equity>=500000.00"),
    ("499999.99", "effective", "equity>=1000.00"),
    ("1000.00", "effective", "equity>=1000.00"),
    ("999.99", "dormant", "idle_year,equity<=1000.00"),
])  # fmt: skip
def test_equity_thresholds_include_the_number_and_exclude_one_cent_below(branch, daily_equity, tier, decided_by,
                                                                        closing):
    client = new_client(branch)
    statements(client, OCTOBER, daily_equity)
    closing.month(OCTOBER)
    tiers_recalculate(OCTOBER)
    assignment = tier_of(client)
    assert (assignment.tier, assignment.decided_by) == (tier, decided_by)
    assert assignment.avg_equity == Decimal(daily_equity)
    assert assignment.state == "final" and assignment.trading_days == len(days_of(OCTOBER)) == 17


@pytest.mark.parametrize(("commission", "tier"), [
    ("100000.00", "diamond"), ("99999.99", "platinum"), ("50000.00", "platinum"), ("49999.99", "gold"),
    ("10000.00", "gold"), ("9999.99", "effective"),
])  # fmt: skip
def test_commission_thresholds(branch, commission, tier, closing):
    client = new_client(branch)
    statements(client, OCTOBER, "2000.00", commission_total=commission, trade_volume=1)
    closing.month(OCTOBER)
    tiers_recalculate(OCTOBER)
    assert tier_of(client).tier == tier
    assert tier_of(client).avg_commission == Decimal(commission)


def test_worked_example_commission_beats_equity(branch, closing):
    client = new_client(branch)
    statements(client, OCTOBER, "6000000.00", commission_total="120000.00", trade_volume=5)
    closing.month(OCTOBER)
    tiers_recalculate(OCTOBER)
    assert (tier_of(client).tier, tier_of(client).decided_by) == ("diamond", "commission>=100000.00")


def test_worked_example_exactly_1000_and_idle_for_two_years_is_effective(branch, closing):
    client = new_client(branch, last_trade_date=datetime.date(2024, 9, 1))
    statements(client, OCTOBER, "1000.00")
    closing.month(OCTOBER)
    tiers_recalculate(OCTOBER)
    assert tier_of(client).tier == "effective"


def test_missing_days_count_as_zero(branch, closing):
    client = new_client(branch)
    days = days_of(OCTOBER)
    statements(client, OCTOBER, "1000000.00", days=days[1:])  # no statement on the first trading day
    closing.month(OCTOBER)
    tiers_recalculate(OCTOBER)
    assignment = tier_of(client)
    assert assignment.tier == "quality"
    assert assignment.avg_equity == (Decimal("1000000.00") * 16 / 17).quantize(Decimal("0.01"))


def test_closed_accounts(branch, closing):
    closed_before = new_client(branch, closed_on=datetime.date(2026, 9, 30))
    closed_during = new_client(branch, closed_on=datetime.date(2026, 10, 15))
    statements(closed_during, OCTOBER, "2000000.00", days=[day for day in days_of(OCTOBER) if day.day <= 15])
    closing.month(OCTOBER)
    tiers_recalculate(OCTOBER)
    assert not TierAssignment.objects.filter(client=closed_before).exists()
    assert tier_of(closed_during).tier == "quality"  # 2,000,000 × 6 of 17 days


class TestDormantConditions:
    """T7: all four must hold; break each one alone."""

    @pytest.fixture(autouse=True)
    def both_reads(self, closing):
        self.closing = closing

    def run(self, client, **statement_options):
        statements(client, OCTOBER, "500.00", **statement_options)
        self.closing.month(OCTOBER)
        tiers_recalculate(OCTOBER)
        return tier_of(client).tier

    def test_all_four_hold(self, branch):
        assert self.run(new_client(branch)) == "dormant"

    def test_opened_less_than_a_year_before(self, branch):
        assert self.run(new_client(branch, opened_on=datetime.date(2025, 11, 2))) == "ordinary"

    def test_opened_exactly_a_year_before_is_not_more_than_a_year(self, branch):
        assert self.run(new_client(branch, opened_on=datetime.date(2025, 10, 30))) == "ordinary"

    def test_open_position_in_the_year(self, branch):
        assert self.run(new_client(branch), position_volume=1) == "ordinary"

    def test_traded_in_the_year(self, branch):
        assert self.run(new_client(branch), trade_volume=1) == "effective"

    def test_traded_before_go_live_within_the_year(self, branch):
        assert self.run(new_client(branch, last_trade_date=datetime.date(2026, 1, 5))) == "effective"

    def test_last_day_equity_above_1000(self, branch):
        assert self.run(new_client(branch), last_balance="1000.01") == "ordinary"

    def test_last_day_equity_exactly_1000(self, branch):
        assert self.run(new_client(branch), last_balance="1000.00") == "dormant"


@pytest.mark.parametrize(("traded_on", "tier"), [
    (datetime.date(2025, 10, 30), "dormant"),  # the window's last day a year before: not within the year
    (datetime.date(2025, 10, 31), "effective"),  # the day after: within it
])  # fmt: skip
def test_traded_within_the_year_ends_exactly_a_year_before_the_last_day(branch, traded_on, tier, closing):
    """T6/T7 look back a year from the window's last trading day (2026-10-30): in the month totals, only the days
    after 2025-10-30 of October 2025 count (tiering/sql.py lookback_mask)."""
    assert days_of(OCTOBER)[-1] == datetime.date(2026, 10, 30)
    client = new_client(branch)
    statements(client, datetime.date(2025, 10, 1), "500.00", days=[traded_on], trade_volume=1)
    closing.day(traded_on)
    statements(client, OCTOBER, "500.00")
    closing.month(OCTOBER)
    tiers_recalculate(OCTOBER)
    assert tier_of(client).tier == tier


def test_closed_days_in_the_month_totals_are_not_read_again_from_their_statements(branch):
    """settlement.StatementMonth: once a day is in the totals, the engine adds it up from there (only the last
    day's equity, T7, comes from the statements)."""
    client = new_client(branch)
    statements(client, OCTOBER, "600000.00", trade_volume=1)
    for day in days_of(OCTOBER):
        SettlementDay.objects.update_or_create(trade_date=day, defaults={"status": "closed"})
        statement_month_totals(day, include=True)
    DailyStatement.objects.filter(trade_date__lt=days_of(OCTOBER)[-1]).delete()
    tiers_recalculate(OCTOBER)
    assert (tier_of(client).tier, tier_of(client).avg_equity) == ("quality", Decimal("600000.00"))


def test_a_one_month_window_is_read_as_it_stands_in_the_totals_only_when_all_its_days_are_there(branch):
    """T2/T3 fast path (tiering/sql.py SUMS_ONE_MONTH): with one day of the window still read from its statements
    the sums add both parts up; once every day is in the month totals the month's row is the sum. Same tiers."""
    client = new_client(branch)
    statements(client, OCTOBER, "1000000.00", commission_total="10000.00", last_balance="999999.99")
    *first_days, last_day = days_of(OCTOBER)
    for day in (*first_days, last_day):
        SettlementDay.objects.update_or_create(trade_date=day, defaults={"status": "closed"})
    for day in first_days:
        statement_month_totals(day, include=True)
    used = []

    def sums_used(execute, statement, params, many, context):
        used.extend(name for name in ("SUMS", "SUMS_ONE_MONTH") if statement == getattr(sql, name))
        return execute(statement, params, many, context)

    # Σ equity is one cent short of 1,000,000 × days: the average rounds to 1,000,000.00, which is compared (T2,
    # issue 16), so gold by equity (named first); commission is exactly 10,000 (gold too)
    expected = ("gold", Decimal("1000000.00"), Decimal("10000.00"))
    with connection.execute_wrapper(sums_used):
        tiers_recalculate(OCTOBER)
        mixed = tier_of(client)
        statement_month_totals(last_day, include=True)
        tiers_recalculate(OCTOBER)
    assert used == ["SUMS", "SUMS_ONE_MONTH"]
    assert (mixed.tier, mixed.avg_equity, mixed.avg_commission) == expected
    assert mixed.decided_by == "equity>=1000000.00"
    after = tier_of(client)
    assert (after.tier, after.avg_equity, after.avg_commission, after.decided_by) == (*expected, mixed.decided_by)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_close_waits_while_a_recalculation_runs():
    """The engine reads the closed days, the month totals and the statements as of one moment: a close (or reopen)
    that would change them waits for it (settlement.sql.LOCK_MONTH_TOTALS)."""
    client = new_client(BranchFactory(code="T02"))
    statements(client, OCTOBER, "600000.00")
    day = days_of(OCTOBER)[0]
    SettlementDay.objects.update_or_create(trade_date=day, defaults={"status": "closed"})
    outcome = []

    def close_meanwhile():

        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '300ms'")
            statement_month_totals(day, include=True)
            outcome.append("added")
        except OperationalError as error:
            outcome.append("waited" if "lock timeout" in str(error) else str(error))
        finally:
            connection.close()

    def after_the_lock(execute, statement, params, many, context):
        result = execute(statement, params, many, context)
        if statement == settlement_sql.LOCK_MONTH_TOTALS:
            thread = threading.Thread(target=close_meanwhile)
            thread.start()
            thread.join()
        return result

    with main_connection.execute_wrapper(after_the_lock):
        tiers_recalculate(OCTOBER)
    assert outcome == ["waited"]
    statement_month_totals(day, include=True)  # once the run has committed, the close goes through
    assert SettlementDay.objects.get(trade_date=day).in_month_totals


def test_window_of_three_months(branch, django_user_model, closing):
    author = make_staff(Role.HEAD_OFFICE, None, "HQA").user
    approver = make_staff(Role.HEAD_OFFICE, None, "HQB").user
    policy = TierPolicyFactory(version=2, window_months=3, author=author, effective_from=AUGUST,
                                       regrade_reason="three-month window from August")
    tier_policy_approve(policy=policy, user=approver)
    client = new_client(branch)
    statements(client, AUGUST, "3000000.00")
    for month in (AUGUST, SEPTEMBER, OCTOBER):
        closing.month(month)
    tiers_recalculate(OCTOBER)
    days = len(days_of(AUGUST)) + len(days_of(SEPTEMBER)) + len(days_of(OCTOBER))
    assignment = tier_of(client)
    assert assignment.trading_days == days and assignment.policy.version == 2
    assert assignment.avg_equity == (Decimal("3000000") * len(days_of(AUGUST)) / days).quantize(Decimal("0.01"))
    assert assignment.tier == "gold"  # 3,000,000 × 21 of 58 days ≈ 1,086,207


def test_provisional_until_every_day_is_closed_and_rerun_is_identical(branch, closing):
    client = new_client(branch)
    statements(client, OCTOBER, "600000.00")
    closing.month(OCTOBER)
    reopen_day(days_of(OCTOBER)[-1])
    tiers_recalculate(OCTOBER)
    first = list(TierAssignment.objects.values("client", "month", "tier", "avg_equity", "avg_commission",
                                               "trading_days", "decided_by", "state", "policy"))
    assert first[0]["state"] == "provisional" and first[0]["trading_days"] == 16
    tiers_recalculate(OCTOBER)
    assert list(TierAssignment.objects.values("client", "month", "tier", "avg_equity", "avg_commission",
                                              "trading_days", "decided_by", "state", "policy")) == first


def test_closing_the_last_day_rewrites_only_the_rows_that_changed(branch, closing):
    """T9: provisional → final rewrites the month's rows; a re-run with nothing new writes nothing."""
    growing, no_statements = new_client(branch), new_client(branch)
    last_day = days_of(OCTOBER)[-1]
    statements(growing, OCTOBER, "600000.00", days=days_of(OCTOBER)[:-1])
    closing.month(OCTOBER)
    reopen_day(last_day)
    assert tiers_recalculate(OCTOBER)["changed"] == 2
    assert tier_of(growing).state == "provisional" and tier_of(no_statements).tier == "dormant"
    before = tier_of(no_statements).computed_at

    statements(growing, OCTOBER, "600000.00", days=[last_day])
    closing.day(last_day)
    result = tiers_recalculate(OCTOBER)
    assert (result["assigned"], result["changed"], result["state"]) == (2, 2, "final")
    assert (tier_of(growing).trading_days, tier_of(growing).state) == (17, "final")
    assert tier_of(no_statements).computed_at > before  # its state changed too
    after = {row.pk: row.computed_at for row in TierAssignment.objects.all()}
    assert tiers_recalculate(OCTOBER)["changed"] == 0
    assert {row.pk: row.computed_at for row in TierAssignment.objects.all()} == after


def test_a_nightly_rerun_rewrites_the_rows_in_place(branch, closing):
    """Migration 0008: the nightly provisional run rewrites every client's averages; with the table half full
    the rewrite is a HOT update (no new index entries) for every row whose tier stays."""
    clients = [new_client(branch) for _ in range(400)]  # several pages: a full page leaves no room
    days = days_of(OCTOBER)
    for client in clients:
        statements(client, OCTOBER, "2000.00", days=days[:5])
    closing.month(OCTOBER)
    for day in days[5:]:
        reopen_day(day)
    tiers_recalculate(OCTOBER)
    for client in clients:  # the next day closes
        statements(client, OCTOBER, "4000.00", days=[days[5]])
    closing.day(days[5])

    def updates():
        with connection.cursor() as cursor:
            cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
                           "WHERE relname = 'tiering_tierassignment'")
            return cursor.fetchone()

    before = updates()
    assert tiers_recalculate(OCTOBER)["changed"] == 400
    assert tier_of(clients[0]).avg_equity == Decimal("2333.33")  # 5 days of 2,000 and one of 4,000 over 6 days
    updated, hot = (after - earlier for after, earlier in zip(updates(), before, strict=True))
    assert (updated, hot) == (400, 400)


def test_no_tier_change_against_a_provisional_month(branch, closing):
    """T12 compares final months only: a provisional previous month records nothing."""
    client = new_client(branch)
    statements(client, SEPTEMBER, "1000000.00")
    statements(client, OCTOBER, "5000000.00")
    closing.month(SEPTEMBER)
    closing.month(OCTOBER)
    reopen_day(days_of(SEPTEMBER)[-1])
    tiers_recalculate(SEPTEMBER)
    tiers_recalculate(OCTOBER)
    assert tier_of(client, SEPTEMBER).state == "provisional" and not TierChange.objects.exists()
    closing.day(days_of(SEPTEMBER)[-1])
    tiers_recalculate(SEPTEMBER)
    tiers_recalculate(OCTOBER)  # the month's changes are rebuilt from the now-final September
    assert list(TierChange.objects.values_list("from_tier", "to_tier")) == [("gold", "platinum")]


def test_tier_changes_between_final_months(branch, closing):
    riser, steady = new_client(branch), new_client(branch)
    statements(riser, SEPTEMBER, "1000000.00")
    statements(riser, OCTOBER, "5000000.00")
    statements(steady, SEPTEMBER, "2000.00")
    statements(steady, OCTOBER, "2000.00")
    closing.month(SEPTEMBER)
    closing.month(OCTOBER)
    tiers_recalculate(SEPTEMBER)
    tiers_recalculate(OCTOBER)
    change = TierChange.objects.get()
    assert (change.client, change.from_tier, change.to_tier, change.upgrade) == (riser, "gold", "platinum", True)


def test_statements_after_the_sums_are_planned_without_nested_loops(branch, closing):
    """tiering/sql.py JOIN_PLAN: tier_results has no statistics, so the T12 filters are estimated at one row; a
    nested loop over the real rows took 28 s and 93 s at 100,000 clients. They are hash joins whatever the estimate.
    (RESULTS keeps its nested loops over the one-row policy: a cross join has no other plan.)"""
    riser = new_client(branch)
    statements(riser, SEPTEMBER, "1000000.00")
    statements(riser, OCTOBER, "5000000.00")
    closing.month(SEPTEMBER)
    closing.month(OCTOBER)
    tiers_recalculate(SEPTEMBER)
    plans = {}

    def explain(execute, statement, params, many, context):
        if statement in (sql.REMOVE_STALE_CHANGES, sql.RECORD_CHANGES):
            execute("EXPLAIN " + statement, params, many, context)
            plans[statement] = "\n".join(row[0] for row in context["cursor"].fetchall())
        return execute(statement, params, many, context)

    with connection.execute_wrapper(explain):
        tiers_recalculate(OCTOBER)
    assert len(plans) == 2
    for plan in plans.values():
        assert "Anti Join" in plan and "Hash" in plan and "Nested Loop" not in plan
    assert TierChange.objects.get().to_tier == "platinum"


def test_policy_needs_a_second_head_office_person(db):
    author = make_staff(Role.HEAD_OFFICE, None, "HQA").user
    other_head_office = make_staff(Role.HEAD_OFFICE, None, "HQB").user
    manager = make_staff(Role.BRANCH_MANAGER, BranchFactory(), "BM").user
    draft = TierPolicyFactory(version=2, window_months=3, author=author,
                                      effective_from=timezone.localdate().replace(day=1))
    with translation.override("en"), pytest.raises(DomainError, match="second person"):
        tier_policy_approve(policy=draft, user=author)
    with pytest.raises(PermissionDenied):
        tier_policy_approve(policy=draft, user=manager)
    assert TierPolicy.objects.filter(approved_at__isnull=False).order_by("-version").first().version == 1
    tier_policy_approve(policy=draft, user=other_head_office)
    assert TierPolicy.objects.filter(approved_at__isnull=False).order_by("-version").first().version == 2


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.BRANCH_MANAGER, Role.HEAD_OFFICE, Role.SETTLEMENT_SYSTEM])
def test_tiers_endpoint_is_scoped_and_filtered(world, login, role, closing):
    for client in world["clients"].values():
        statements(client, OCTOBER, "1000000.00")
    closing.month(OCTOBER)
    tiers_recalculate(OCTOBER)

    response = login(world["staff"][role]).get("/api/v1/tiers/", {"month": "2026-10", "tier": "gold"})
    assert response.status_code == 200
    rows = response.json()["results"]
    by_account = {client.account_no: name for name, client in world["clients"].items()}
    assert {by_account[row["account_no"]] for row in rows} == VISIBLE[role]
    if rows:
        assert rows[0] | {"account_no": None} == {
            "account_no": None, "month": "2026-10", "tier": "gold", "avg_equity": "1000000.00",
            "avg_commission": "0.00", "trading_days": 17, "decided_by": "equity>=1000000.00", "state": "final",
            "policy_version": 1,
        }  # fmt: skip
    assert login(world["staff"][role]).get("/api/v1/tiers/", {"month": "2026-13"}).status_code == 400


def test_clients_endpoint_filters_by_current_tier(world, login, closing):
    statements(world["clients"]["own"], OCTOBER, "1000000.00")
    closing.month(OCTOBER)
    tiers_recalculate(OCTOBER)
    response = login(world["staff"][Role.HEAD_OFFICE]).get("/api/v1/clients/", {"tier": "gold"})
    assert [row["account_no"] for row in response.json()["results"]] == [world["clients"]["own"].account_no]


class TestOverrides:
    """T11: by hand, for a period, with a reason, approved by a second person; shown beside the computed tier."""

    @pytest.fixture(autouse=True)
    def both_reads(self, closing):
        self.closing = closing

    def setup(self, world):
        own = world["clients"]["own"]
        statements(own, OCTOBER, "1000000.00")
        self.closing.month(OCTOBER)
        tiers_recalculate(OCTOBER)
        return own

    def test_requested_approved_and_in_force_beside_the_history(self, world):

        own = self.setup(world)
        manager = world["staff"][Role.BRANCH_MANAGER].user
        head_office = world["staff"][Role.HEAD_OFFICE].user
        override = tier_override_request(user=manager, client_id=own.pk, tier="diamond", first_month=OCTOBER,
                                         last_month=datetime.date(2026, 12, 1), reason="strategic account")
        november = datetime.date(2026, 11, 15)
        before = with_current_tier(Client.objects.all(), november).get(pk=own.pk)
        assert (before.current_tier, before.computed_tier) == ("gold", "gold")  # not in force until approved
        tier_override_approve(user=head_office, override=override)
        after = with_current_tier(Client.objects.all(), november).get(pk=own.pk)
        assert (after.current_tier, after.computed_tier) == ("diamond", "gold")
        assert tier_of(own).tier == "gold"  # the history is never rewritten
        expired = with_current_tier(Client.objects.all(), datetime.date(2027, 1, 5)).get(pk=own.pk)
        assert expired.current_tier == "gold"

    def test_the_requester_cannot_approve_and_an_advisor_cannot_request(self, world):

        own = self.setup(world)
        head_office = world["staff"][Role.HEAD_OFFICE].user
        override = tier_override_request(user=head_office, client_id=own.pk, tier="diamond", first_month=OCTOBER,
                                         last_month=OCTOBER, reason="retention")
        with translation.override("en"), pytest.raises(DomainError, match="second person"):
            tier_override_approve(user=head_office, override=override)
        with pytest.raises(PermissionDenied):
            tier_override_request(user=world["staff"][Role.ADVISOR].user, client_id=own.pk, tier="diamond",
                                  first_month=OCTOBER, last_month=OCTOBER, reason="x")
        with pytest.raises(PermissionDenied):  # a branch manager cannot reach another branch's client
            tier_override_request(user=world["staff"][Role.BRANCH_MANAGER].user,
                                  client_id=world["clients"]["other_branch"].pk, tier="gold", first_month=OCTOBER,
                                  last_month=OCTOBER, reason="x")
        with pytest.raises(DomainError, match="reason"):
            tier_override_request(user=head_office, client_id=own.pk, tier="gold", first_month=OCTOBER,
                                  last_month=OCTOBER, reason="  ")
