"""The client read API (backoffice/api/views.py): a whole phone or ID number is searched by POST, never in a URL
(S9), scoped like the list (O)."""

import json

import pytest

from clients.roles import Role
from tests.fixtures.scoping import ROLES
from tests.fixtures.world import VISIBLE
from tests.settlement_helpers import token_for


def search(client, token, **body):
    return client.post("/api/v1/clients/search/", json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize("role", [role for role in ROLES if role != Role.SETTLEMENT_SYSTEM])
def test_a_whole_phone_number_is_found_by_post_within_the_scope(world, client, role):
    token = token_for(world["staff"][role].user, "crm:read")
    found = {row["account_no"] for row in search(client, token, search="13800002001").json()["results"]}
    assert found == ({"2001"} if "other_branch" in VISIBLE[role] else set())
    listed = search(client, token, search="王", status="open").json()["results"]
    assert {row["account_no"] for row in listed} <= {c.account_no for c in world["clients"].values()}


def test_a_whole_number_in_the_url_is_refused(world, client):
    token = token_for(world["staff"][Role.HEAD_OFFICE].user, "crm:read")
    response = client.get("/api/v1/clients/?search=13800002001", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "search"
    last_four = client.get("/api/v1/clients/?search=2001", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert {row["account_no"] for row in last_four["results"]} == {"2001"}  # last 4 digits may travel


def test_the_settlement_token_cannot_search(world, client):
    token = token_for(world["staff"][Role.SETTLEMENT_SYSTEM].user, "settlement:write")
    assert search(client, token, search="13800002001").status_code == 403
