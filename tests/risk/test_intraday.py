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


def flat(account_no="8001", **funds):
    """Funds without positions: only I2 can hold."""
    return snapshot(1, quotes=[quote()], accounts=[account(account_no, **funds)])


@pytest.mark.parametrize(("margin", "expected"), [
    ("47999.99", []),                                     # one cent below 80 % of 60,000
    ("48000.00", [("intraday_warning", "")]),             # exactly the warning line (I2)
    ("59999.99", [("intraday_warning", "")]),
    ("60000.00", [("intraday_margin_call", "")]),         # exactly 100 %
])
def test_i2_intraday_risk_degree_lines(intraday, margin, expected):
    push_and_evaluate(intraday, flat(margin=margin))
    assert kinds() == expected


def test_i2_severity_and_the_end_of_the_session(intraday):
    push_and_evaluate(intraday, flat(margin="48000.00"))
    alert = Alert.objects.get()
    assert alert.severity == "medium"
    assert alert.due_at == datetime.datetime(2026, 11, 20, 15, tzinfo=NOW.tzinfo)


def adverse_case(*, product_margin, account_margin=None, last="70000"):
    """One long cu lot moved −2.78 %: adverse; whether it is heavy decides adverse_move (I3, I4). One lot on
    60,000 of equity: the limit stress (I6) never holds."""
    return snapshot(1, quotes=[quote(last=last)],
                    accounts=[account("8001", margin=account_margin or product_margin)],
                    positions=[position("8001", volume=1, margin=product_margin)])


@pytest.mark.parametrize(("product_margin", "account_margin", "heavy"), [
    ("30000.00", None, True),             # product margin ÷ equity exactly 50 %
    ("29999.99", None, False),            # one cent below (the account's degree 50 % < 60 %: no second arm)
    ("28800.00", "36000.00", True),       # 80 % of the account's margin, degree exactly 60 %
    ("28799.99", "36000.00", False),      # one cent below 80 % of the margin
    ("28800.00", "35999.99", False),      # share 80.0001 % but degree one cent below 60 %
])
def test_i3_heavy_position_lines(intraday, product_margin, account_margin, heavy):
    push_and_evaluate(intraday, adverse_case(product_margin=product_margin, account_margin=account_margin))
    assert (("adverse_move", "cu") in kinds()) is heavy


@pytest.mark.parametrize(("last", "adverse"), [
    ("70560", True),    # exactly −2 % of 72,000 (I4)
    ("70570", False),   # one tick (10) better
])
def test_i4_adverse_move_line_for_a_long(intraday, last, adverse):
    push_and_evaluate(intraday, adverse_case(product_margin="42000.00", last=last))
    assert (("adverse_move", "cu") in kinds()) is adverse


@pytest.mark.parametrize(("last", "adverse"), [
    ("72500", True),    # exactly 50 % of the way from 72,000 to the upper limit 73,000 (+0.69 %)
    ("72490", False),   # one tick short of it
])
def test_i4_half_way_to_the_limit_is_adverse_to_a_short(intraday, last, adverse):
    push_and_evaluate(intraday, snapshot(1, quotes=[quote(last=last, upper="73000", lower="10000")],
                                         accounts=[account("8001", margin="42000.00")],
                                         positions=[position("8001", direction="short", volume=1)]))
    assert (("adverse_move", "cu") in kinds()) is adverse


def test_i4_a_move_with_a_long_is_not_adverse(intraday):
    push_and_evaluate(intraday, adverse_case(product_margin="42000.00", last="74000"))
    assert ("adverse_move", "cu") not in kinds()


def loss_case(sequence, *, profit, volume=10):
    """Pre-balance 60,000; a cu position losing `profit`; small margin (nothing else holds)."""
    return snapshot(sequence, quotes=[quote(last="72000", lower="10000")],
                    accounts=[account("8001", balance=f"{60000 + float(profit):.2f}", pre_balance="60000.00",
                                      position_profit=profit, margin="100.00")],
                    positions=[position("8001", volume=volume, margin="100.00", position_profit=profit)])


@pytest.mark.parametrize(("profit", "raised"), [("-6000.00", True), ("-5999.99", False)])
def test_i5_loss_of_ten_per_cent_of_pre_balance(intraday, profit, raised):
    push_and_evaluate(intraday, loss_case(1, profit=profit))
    assert (("no_stop_loss", "cu") in kinds()) is raised


def test_i5_a_client_who_cut_the_position_is_not_without_a_stop(intraday):
    push_and_evaluate(intraday, loss_case(1, profit="-100.00", volume=10))  # the first snapshot: 10 lots
    cut = loss_case(2, profit="-6000.00", volume=9)
    cut["quotes"] = []
    push_and_evaluate(intraday, cut)
    assert ("no_stop_loss", "cu") not in kinds()
    body = loss_case(3, profit="-6000.00", volume=10)  # back to the first snapshot's 10 lots: not below it
    body["quotes"] = []
    push_and_evaluate(intraday, body)
    assert ("no_stop_loss", "cu") in kinds()


@pytest.mark.parametrize(("balance", "raised"), [("188000.00", True), ("188000.01", False)])
def test_i6_limit_stress_at_zero(intraday, balance, raised):
    """10 lots × 5 × (70,000 − 66,240) = 188,000: equity exactly that is ruined at the limit (≤ 0)."""
    push_and_evaluate(intraday, snapshot(1, quotes=[quote()], accounts=[account("8001", balance=balance,
                                                                                margin="100.00")],
                                         positions=[position("8001", margin="100.00")]))
    assert (("limit_stress", "") in kinds()) is raised


@pytest.mark.parametrize(("last", "upper", "event"), [
    ("74160", "77760", True),    # exactly +3 % of 72,000 (I7)
    ("74150", "77760", False),   # one tick less (37 % of the way to the limit)
    ("73200", "74000", True),    # exactly 60 % of the way to a 74,000 limit (+1.67 %)
    ("73190", "74000", False),
])
def test_i7_market_event_lines(intraday, last, upper, event):
    push_and_evaluate(intraday, snapshot(1, quotes=[quote(last=last, upper=upper)]))
    assert MarketEvent.objects.filter(product="cu").exists() is event


def test_i8_one_alert_per_client_day_kind_product_across_ten_snapshots(intraday):
    for sequence in range(1, 11):
        push_and_evaluate(intraday, snapshot(sequence, quotes=[quote()], accounts=[account("8001")],
                                             positions=[position("8001")]))
    assert Alert.objects.filter(kind="adverse_move").count() == 1
    assert Alert.objects.filter(kind="limit_stress").count() == 1
    assert not AlertEvent.objects.exists()


def test_i8_eased_then_raised_again_each_step_an_event(intraday):
    heavy = dict(accounts=[account("8001", margin="48000.00")])
    push_and_evaluate(intraday, snapshot(1, quotes=[quote()], **heavy))
    alert = Alert.objects.get(kind="intraday_warning")
    later = NOW + datetime.timedelta(minutes=5)
    push_and_evaluate(intraday, snapshot(2, accounts=[account("8001", margin="47999.99")]), now=later)
    alert.refresh_from_db()
    assert alert.eased_at == later and alert.status == "open"  # 缓解, and it stays
    again = NOW + datetime.timedelta(minutes=9)
    push_and_evaluate(intraday, snapshot(3, **heavy), now=again)
    alert.refresh_from_db()
    assert alert.eased_at is None and alert.raised_at == again
    assert list(alert.events.values_list("action", flat=True)) == ["eased", "raised_again"]
    assert Alert.objects.filter(kind="intraday_warning").count() == 1


def test_i8_a_resolved_alert_crossing_again_is_open_again(intraday):
    push_and_evaluate(intraday, flat(margin="48000.00"))
    Alert.objects.update(status="resolved")
    push_and_evaluate(intraday, snapshot(2, accounts=[account("8001", margin="100.00")]))
    push_and_evaluate(intraday, snapshot(3, accounts=[account("8001", margin="48000.00")]))
    assert Alert.objects.get().status == "open"


def test_a_complete_snapshot_eases_the_alerts_of_accounts_it_clears(intraday):
    push_and_evaluate(intraday, flat(margin="48000.00"))
    push_and_evaluate(intraday, snapshot(2, complete=True, accounts=[account("8002", margin="0.00")]))
    assert Alert.objects.get(client__account_no="8001").eased_at is not None


def test_an_account_without_quotes_moving_is_evaluated_when_its_product_moves(intraday):
    """I4: a delta snapshot that only quotes cu (no account listed) evaluates every account holding cu."""
    push_and_evaluate(intraday, adverse_case(product_margin="42000.00", last="72000"))
    assert kinds() == []
    push_and_evaluate(intraday, snapshot(2, quotes=[quote(last="70000")]))
    assert kinds() == [("adverse_move", "cu")]


def test_per_client_thresholds_change_the_lines(intraday):
    """R8 per client: a client's own warning line (70 %) raises where the firm's (80 %) would not."""
    from clients.roles import Role
    from risk.models import ClientRiskThresholds
    from tests.factories import make_staff

    author = make_staff(Role.RISK_OFFICER, intraday["branch"], "R1").user
    approver = make_staff(Role.HEAD_OFFICE, None, "HQ1").user
    ClientRiskThresholds.objects.create(client=intraday["clients"]["8001"], version=1, warning_ratio="0.7000",
                                        reason="contract", author=author, approved_by=approver, approved_at=NOW)
    push_and_evaluate(intraday, flat(margin="42000.00"))
    assert kinds() == [("intraday_warning", "")]


def test_session_end():
    tz = NOW.tzinfo
    at = lambda *parts: datetime.datetime(*parts, tzinfo=tz)  # noqa: E731
    assert session_end(at(2026, 11, 20, 9, 0)) == at(2026, 11, 20, 15, 0)
    assert session_end(at(2026, 11, 19, 21, 30)) == at(2026, 11, 19, 23, 0)
    assert session_end(at(2026, 11, 19, 23, 30)) == at(2026, 11, 20, 2, 30)
    assert session_end(at(2026, 11, 20, 1, 0)) == at(2026, 11, 20, 2, 30)
    assert session_end(at(2026, 11, 20, 16, 0)) == at(2026, 11, 20, 16, 30)
