"""Issue 33 item 6: the session simulator pushes through the real endpoint and makes heavy holders' alerts appear
on their advisors' desks."""

import pytest
from django.core.management import call_command
from django.test import Client as Browser

from backoffice.demo_history import demo_load
from backoffice.intraday_simulator import simulated_trading_day
from risk.models import INTRADAY_KINDS, Alert, MarketEvent
from settlement.models import IntradaySnapshot


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_replayed_session_raises_heavy_holders_alerts_on_their_advisors_desks(settings):
    demo_load(clients=40, months=1, password="demo-pass-2026", write=None)
    call_command("simulate_session", "--evaluate", "--steps", "6", verbosity=0)
    day = simulated_trading_day()
    assert IntradaySnapshot.objects.filter(trading_day=day, evaluated_at__isnull=False).count() == 7
    assert MarketEvent.objects.filter(trade_date=day, product="cu").exists()
    adverse = Alert.objects.filter(trade_date=day, kind="adverse_move", product="cu").select_related("client")
    assert adverse.exists()
    alert = adverse.first()
    advisor = alert.client.advisor.user
    browser = Browser()
    browser.force_login(advisor)
    html = browser.get("/dashboard/intraday/feed").json()["html"]
    assert alert.client.account_no in html
    mine = {a.client.account_no for a in Alert.objects.filter(trade_date=day, kind__in=INTRADAY_KINDS,
                                                                client__advisor=alert.client.advisor)}
    others = {a.client.account_no for a in Alert.objects.filter(trade_date=day, kind__in=INTRADAY_KINDS)
              .exclude(client__advisor=alert.client.advisor)}
    assert all(number in html for number in mine)
    assert others and not any(f"（{number}）" in html for number in others)  # other advisors' alerts are theirs
