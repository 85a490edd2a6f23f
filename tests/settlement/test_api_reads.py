"""GET /api/v1/clients/{account_no}/statements (settlement-api.md, read endpoints; issue 14 item 2): every field of
the push, newest first, ?from=&to=, scoped like every read endpoint (O): a client the caller may not see is 404."""

import datetime

import pytest
from django.urls import reverse

from clients.roles import Role
from tests.fixtures.risk import DAY, statement
from tests.fixtures.scoping import ROLES
from tests.fixtures.world import VISIBLE
from tests.settlement_helpers import token_for


@pytest.fixture
def statements(world):
    for client in world["clients"].values():
        statement(client, margin="85000.00")
    return world


def get(client, token, account_no, **params):
    return client.get(f"/api/v1/clients/{account_no}/statements", params, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize("role", [role for role in ROLES if role != Role.SETTLEMENT_SYSTEM])
@pytest.mark.parametrize("target", ["own", "colleague", "other_branch"])
def test_a_clients_statements_within_the_scope_and_404_outside(statements, client, role, target):
    token = token_for(statements["staff"][role].user, "crm:read")
    account_no = statements["clients"][target].account_no
    response = get(client, token, account_no)
    if target in VISIBLE[role]:
        assert response.status_code == 200
        [row] = response.json()["results"]
        assert (row["account_no"], row["trade_date"], row["balance"], row["margin"]) == (
            account_no, DAY.isoformat(), "100000.00", "85000.00")
        assert set(row) >= {"pre_balance", "deposit", "withdrawal", "close_profit", "position_profit", "commission",
                            "other_adjustments", "exchange_margin", "available", "trade_volume", "position_volume",
                            "margin_call", "forced_liquidation"}
    else:
        assert response.status_code == 404 and "results" not in response.json()


def test_from_and_to_are_inclusive_dates_and_checked(statements, client):
    token = token_for(statements["staff"][Role.HEAD_OFFICE].user, "crm:read")
    day = DAY.isoformat()
    assert len(get(client, token, "1001", **{"from": day, "to": day}).json()["results"]) == 1
    after = (DAY + datetime.timedelta(days=1)).isoformat()
    assert get(client, token, "1001", **{"from": after}).json()["results"] == []
    refused = get(client, token, "1001", **{"from": "20261120"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "from"


def test_the_settlement_token_cannot_read_statements(statements, client):
    token = token_for(statements["staff"][Role.SETTLEMENT_SYSTEM].user, "settlement:write")
    assert get(client, token, "1001").status_code == 403


def test_the_endpoint_is_in_the_schema(client, db):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/clients/{account_no}/statements"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"account_no", "from", "to", "page"}


def test_the_client_page_shows_the_latest_statements(statements, login):
    page = login(statements["staff"][Role.ADVISOR]).get(
        reverse("admin:clients_client_change", args=[statements["clients"]["own"].pk])).content.decode()
    assert "100,000.00" in page and "85.00%" in page
