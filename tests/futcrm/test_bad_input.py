"""Every bad input is a clear 4xx, never a 500 (issue 13 item 5): on the API in the contract's JSON shape, on the
pages as the page itself or a 400; and nothing is written."""

import json
from decimal import Decimal

import pytest

from clients.models import Client
from clients.roles import Role
from settlement.models import DailyStatement, SettlementDay
from tests.factories import BranchFactory, ClientFactory, make_staff
from tests.settlement_helpers import Api, statement_row, token_for


@pytest.fixture
def api(db, client):
    branch = BranchFactory(code="BJ01")
    make_staff(Role.ADVISOR, branch, "BJ01A1")
    ClientFactory(account_no="8001", branch=branch)
    return Api(client, token_for(make_staff(Role.SETTLEMENT_SYSTEM, None, "SYS").user, "settlement:write"))


def _client_row(**overrides):
    return {"account_no": "9001", "name": "王伟", "client_type": "individual", "branch_code": "BJ01",
            "opened_on": "2025-03-01", **overrides}


@pytest.mark.parametrize(("path", "content_type"), [
    ("/api/v1/settlement/statements", "application/json"),
    ("/api/v1/settlement/statements?trade_date=2026-11-20", "text/csv; charset=utf-8"),
    ("/api/v1/settlement/clients", "application/json"),
])
def test_an_empty_body_is_400(api, path, content_type):
    response = api.client.post(path, b"", content_type=content_type, **api.headers)
    assert response.status_code == 400, response.content[:300]
    assert "detail" in response.json()
    # As a real client sends it, with its Content-Type (Django's test client drops the header of an empty body):
    # the statements push answered 500 (issue 35 finding 6).
    response = api.client.post(path, b"", content_type=content_type, CONTENT_TYPE=content_type, **api.headers)
    assert response.status_code == 400, response.content[:300]
    assert "detail" in response.json()


@pytest.mark.parametrize("path", ["/api/v1/settlement/statements", "/api/v1/service/calls"])
def test_a_body_nested_five_thousand_deep_is_400(api, path):
    """Issue 35 finding 6: 5,000 nested "[" answered 500 (a RecursionError in the JSON decoder)."""
    token = (api.headers if "settlement" in path else {
        "HTTP_AUTHORIZATION": "Bearer " + token_for(make_staff(Role.SETTLEMENT_SYSTEM, None, "CALLS").user,
                                                    "service:calls")})
    response = api.client.post(path, "[" * 5000, content_type="application/json", **token)
    assert response.status_code == 400, response.content[:300]


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
@pytest.mark.parametrize("field", ["name", "address", "account_no"])
def test_nul_or_a_lone_surrogate_in_a_client_field_is_422_naming_it(api, bad, field):
    body = json.dumps({"clients": [_client_row(**{field: f"王{bad}伟" if field != "account_no" else f"90{bad}01"})]})
    response = api.client.post("/api/v1/settlement/clients", body, content_type="application/json", **api.headers)
    assert response.status_code == 422, response.content[:300]
    errors = response.json()["errors"]
    assert [(error["row"], error["field"]) for error in errors] == [(1, field)]
    assert not Client.objects.filter(name__startswith="王", account_no__startswith="90").exists()


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_nul_or_a_lone_surrogate_in_an_account_number_of_a_statement_is_422(api, bad):
    body = json.dumps({"trade_date": "2026-11-20", "rows": [statement_row(f"80{bad}01")]})
    response = api.client.post("/api/v1/settlement/statements", body, content_type="application/json",
                               **api.headers)
    assert response.status_code == 422, response.content[:300]
    assert response.json()["errors"][0]["row"] == 1
    assert not DailyStatement.objects.exists()


def test_a_day_whose_total_equity_reaches_ten_to_the_fifteen_closes(api, db):
    """Each row below 10^15 (the contract), their sum above it: the day's totals are stored wide enough (it used to
    overflow numeric(17,2) at the close and answer 500)."""
    branch = BranchFactory(code="BJ02")
    for account in ("8101", "8102"):
        ClientFactory(account_no=account, branch=branch)
    rows = [statement_row(account, pre_balance="999999999999999.99") for account in ("8101", "8102")]
    assert api.push(rows).status_code == 200  # each row is valid
    response = api.close(row_count=2, total_balance="1999999999999999.98", total_commission="0.00")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["total_balance"] == "1999999999999999.98"
    assert SettlementDay.objects.get(status="closed").total_balance == Decimal("1999999999999999.98")


@pytest.mark.parametrize("total", ["1e30", "NaN", "Infinity", "1" * 23])
def test_control_totals_beyond_any_day_are_422(api, total):
    response = api.close(row_count=0, total_balance=total, total_commission="0.00")
    assert response.status_code == 422, response.content[:300]
    assert response.json()["errors"][0]["field"] == "total_balance"


@pytest.fixture
def head_office(world, login):
    return login(world["staff"][Role.HEAD_OFFICE])


@pytest.mark.parametrize("path", [
    "/admin/autocomplete/?app_label=service_log&model_name=contactrecord&field_name=client&term=%00",
    "/surveys/results/?survey=%00",
    "/dashboard/tiers/?month=0001-01",
    "/dashboard/tiers/export.csv?month=0001-01",
    "/dashboard/tiers/?month=9999-12",
    "/admin/clients/client/?q=%00",
])
def test_pages_answer_bad_parameters_without_a_500(head_office, path):
    response = head_office.get(path)
    assert response.status_code in {200, 400}, (path, response.status_code)


def test_a_422_with_more_problems_than_it_lists_says_so(api):
    rows = [statement_row("9999")] * 1_200  # an unknown account in every row (its field names it once a row)
    response = api.push(rows)
    assert response.status_code == 422
    body = response.json()
    assert len(body["errors"]) == 1_000 and body["truncated"] is True and body["error_count"] == 1_200
    assert [error["row"] for error in body["errors"][:3]] == [1, 2, 3]


def test_a_422_that_lists_every_problem_says_nothing_of_truncation(api):
    body = api.push([statement_row("9999")]).json()
    assert "truncated" not in body and len(body["errors"]) == 1


def test_the_client_push_says_when_it_stopped_listing(api):
    rows = [_client_row(account_no=f"9{number:04d}", branch_code="NOPE") for number in range(1_001)]
    response = api.client.post("/api/v1/settlement/clients", json.dumps({"clients": rows}),
                               content_type="application/json", **api.headers)
    body = response.json()
    assert response.status_code == 422 and body["truncated"] is True and body["error_count"] == 1_001


def test_csv_error_rows_count_records_not_lines(api):
    text = ("account_no,pre_balance,deposit,withdrawal,close_profit,position_profit,commission,balance,margin,"
            "available,trade_volume,position_volume\n")
    text += '"8001",1.00,0,0,0,0,0,1.00,0,1.00,0,0\n'
    text += '"99\n99",1.00,0,0,0,0,0,1.00,0,1.00,0,0\n'  # a quoted newline inside the second record
    response = api.client.post("/api/v1/settlement/statements?trade_date=2026-11-20", text,
                               content_type="text/csv; charset=utf-8", **api.headers)
    assert response.status_code == 422
    assert {error["row"] for error in response.json()["errors"]} == {2}
