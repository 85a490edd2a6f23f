"""settlement-api.md "Intraday snapshots (v1.1)" and domain.md I1: the endpoint, all or nothing."""

import logging
from decimal import Decimal

import pytest
from django.db import connection

from core.models import OwedWork
from core.tasks import run_owed_work
from risk.models import Alert
from settlement.intraday import INTRADAY_EVALUATION, INTRADAY_QUEUE, snapshot_path_record
from settlement.models import (
    IntradayAccount,
    IntradayOpening,
    IntradayPoint,
    IntradayPosition,
    IntradaySnapshot,
    SettlementDay,
)
from tests.fixtures.intraday import DAY, account, intraday_worker, position, quote, snapshot


def test_a_snapshot_is_accepted_and_its_state_kept(intraday):
    body = snapshot(1, quotes=[quote()], accounts=[account("8001")], positions=[position("8001")])
    response = intraday["api"].push(body)
    assert response.status_code == 200, response.content
    assert response.json() == {"trading_day": "2026-11-20", "sequence": 1, "accounts": 1, "positions": 1,
                               "quotes": 1}
    assert IntradayAccount.objects.get(account_no="8001").balance == Decimal("60000.00")
    assert IntradayPosition.objects.get(account_no="8001").volume == 10
    assert IntradaySnapshot.objects.get().sequence == 1
    # I5's first volumes and the path's point are the evaluation's first step, not the push's
    assert not IntradayOpening.objects.exists() and not IntradayPoint.objects.exists()
    with connection.cursor() as cursor:
        snapshot_path_record(cursor, DAY, 1)
    assert IntradayOpening.objects.get(account_no="8001").volume == 10
    assert IntradayPoint.objects.filter(account_no="8001").count() == 1


def _state():
    return (sorted(IntradayAccount.objects.values_list("account_no", "sequence")),
            sorted(IntradayPosition.objects.values_list("account_no", "instrument", "volume")))


def test_a_stale_or_repeated_sequence_is_refused_with_nothing_written(intraday):
    api = intraday["api"]
    assert api.push(snapshot(5, quotes=[quote()], accounts=[account("8001")], positions=[position("8001")])
                    ).status_code == 200
    before = _state()
    for sequence in (4, 5):  # older, and the same sequence with another body
        response = api.push(snapshot(sequence, quotes=[quote()], accounts=[account("8001", margin="1.00")]))
        assert response.status_code == 409
        assert response.json()["errors"] == [{
            "section": "snapshot", "row": None, "account_no": None, "field": "sequence", "code": "stale",
            "message": f"sequence {sequence} is not after the last accepted sequence 5 of 2026-11-20"}]
    assert _state() == before and IntradaySnapshot.objects.count() == 1


def test_the_same_sequence_with_the_same_body_again_gets_the_first_answer(intraday):
    body = snapshot(1, quotes=[quote()], accounts=[account("8001")], positions=[position("8001")])
    first = intraday["api"].push(body)
    again = intraday["api"].push(body)
    assert again.status_code == 200 and again.json() == first.json()
    assert IntradaySnapshot.objects.count() == 1


def test_an_idempotency_key_replays_the_first_answer(intraday):
    body = snapshot(1, quotes=[quote()], accounts=[account("8001")])
    first = intraday["api"].push(body, HTTP_IDEMPOTENCY_KEY="snap-1")
    again = intraday["api"].push(body, HTTP_IDEMPOTENCY_KEY="snap-1")
    assert first.status_code == again.status_code == 200 and first.content == again.content
    other = intraday["api"].push(snapshot(2, quotes=[quote()]), HTTP_IDEMPOTENCY_KEY="snap-1")
    assert other.status_code == 422 and other.json()["errors"][0]["code"] == "key_reused"


def test_an_account_listed_replaces_its_state_and_others_keep_theirs(intraday):
    api = intraday["api"]
    api.push(snapshot(1, quotes=[quote(), quote("al2601", product="al", last="20000", pre="20000", upper="21600",
                                                lower="18400")],
                      accounts=[account("8001"), account("8002")],
                      positions=[position("8001"), position("8001", instrument="al2601", volume=3),
                                 position("8002", volume=2)]))
    api.push(snapshot(2, accounts=[account("8001")], positions=[position("8001", volume=7)]))
    assert _state() == ([("8001", 2), ("8002", 1)], [("8001", "cu2601", 7), ("8002", "cu2601", 2)])
    api.push(snapshot(3, accounts=[account("8001")]))  # listed without positions: holds none
    assert _state() == ([("8001", 3), ("8002", 1)], [("8002", "cu2601", 2)])


def test_a_complete_snapshot_clears_the_accounts_it_does_not_list(intraday):
    api = intraday["api"]
    api.push(snapshot(1, quotes=[quote()], accounts=[account("8001"), account("8002")],
                      positions=[position("8001"), position("8002")]))
    response = api.push(snapshot(2, complete=True, accounts=[account("8002")], positions=[position("8002", volume=1)]))
    assert response.status_code == 200
    assert _state() == ([("8002", 2)], [("8002", "cu2601", 1)])


def test_a_position_of_an_instrument_never_quoted_is_refused(intraday):
    api = intraday["api"]
    response = api.push(snapshot(1, accounts=[account("8001")], positions=[position("8001", instrument="zn2601")]))
    assert response.status_code == 422
    assert response.json()["errors"] == [{
        "section": "positions", "row": 1, "account_no": "8001", "field": "instrument", "code": "unknown",
        "message": "instrument zn2601 is not quoted in this snapshot nor an earlier one of 2026-11-20"}]
    assert _state() == ([], []) and not IntradaySnapshot.objects.exists()
    # quoted in an earlier snapshot of the day: accepted
    assert api.push(snapshot(2, quotes=[quote("zn2601", product="zn", last="22000", pre="22000", upper="23760",
                                              lower="20240")])).status_code == 200
    assert api.push(snapshot(3, accounts=[account("8001")],
                             positions=[position("8001", instrument="zn2601")])).status_code == 200


def test_a_position_of_an_account_not_listed_and_every_other_problem_are_named_at_once(intraday):
    body = snapshot(
        1, quotes=[quote(), quote("cu2602", last="80000"), quote("cu2601"), quote("bad-1", exchange="LME")],
        accounts=[account("8001"), account("9999"), account("8002", close_profit="5.00"),
                  account("8001", margin="1.005")],
        positions=[position("8003"), position("8001", direction="up", volume=0, today_volume=2),
                   position("8001", hedge=None)])
    response = intraday["api"].push(body)
    assert response.status_code == 422
    found = {(error["section"], error["row"], error["field"], error["code"]) for error in response.json()["errors"]}
    assert found == {
        ("quotes", 2, "last_price", "out_of_limits"),  # 80,000 above the upper limit 77,760
        ("quotes", 3, "instrument", "duplicate"),
        ("quotes", 4, "instrument", "invalid"), ("quotes", 4, "exchange", "invalid"),
        ("accounts", 2, "account_no", "unknown"),
        ("accounts", 3, "balance", "identity"),
        ("accounts", 4, "account_no", "duplicate"), ("accounts", 4, "margin", "invalid"),
        ("accounts", 4, "exchange_margin", "invalid"),
        ("positions", 1, "account_no", "not_listed"),
        ("positions", 2, "direction", "invalid"), ("positions", 2, "volume", "invalid"),
        ("positions", 2, "today_volume", "invalid"),
        ("positions", 3, "hedge", "invalid"),
    }
    assert _state() == ([], []) and not IntradaySnapshot.objects.exists()


def test_hedge_defaults_to_speculation(intraday):
    row = position("8001")
    del row["hedge"]
    assert intraday["api"].push(snapshot(1, quotes=[quote()], accounts=[account("8001")], positions=[row])
                                ).status_code == 200
    assert IntradayPosition.objects.get().hedge == "speculation"


@pytest.mark.parametrize(("field", "value", "code"), [
    ("trading_day", "2026-11-21", "not_trading_day"),  # a Saturday
    ("taken_at", "2026-11-20T10:31:05", "invalid"),  # no offset
    ("taken_at", "2026-11-20T16:00:00+08:00", "outside_sessions"),
    ("sequence", 0, "invalid"),
    ("complete", "yes", "invalid"),
])
def test_the_header_is_checked(intraday, field, value, code):
    body = snapshot(1, quotes=[quote()])
    body[field] = value
    response = intraday["api"].push(body)
    assert response.status_code == 422
    assert [(error["field"], error["code"]) for error in response.json()["errors"]] == [(field, code)]


def test_the_night_session_of_the_evening_before_belongs_to_the_trading_day(intraday):
    """Thursday 19 November 21:00 → 02:30 is Friday 20 November's night session (CTP TradingDay)."""
    api = intraday["api"]
    assert api.push(snapshot(1, quotes=[quote()], taken_at="2026-11-19T21:00:00+08:00")).status_code == 200
    assert api.push(snapshot(2, quotes=[quote()], taken_at="2026-11-20T02:30:00+08:00")).status_code == 200
    response = api.push(snapshot(3, quotes=[quote()], taken_at="2026-11-19T20:59:59+08:00"))
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "outside_sessions"


def test_a_closed_day_takes_no_snapshot(intraday):
    SettlementDay.objects.create(trade_date=DAY, status=SettlementDay.Status.CLOSED)
    response = intraday["api"].push(snapshot(1, quotes=[quote()]))
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "day_closed"


def test_more_than_5000_quotes_is_413(intraday):
    quotes = [quote(f"x{number}", product="x") for number in range(5_001)]
    response = intraday["api"].push(snapshot(1, quotes=quotes))
    assert response.status_code == 413
    assert response.json()["errors"][0]["section"] == "quotes"
    assert not IntradaySnapshot.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_snapshot_owes_its_evaluation_even_with_redis_down(intraday, own_redis, caplog):
    """The evaluation is written down with the snapshot (owed work) before it is queued: Redis down at the push
    loses nothing, and the intraday queue's sweep runs it once Redis is back."""
    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="core.owed"):
        response = intraday["api"].push(snapshot(1, quotes=[quote()], accounts=[account("8001")],
                                                 positions=[position("8001")]))
    assert response.status_code == 200
    assert "could not queue the evaluation of snapshot 1 of 2026-11-20" in caplog.text
    owed = OwedWork.objects.get(job=INTRADAY_EVALUATION)
    assert owed.done_at is None and not Alert.objects.exists()
    own_redis.start()
    with intraday_worker():
        result = run_owed_work.apply_async(kwargs={"jobs": [INTRADAY_EVALUATION]}, queue=INTRADAY_QUEUE)
        assert result.get(timeout=60) == {"done": 1, "not_done": 0}
    owed.refresh_from_db()
    assert owed.done_at is not None
    assert sorted(Alert.objects.values_list("kind", flat=True)) == ["adverse_move", "limit_stress"]
    assert intraday["api"].status().json()["evaluated"] is True


@pytest.mark.parametrize(("section", "field", "value"), [
    ("positions", "margin", "1.005"),       # numeric(17, 2) would have rounded it: refused instead
    ("positions", "position_profit", "NaN"),
    ("positions", "open_cost", "1e20"),
    ("accounts", "frozen_margin", "0.001"),
    ("accounts", "available", "Infinity"),
])
def test_a_value_the_state_cannot_hold_exactly_is_refused_and_named(intraday, section, field, value):
    body = snapshot(1, quotes=[quote()], accounts=[account("8001")], positions=[position("8001")])
    body[section][0][field] = value
    response = intraday["api"].push(body)
    assert response.status_code == 422
    assert [(error["section"], error["row"], error["field"]) for error in response.json()["errors"]] == [
        (section, 1, field)]
    assert not IntradaySnapshot.objects.exists() and not IntradayPosition.objects.exists()
