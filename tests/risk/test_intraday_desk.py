"""The intraday desk, its JSON and the client page's intraday panel (issue 33 items 3–4): scope (O) for every role,
the call-now list (I7), and the day's close (I9)."""

import datetime

import pytest
from django.test import Client as Browser

from clients.roles import Role
from risk.intraday import intraday_day_close, intraday_evaluate, intraday_prune
from risk.models import Alert, IntradaySummary, MarketEvent
from settlement.models import IntradayAccount, IntradayPoint, IntradayPosition, IntradaySnapshot
from tests.factories import BranchFactory, ClientFactory, make_staff
from tests.fixtures.intraday import DAY, NOW, account, position, quote, snapshot


@pytest.fixture
def session(intraday):
    """Every client of BJ01 heavy in cu, and cu down 3.2 %: an adverse_move each and a market event; a client of
    another branch too."""
    other_branch = BranchFactory(code="SH01")
    stranger = ClientFactory(account_no="9001", branch=other_branch, advisor=make_staff(Role.ADVISOR, other_branch))
    accounts = ["8001", "8002", "8003", "9001"]
    body = snapshot(1, quotes=[quote(last="69696")],
                    accounts=[account(number, margin="42000.00") for number in accounts],
                    positions=[position(number, volume=1 if number != "8002" else 2) for number in accounts])
    assert intraday["api"].push(body).status_code == 200
    intraday_evaluate(DAY, 1, now=NOW)
    return {**intraday, "other_branch": other_branch, "stranger": stranger}


def _reader(user):
    browser = Browser()
    browser.force_login(user)
    return browser


def _accounts_in(html, candidates=("8001", "8002", "8003", "9001")):
    return {number for number in candidates if f"（{number}）" in html}


@pytest.mark.parametrize(("role", "where", "expected"), [
    ("advisor_1", "BJ01", {"8001", "8002"}),
    ("advisor_2", "BJ01", {"8003"}),
    (Role.RISK_OFFICER, "BJ01", {"8001", "8002", "8003"}),
    (Role.BRANCH_MANAGER, "BJ01", {"8001", "8002", "8003"}),
    (Role.BRANCH_MANAGER, "SH01", {"9001"}),
    (Role.HEAD_OFFICE, None, {"8001", "8002", "8003", "9001"}),
])
def test_the_desk_and_its_json_show_each_role_its_own_clients(session, role, where, expected):
    if role == "advisor_1":
        user = session["advisors"][0].user
    elif role == "advisor_2":
        user = session["advisors"][1].user
    else:
        branch = {"BJ01": session["branch"], "SH01": session["other_branch"], None: None}[where]
        user = make_staff(role, branch).user
    reader = _reader(user)
    feed = reader.get("/dashboard/intraday/feed")
    assert feed.status_code == 200
    assert _accounts_in(feed.json()["html"]) == expected
    page = reader.get("/dashboard/intraday/")
    assert page.status_code == 200
    html = page.content.decode()
    assert _accounts_in(html) == expected  # the alerts and the call-now list alike
    assert "逆势重仓" in html or "heavy position against the market" in html


@pytest.mark.parametrize("role", [Role.ANALYST, Role.COMPLIANCE])
def test_roles_without_alerts_cannot_open_the_desk(session, role):
    reader = _reader(make_staff(role, None).user)
    assert reader.get("/dashboard/intraday/feed").status_code == 403
    assert reader.get("/dashboard/intraday/").status_code == 403


def test_the_market_event_and_its_call_now_list_heavy_holdings_first(session):
    event = MarketEvent.objects.get()
    assert (event.product, event.direction, str(event.move)) == ("cu", "down", "-0.032000")
    from risk.intraday import call_now

    calls = call_now(session["advisors"][0].user, event)
    # 8002 holds 2 lots: the larger exposure of the two heavy holdings comes first
    assert [call["client"].account_no for call in calls] == ["8002", "8001"]
    assert all(call["heavy"] for call in calls)


def test_the_client_page_shows_the_intraday_state(session):
    client = session["clients"]["8001"]
    reader = _reader(session["advisors"][0].user)
    html = reader.get(f"/admin/clients/client/{client.pk}/change/").content.decode()
    assert 'id="intraday-panel"' in html
    assert "60,000.00" in html and "70.0%" in html and "-3.20%" in html and "42,720.00" in html
    assert "<polyline" in html


def test_the_close_summarises_links_and_clears_the_day(session):
    """I9: the close summarises each account, links intraday alerts to the day's R2 alerts of the same meaning,
    clears the state; the points and quotes stay for 5 trading days."""
    client = session["clients"]["8001"]
    warning = Alert.objects.create(client=client, trade_date=DAY, kind="intraday_warning", severity="medium",
                                   thresholds_id=Alert.objects.first().thresholds_id, raised_at=NOW, due_at=NOW)
    day_alert = Alert.objects.create(client=client, trade_date=DAY, kind="risk_warning", severity="low",
                                     thresholds_id=warning.thresholds_id, raised_at=NOW, due_at=NOW)
    assert intraday_day_close(DAY) == 4
    warning.refresh_from_db()
    assert warning.day_alert == day_alert
    summary = IntradaySummary.objects.get(client=client)
    assert (str(summary.peak_risk_degree), str(summary.lowest_balance), summary.alerts, summary.final) == \
        ("0.7000", "60000.00", 2, True)
    assert str(summary.largest_heavy_ratio) == "0.7000"
    assert not IntradayAccount.objects.exists() and not IntradayPosition.objects.exists()
    assert IntradayPoint.objects.exists()
    assert intraday_prune(DAY + datetime.timedelta(days=14)) > 0
    assert not IntradayPoint.objects.exists() and not IntradaySnapshot.objects.exists()


def test_a_failed_evaluation_says_intraday_alerts_may_be_missing(session):
    """Issue 33 item 2: a failed evaluation is retried (owed work), and the desk and the dashboard say so."""
    from core.models import OwedWork
    from core.owed import owed_work_run
    from settlement.intraday import INTRADAY_EVALUATION

    reader = _reader(make_staff(Role.HEAD_OFFICE, None).user)
    assert "intraday-failing" not in reader.get("/dashboard/intraday/").content.decode()
    owed = OwedWork.objects.get(job=INTRADAY_EVALUATION)

    def broken(_owed):
        raise RuntimeError("database went away")

    assert owed_work_run(owed, broken) is None
    owed.refresh_from_db()
    assert owed.done_at is None and owed.not_before is not None  # retried later by the sweep
    for page in ("/dashboard/intraday/", "/dashboard/risk/"):
        assert 'id="intraday-failing"' in reader.get(page).content.decode()


def test_the_client_page_keeps_the_closed_sessions(session):
    client = session["clients"]["8001"]
    intraday_day_close(DAY)
    html = _reader(session["advisors"][0].user).get(f"/admin/clients/client/{client.pk}/change/").content.decode()
    assert 'id="intraday-days"' in html and "2026-11-20" in html and "70.00%" in html
