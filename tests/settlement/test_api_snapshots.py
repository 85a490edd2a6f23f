"""settlement-api.md "Intraday snapshots (v1.1)" and domain.md I1: the endpoint, all or nothing."""

from settlement.models import IntradayAccount, IntradayOpening, IntradayPoint, IntradayPosition, IntradaySnapshot
from tests.fixtures.intraday import account, position, quote, snapshot


def test_a_snapshot_is_accepted_and_its_state_kept(intraday):
    body = snapshot(1, quotes=[quote()], accounts=[account("8001")], positions=[position("8001")])
    response = intraday["api"].push(body)
    assert response.status_code == 200, response.content
    assert response.json() == {"trading_day": "2026-11-20", "sequence": 1, "accounts": 1, "positions": 1,
                               "quotes": 1}
    assert IntradayAccount.objects.get(account_no="8001").client == intraday["clients"]["8001"]
    assert IntradayPosition.objects.get(account_no="8001").volume == 10
    assert IntradayOpening.objects.get(account_no="8001").volume == 10
    assert IntradayPoint.objects.filter(account_no="8001").count() == 1
    assert IntradaySnapshot.objects.get().sequence == 1
