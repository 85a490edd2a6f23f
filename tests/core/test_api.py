"""One API error shape (issue 12 item 5): every 4xx and 5xx under /api/ is JSON, `{"errors": [...]}` or
`{"detail": ...}`, never an HTML page; database refusals caused by the input answer 4xx."""

import json

import pytest
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from rest_framework.exceptions import ValidationError

from clients.roles import Role
from core.api import api_exception_handler
from core.errors import DomainError
from settlement import services as settlement_services
from tests.factories import make_staff
from tests.settlement_helpers import Api, token_for


@pytest.fixture
def api(db, client):
    return Api(client, token_for(make_staff(Role.SETTLEMENT_SYSTEM, None, "SYS").user, "settlement:write"))


def _json(response):
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def test_an_unknown_api_path_answers_json_404(client, db):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert _json(response) == {"detail": "not found"}


def test_an_unknown_page_outside_the_api_keeps_the_html_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_missing_token_answers_json_401(client, db):
    response = client.get("/api/v1/clients/")
    assert response.status_code == 401
    assert "detail" in _json(response)


def test_a_domain_error_answers_in_its_own_shape(api):
    response = api.close("2026-13-01", row_count=0, total_balance="0", total_commission="0")
    assert response.status_code == 422
    assert _json(response) == {"errors": [{"row": None, "account_no": None, "field": "trade_date",
                                           "code": "invalid", "message": "trade_date must be a date YYYY-MM-DD"}]}


def test_a_crash_answers_json_500(api, monkeypatch, caplog):
    def crash(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(settlement_services, "settlement_day_summary", crash)
    response = api.status()
    assert response.status_code == 500
    assert _json(response) == {"detail": "internal error"}
    assert "a bug" in caplog.text  # logged for us, not shown to the caller


def test_a_value_postgresql_refuses_answers_422_not_500(api, monkeypatch):
    def refused_by_the_database(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 'not a number'::integer")

    monkeypatch.setattr(settlement_services, "settlement_day_summary", refused_by_the_database)
    response = api.status()
    assert response.status_code == 422
    assert _json(response)["detail"].startswith("value refused by the database: invalid input syntax")


def test_a_body_django_refuses_to_read_answers_json_413():
    """Outside the settlement pushes (which read up to the contract's sizes themselves, settlement/api/views.py)
    Django's upload limit stands; reaching it answers 413 in JSON, not Django's 400 HTML page."""
    response = api_exception_handler(RequestDataTooBig("too big"), {})
    assert (response.status_code, response.data) == (413, {"detail": "request body too large"})


def test_drf_validation_errors_become_the_error_list():

    response = api_exception_handler(ValidationError({"month": ["Enter a valid date."]}), {})
    assert response.status_code == 400
    assert response.data == {"errors": [{"row": None, "account_no": None, "field": "month", "code": "invalid",
                                         "message": "Enter a valid date."}]}


def test_domain_error_bodies():
    assert DomainError("no").body == {"detail": "no"}
    assert DomainError("bad", field="note", code="required").body == {
        "errors": [{"row": None, "account_no": None, "field": "note", "code": "required", "message": "bad"}]}
    assert DomainError("x", status=409, body={"errors": [], "expected": 1}).body == {"errors": [], "expected": 1}
