"""R3 key monitoring and R4 risk levels."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from clients.roles import Role
from core.errors import DomainError
from risk.models import KeyMonitoring, RiskLevel, RiskThresholdSet
from risk.services import alerts_evaluate, key_monitoring_end, key_monitoring_update, risk_levels_compute
from settlement.models import TradingDay
from tests.factories import AlertFactory, BranchFactory, ClientFactory, DailyStatementFactory, KeyMonitoringFactory


def put(client, day, *, balance="100000.00", margin="0.00", deposit="0.00", trade_volume=0, position_volume=0):
    balance, deposit = Decimal(balance), Decimal(deposit)
    with connection.cursor() as cursor:
        cursor.execute("SELECT futcrm_ensure_statement_partition(%s)", [day])
    DailyStatementFactory(
        trade_date=day, client=client, pre_balance=balance - deposit, deposit=deposit, withdrawal=0, close_profit=0,
        position_profit=0, commission=0, other_adjustments=0, balance=balance, margin=margin,
        available=balance - Decimal(margin), trade_volume=trade_volume, position_volume=position_volume,
    )  # fmt: skip


def trading_days(first, last):
    return list(TradingDay.objects.between(first, last).values_list("date", flat=True))


@pytest.fixture
def client_(db):
    return ClientFactory(branch=BranchFactory(), opened_on=datetime.date(2020, 1, 6))


def test_a_large_fund_movement_puts_the_client_on_the_list_until_20_quiet_trading_days(client_):
    days = trading_days(datetime.date(2026, 10, 8), datetime.date(2026, 11, 30))
    put(client_, days[0], deposit="600000.00", balance="700000.00")
    alerts_evaluate(days[0])
    key_monitoring_update(days[0])
    entry = KeyMonitoring.objects.get(client=client_)
    assert (entry.reason, entry.started_on, entry.ended_on) == ("large_fund_movement", days[0], None)
    key_monitoring_update(days[19])  # 19 quiet trading days: still on it
    entry.refresh_from_db()
    assert entry.ended_on is None
    key_monitoring_update(days[20])  # the 20th
    entry.refresh_from_db()
    assert (entry.ended_on, entry.end_reason) == (days[20], "quiet")


def test_a_new_trigger_restarts_the_count_and_never_duplicates(client_):
    days = trading_days(datetime.date(2026, 10, 8), datetime.date(2026, 11, 30))
    for day in (days[0], days[10]):
        put(client_, day, deposit="600000.00", balance="700000.00")
        alerts_evaluate(day)
        key_monitoring_update(day)
    assert KeyMonitoring.objects.filter(client=client_).count() == 1
    key_monitoring_update(days[25])
    assert KeyMonitoring.objects.get(client=client_).ended_on is None  # 15 quiet days since the second trigger


def test_two_idle_months_holding_equity(db):
    branch = BranchFactory()
    idle = ClientFactory(branch=branch, opened_on=datetime.date(2020, 1, 6))
    active = ClientFactory(branch=branch, opened_on=datetime.date(2020, 1, 6))
    empty = ClientFactory(branch=branch, opened_on=datetime.date(2020, 1, 6))
    put(active, datetime.date(2026, 9, 15), trade_volume=2)
    first_of_november = trading_days(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))[0]
    put(idle, first_of_november)
    put(active, first_of_november)
    put(empty, first_of_november, balance="0.00")
    key_monitoring_update(first_of_november)
    assert list(KeyMonitoring.objects.values_list("client", "reason")) == [(idle.pk, "idle_two_months")]


def test_removing_by_hand_needs_a_reason_and_the_scope(world):
    entry = KeyMonitoringFactory(client=world["clients"]["own"], reason="manual",
                                         started_on=datetime.date(2026, 11, 2),
                                         last_trigger_on=datetime.date(2026, 11, 2))


    with pytest.raises(DomainError):
        key_monitoring_end(user=world["staff"][Role.RISK_OFFICER].user, entry_id=entry.pk, note=" ")
    with pytest.raises(PermissionDenied):  # an advisor may see it but not remove it
        key_monitoring_end(user=world["staff"][Role.ADVISOR].user, entry_id=entry.pk, note="called, calm")
    ended = key_monitoring_end(user=world["staff"][Role.RISK_OFFICER].user, entry_id=entry.pk, note="called, calm")
    assert ended.end_reason == "manual" and ended.ended_by == world["staff"][Role.RISK_OFFICER].user


def test_risk_levels(db):
    branch = BranchFactory()
    november = trading_days(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    caller, seeker, calm, forced = (ClientFactory(branch=branch) for _ in range(4))
    thresholds = RiskThresholdSet.objects.get()
    now = datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC)
    for client, kind, day in [(caller, "margin_call", datetime.date(2026, 9, 10)),
                              (caller, "margin_call", november[3]), (forced, "forced_liquidation", november[2])]:
        AlertFactory(client=client, trade_date=day, kind=kind, severity="high", thresholds=thresholds,
                             raised_at=now, due_at=now)
    for day in november[:5]:
        put(seeker, day, margin="70000.00", position_volume=1)  # 70 %
        put(calm, day, margin="30000.00", position_volume=1)  # 30 %; firm-wide average 50 %
    risk_levels_compute(november[0])
    levels = dict(RiskLevel.objects.values_list("client", "level"))
    assert levels == {caller.pk: "high_risk", forced.pk: "high_risk", seeker.pk: "risk_seeking",
                      calm.pk: "normal"}
    assert RiskLevel.objects.get(client=seeker).firm_average_risk_degree == Decimal("0.5000")
    assert risk_levels_compute(november[0]) == 4  # re-running updates the same rows
    assert RiskLevel.objects.count() == 4


def test_one_margin_call_in_three_months_is_not_high_risk(db):
    client = ClientFactory(branch=BranchFactory())
    now = datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC)
    AlertFactory(client=client, trade_date=datetime.date(2026, 8, 31), kind="margin_call", severity="high",
                         thresholds=RiskThresholdSet.objects.get(), raised_at=now, due_at=now)  # 4 months back
    AlertFactory(client=client, trade_date=datetime.date(2026, 11, 3), kind="margin_call", severity="high",
                         thresholds=RiskThresholdSet.objects.get(), raised_at=now, due_at=now)
    risk_levels_compute(datetime.date(2026, 11, 1))
    assert RiskLevel.objects.get(client=client).level == "normal"
