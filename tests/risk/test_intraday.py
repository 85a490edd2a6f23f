"""domain.md I2–I8: the evaluation of a snapshot, at each line (exactly on it, one cent or one tick either side)."""

import datetime

import pytest

from risk.intraday import intraday_evaluate, session_end
from risk.models import Alert, AlertEvent, MarketEvent
from tests.fixtures.intraday import NOW, account, position, quote, snapshot


def push_and_evaluate(intraday, body, *, now=NOW):
    response = intraday["api"].push(body)
    assert response.status_code == 200, response.content
    return intraday_evaluate(datetime.date.fromisoformat(body["trading_day"]), body["sequence"], now=now)


def kinds(account_no="8001"):
    return sorted((alert.kind, alert.product) for alert in Alert.objects.filter(client__account_no=account_no,
                                                                               eased_at__isnull=True))


def test_the_worked_example_of_domain_md_i(intraday):
    """Long 10 cu2601 ×5 at 70,000 (pre 72,000, lower 66,240), margin 42,000 on 60,000: heavy (70 %), adverse
    (−2.78 %), stress −128,000: adverse_move and limit_stress; no warning (70 % < 80 %)."""
    push_and_evaluate(intraday, snapshot(1, quotes=[quote()], accounts=[account("8001")],
                                         positions=[position("8001")]))
    assert kinds() == [("adverse_move", "cu"), ("limit_stress", "")]
    stress = Alert.objects.get(kind="limit_stress")
    assert stress.severity == "critical" and stress.due_at == NOW + datetime.timedelta(minutes=15)
    adverse = Alert.objects.get(kind="adverse_move")
    assert adverse.severity == "high" and adverse.due_at == NOW + datetime.timedelta(minutes=30)
    assert adverse.assigned_to == intraday["advisors"][0]
    assert str(adverse.risk_degree) == "0.7000"
