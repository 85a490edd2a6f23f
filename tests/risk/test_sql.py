"""R1, R2, R5 (assignment) and R6 (deadlines) as far as they are built: boundaries of every alert rule."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from clients.roles import Role
from core.errors import DomainError
from risk.models import Alert
from risk.services import (
    alerts_escalate_overdue,
    alerts_evaluate,
    client_risk_thresholds_approve,
    client_risk_thresholds_propose,
    risk_thresholds_approve,
)
from settlement.models import DailyStatement, SettlementDay
from tests.factories import (
    BranchFactory,
    ClientFactory,
    DailyStatementFactory,
    RiskThresholdSetFactory,
    SettlementDayFactory,
    make_staff,
)
from tests.fixtures.risk import DAY, statement

SHANGHAI = ZoneInfo("Asia/Shanghai")


def kinds(client) -> set[str]:
    return set(Alert.objects.filter(client=client, trade_date=DAY).values_list("kind", flat=True))


@pytest.fixture
def client_(db):
    return ClientFactory(branch=BranchFactory())


@pytest.mark.parametrize(("balance", "margin", "expected"), [
    ("100000.00", "80000.00", {"risk_warning"}),       # exactly 80 %
    ("100000.00", "79999.99", set()),                  # one cent below
    ("100000.00", "99999.99", {"risk_warning"}),
    ("100000.00", "100000.00", {"margin_call"}),       # exactly 100 %
    ("0.00", "1.00", {"margin_call"}),                 # R1: no equity, margin held: above every threshold
    ("-0.01", "1.00", {"margin_call", "negative_equity"}),
    ("-5.00", "0.00", {"negative_equity"}),
    ("0.00", "0.00", set()),
])  # fmt: skip
def test_risk_degree_boundaries(client_, balance, margin, expected):
    statement(client_, balance=balance, margin=margin)
    alerts_evaluate(DAY)
    assert kinds(client_) == expected


@pytest.mark.parametrize(("deposit", "withdrawal", "expected"), [
    ("500000.00", "0.00", set()),                      # 超过 excludes 500,000 itself
    ("500000.01", "0.00", {"large_fund_movement"}),
    ("250000.00", "250000.01", {"large_fund_movement"}),
])  # fmt: skip
def test_large_fund_movement(client_, deposit, withdrawal, expected):
    statement(client_, balance="2000000.00", deposit=deposit, withdrawal=withdrawal)
    alerts_evaluate(DAY)
    assert kinds(client_) == expected


@pytest.mark.parametrize(("close_profit", "commission", "expected"), [
    ("-200000.00", "0.00", {"large_loss"}),            # 以上 includes 200,000
    ("-199999.99", "0.00", set()),
    ("-199990.00", "10.00", {"large_loss"}),           # commission counts towards the loss
])  # fmt: skip
def test_large_loss(client_, close_profit, commission, expected):
    statement(client_, balance="5000000.00", close_profit=close_profit, commission=commission)
    alerts_evaluate(DAY)
    assert kinds(client_) == expected


def test_settlement_flags(client_):
    statement(client_, margin_call=True, forced_liquidation=True)
    alerts_evaluate(DAY)
    assert kinds(client_) == {"margin_call", "forced_liquidation"}


def test_re_running_raises_nothing_new(client_):
    statement(client_, margin="90000.00")
    assert alerts_evaluate(DAY) == 1
    assert alerts_evaluate(DAY) == 0
    assert Alert.objects.count() == 1


def test_assignment_and_deadlines(db):
    branch = BranchFactory()
    advisor = make_staff(Role.ADVISOR, branch, "ADV")
    officer = make_staff(Role.RISK_OFFICER, branch, "RISK")
    advised = ClientFactory(branch=branch, advisor=advisor)
    unadvised = ClientFactory(branch=branch)
    statement(advised, margin="100000.00")   # margin call: contact within 60 minutes (R6)
    statement(unadvised, margin="85000.00")  # risk warning: by the end of the next trading day
    alerts_evaluate(DAY, now=datetime.datetime(2026, 11, 20, 17, 0, tzinfo=SHANGHAI))  # the evening of the day
    call = Alert.objects.get(client=advised)
    warning = Alert.objects.get(client=unadvised)
    assert call.assigned_to == advisor and warning.assigned_to == officer  # R5 fallback: branch risk officer
    assert call.due_at - call.raised_at == datetime.timedelta(minutes=60)

    assert warning.due_at == datetime.datetime(2026, 11, 24, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert call.risk_degree == Decimal("1.0000")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the command runs under a job record
def test_evaluate_risk_command_needs_a_closed_day(client_):
    statement(client_, margin="90000.00")
    with pytest.raises(CommandError, match="not closed"):
        call_command("evaluate_risk", "--date", DAY.isoformat())
    SettlementDayFactory(trade_date=DAY, status="closed")
    call_command("evaluate_risk", "--date", DAY.isoformat())
    assert kinds(client_) == {"risk_warning"}
    assert SettlementDay.objects.get(trade_date=DAY).alerts_raised == 1  # the day's summary counts them


class TestVersionedThresholds:
    """R8: firm-wide and per-client thresholds, versioned, in force only once a second person approves them."""
    def test_a_client_threshold_applies_once_approved_and_is_recorded_on_the_alert(self, world):

        own = world["clients"]["own"]
        risk_officer = world["staff"][Role.RISK_OFFICER].user
        head_office = world["staff"][Role.HEAD_OFFICE].user
        draft = client_risk_thresholds_propose(user=risk_officer, client_id=own.pk, reason="hedging contract",
                                               warning_ratio=Decimal("0.9000"))
        statement(own, margin="85000.00")  # 85 %: a warning under the firm's 80 %, not under the client's 90 %
        alerts_evaluate(DAY)
        assert kinds(own) == {"risk_warning"}  # the draft is not in force
        Alert.objects.all().delete()
        client_risk_thresholds_approve(user=head_office, thresholds=draft)
        alerts_evaluate(DAY)
        assert kinds(own) == set()
        DailyStatement.objects.filter(client=own).update(margin=Decimal("95000.00"), available=Decimal("5000.00"))
        alerts_evaluate(DAY)
        assert Alert.objects.get(client=own).client_thresholds == draft
        assert draft.version == 1

    def test_firm_thresholds_need_a_second_person(self, world):


        author = world["staff"][Role.HEAD_OFFICE].user
        draft = RiskThresholdSetFactory(version=2, warning_ratio=Decimal("0.7000"), author=author)
        with translation.override("en"), pytest.raises(DomainError, match="second person"):
            risk_thresholds_approve(user=author, thresholds=draft)
        with pytest.raises(PermissionDenied):
            risk_thresholds_approve(user=world["staff"][Role.RISK_OFFICER].user, thresholds=draft)
        other = make_staff(Role.HEAD_OFFICE, None, "HQ2").user
        risk_thresholds_approve(user=other, thresholds=draft)
        client = world["clients"]["own"]
        statement(client, margin="75000.00")
        alerts_evaluate(DAY)
        alert = Alert.objects.get(client=client)
        assert (alert.kind, alert.thresholds.version) == ("risk_warning", 2)


@pytest.mark.parametrize(("balance", "margin", "exchange_margin", "degree", "exchange_degree"), [
    ("100000.00", "80000.00", "60000.00", Decimal("0.8"), Decimal("0.6")),
    ("100000.00", "0.00", None, Decimal("0"), Decimal("0")),
    ("0.00", "0.00", "0.00", Decimal("0"), Decimal("0")),
    ("0.00", "10.00", "8.00", Decimal("Infinity"), Decimal("Infinity")),
    ("-50.00", "10.00", "0.00", Decimal("Infinity"), Decimal("0")),
])  # fmt: skip
def test_r1_risk_degree_per_statement(balance, margin, exchange_margin, degree, exchange_degree):
    statement_row = DailyStatement(balance=Decimal(balance), margin=Decimal(margin),
                                   exchange_margin=None if exchange_margin is None else Decimal(exchange_margin))
    assert statement_row.risk_degree == degree
    assert statement_row.exchange_risk_degree == exchange_degree


def test_alerts_carry_both_degrees(client_):
    with connection.cursor() as cursor:
        cursor.execute("SELECT futcrm_ensure_statement_partition(%s)", [DAY])
    DailyStatementFactory(trade_date=DAY, client=client_, pre_balance=100000, deposit=0, withdrawal=0,
                                  close_profit=0, position_profit=0, commission=0, other_adjustments=0,
                                  balance=100000, margin=90000, exchange_margin=72000, available=10000,
                                  trade_volume=0, position_volume=1)
    alerts_evaluate(DAY)
    alert = Alert.objects.get(client=client_)
    assert (alert.risk_degree, alert.exchange_risk_degree) == (Decimal("0.9000"), Decimal("0.7200"))


@pytest.mark.parametrize(("raised_at", "warning_due"), [
    # evaluated the evening of its day: the end of the next trading day (Monday 23 November)
    (datetime.datetime(2026, 11, 20, 17, 0), datetime.datetime(2026, 11, 24, 0, 0)),
    # evaluated late, the day reopened on Wednesday 25th: the end of the next trading day after that, Thursday 26th
    (datetime.datetime(2026, 11, 25, 10, 0), datetime.datetime(2026, 11, 27, 0, 0)),
    # a minute before midnight on Wednesday, and a minute after it: the deadline moves by a trading day
    (datetime.datetime(2026, 11, 25, 23, 59), datetime.datetime(2026, 11, 27, 0, 0)),
    (datetime.datetime(2026, 11, 26, 0, 1), datetime.datetime(2026, 11, 28, 0, 0)),
])  # fmt: skip
def test_late_alerts_are_not_born_overdue(db, raised_at, warning_due):
    """R6 (issue 16 item 3): deadlines count from when an alert is raised, not from its trade date: a non-urgent
    alert by the end of the next trading day after the day it is raised, the 60-minute kinds 60 minutes after it.
    Escalation (R6) follows the same deadline: nothing escalates before it, everything not contacted after it."""
    branch = BranchFactory()
    make_staff(Role.RISK_OFFICER, branch, "RISK")
    advisor = make_staff(Role.ADVISOR, branch, "ADV")
    warned, called = ClientFactory(branch=branch, advisor=advisor), ClientFactory(branch=branch, advisor=advisor)
    statement(warned, margin="85000.00")
    statement(called, margin="100000.00")
    raised_at = raised_at.replace(tzinfo=SHANGHAI)
    alerts_evaluate(DAY, now=raised_at)
    warning, call = Alert.objects.get(client=warned), Alert.objects.get(client=called)
    assert warning.due_at == warning_due.replace(tzinfo=SHANGHAI)
    assert call.due_at == raised_at + datetime.timedelta(minutes=60)
    assert alerts_escalate_overdue(now=raised_at + datetime.timedelta(minutes=60)) == 0  # exactly at: not overdue
    assert alerts_escalate_overdue(now=raised_at + datetime.timedelta(minutes=60, microseconds=1)) == 1  # the call
    assert alerts_escalate_overdue(now=warning.due_at) == 0
    assert alerts_escalate_overdue(now=warning.due_at + datetime.timedelta(microseconds=1)) == 1  # the warning
