"""Rate limits (settlement-api.md, issue 13 item 10): beyond a token's rate, 429 with {"detail": …} and
Retry-After; counted per token in Redis, so another token (or person) is not held back."""

import uuid

import pytest

from clients.roles import Role
from settlement.api.authentication import PerTokenRateThrottle
from tests.factories import make_staff
from tests.settlement_helpers import token_for


@pytest.fixture
def three_a_minute(monkeypatch):
    """A low rate, and counts of this test's own (token ids repeat from one run of the suite to the next)."""
    monkeypatch.setattr(PerTokenRateThrottle, "rate", "3/minute", raising=False)
    monkeypatch.setattr(PerTokenRateThrottle, "cache_format", f"throttle-test-{uuid.uuid4()}-%(scope)s-%(ident)s")


def test_a_token_beyond_its_rate_gets_429_with_retry_after(db, client, three_a_minute):
    reader = token_for(make_staff(Role.HEAD_OFFICE, None, "HQ").user, "crm:read")
    other = token_for(make_staff(Role.HEAD_OFFICE, None, "HQ2").user, "crm:read")
    answers = [client.get("/api/v1/clients/", HTTP_AUTHORIZATION=f"Bearer {reader}") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused["Content-Type"].startswith("application/json") and "detail" in refused.json()
    assert 0 < int(refused["Retry-After"]) <= 60
    assert client.get("/api/v1/clients/", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 200


def test_the_settlement_pushes_are_limited_per_token_too(db, client, three_a_minute):
    writer = token_for(make_staff(Role.SETTLEMENT_SYSTEM, None, "SYS").user, "settlement:write")
    statuses = [client.get("/api/v1/settlement/days/2026-11-20", HTTP_AUTHORIZATION=f"Bearer {writer}").status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
