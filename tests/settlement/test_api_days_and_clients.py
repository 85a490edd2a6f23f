"""settlement-api.md: authentication, client master data push, settlement days (close, reopen, status)."""

import datetime
import importlib
import io
import json
import re
import threading
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client as HttpClient
from django.utils import timezone

from clients.models import Client, StaffProfile
from clients.roles import Role
from futcrm.celery import app
from risk.models import Alert
from settlement.models import ApiToken, DailyStatement, SettlementDay, SettlementDayEvent, StatementMonth, TradingDay
from settlement.services import statement_month_totals
from tests.factories import BranchFactory, ClientFactory, make_staff
from tests.fixtures.settlement_days import client_row
from tests.settlement_helpers import TRADE_DATE, Api, statement_row, token_for

# Authentication -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Token abc", "Bearer "])
def test_missing_or_invalid_token_is_401(setup, client, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    for response in (
        client.post("/api/v1/settlement/statements", "{}", content_type="application/json", **extra),
        client.get(f"/api/v1/settlement/days/{TRADE_DATE}", **extra),
        client.get("/api/v1/clients/", **extra),
    ):
        assert response.status_code == 401


def test_wrong_scope_is_403(setup):
    assert setup["reader"].push([statement_row("8001")]).status_code == 403
    assert setup["reader"].close(row_count=0, total_balance="0", total_commission="0").status_code == 403
    assert setup["reader"].push_clients([]).status_code == 403
    assert not DailyStatement.objects.exists()


def test_a_settlement_token_cannot_read_client_records(setup, client):
    response = client.get("/api/v1/clients/", **setup["api"].headers)
    assert response.status_code == 403


def test_crm_read_token_reads_scoped_clients(setup, client):
    response = client.get("/api/v1/clients/", **setup["reader"].headers)
    assert response.status_code == 200
    assert {row["account_no"] for row in response.json()["results"]} == {"8001", "8002"}
    assert response.json()["results"][0]["phone"].count("*") == 4


def test_a_logged_in_person_cannot_push_statements(setup, client):
    client.force_login(setup["head_office"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/api/v1/settlement/statements", json.dumps({"trade_date": TRADE_DATE, "rows": []}),
                           content_type="application/json")
    assert response.status_code == 403


def test_revoked_token_is_401(setup):


    ApiToken.objects.update(revoked_at=timezone.now())
    assert setup["api"].push([statement_row("8001")]).status_code == 401


def test_issue_api_token_prints_the_token_last_and_stores_only_a_hash(db, capsys):
    call_command("issue_api_token", "counter", "--scope", "settlement:write")
    token = capsys.readouterr().out.strip().splitlines()[-1]

    record = ApiToken.objects.get(name="counter")
    assert token.startswith("fcrm_") and token not in record.token_hash
    assert record.scopes == ["settlement:write"] and record.user.username == "settlement-system"


def test_issue_api_token_refuses_crm_read_without_a_user(db):

    with pytest.raises(CommandError, match="--user"):
        call_command("issue_api_token", "reader", "--scope", "crm:read")


# Client master data ---------------------------------------------------------------------------------------------


def test_a_full_10000_client_push_with_an_idempotency_key_replays_byte_for_byte(setup):
    """Issue 13 item 2: a 10,000-client push with a key used to answer 400 text/html (Django's upload limit)."""
    rows = [client_row(f"6{number:05d}", email=f"client{number}@example.com", address="北京市东城区某街道" * 5)
            for number in range(10_000)]
    first = setup["api"].push_clients(rows, HTTP_IDEMPOTENCY_KEY="master-2026-11-20")
    assert first.status_code == 200, first.content[:300]
    assert first.json()["created"] == 10_000
    retry = setup["api"].push_clients(rows, HTTP_IDEMPOTENCY_KEY="master-2026-11-20")
    assert (retry.status_code, retry.content) == (200, first.content)


def test_client_push_creates_updates_and_leaves_crm_fields_alone(setup):
    api = setup["api"]
    first = api.push_clients([client_row("9001"), client_row("9002", advisor_code=None)])
    assert first.status_code == 200, first.json()
    assert first.json() == {"received": 2, "created": 2, "updated": 0, "unchanged": 0}
    created = Client.objects.get(account_no="9001")
    assert created.advisor == setup["advisor"]
    assert created.birth_date == datetime.date(1988, 5, 12) and created.home_region == "广东"
    assert created.phone_masked == "139****5678"
    created.risk_tolerance = "C4"
    created.save()
    again = api.push_clients([client_row("9001", name="王伟伟"), client_row("9002", advisor_code=None)])
    assert again.json() == {"received": 2, "created": 0, "updated": 1, "unchanged": 1}
    created.refresh_from_db()
    assert created.name == "王伟伟" and created.risk_tolerance == "C4"
    assert created.history.count() == 3  # pushed, edited in the CRM, pushed again


@pytest.mark.parametrize(("field", "value", "code"), [
    ("account_no", "80-01", "invalid"),
    ("account_no", "x" * 33, "invalid"),
    ("name", "", "required"),
    ("name", "名" * 101, "too_long"),
    ("client_type", "company", "invalid"),
    ("branch_code", "XX99", "unknown_branch"),
    ("opened_on", "2999-01-01", "future"),
    ("opened_on", "01/03/2025", "invalid"),
    ("closed_on", "2025-02-28", "before_opened"),
    ("id_number", "440301198805121230", "invalid"),
    ("phone", "12345", "invalid"),
    ("email", "not-an-email", "invalid"),
    ("advisor_code", "NOBODY", "unknown_advisor"),
])  # fmt: skip
def test_client_push_validation_names_row_and_field_and_writes_nothing(setup, field, value, code):
    response = setup["api"].push_clients([client_row("9001"), client_row("9002", **{field: value})])
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["row"], error["field"], error["code"]) == (2, field, code)
    assert not Client.objects.filter(account_no__in=["9001", "9002"]).exists()


def test_closed_on_may_equal_opened_on(setup):
    response = setup["api"].push_clients([client_row("9001", closed_on="2025-03-01")])
    assert response.status_code == 200


def test_client_push_duplicates_and_limit(setup):
    response = setup["api"].push_clients([client_row("9001"), client_row("9001")])
    assert response.json()["errors"][0]["code"] == "duplicate"
    too_many = setup["api"].push_clients([client_row(f"9{n:05d}") for n in range(10_001)])
    assert too_many.status_code == 413


def test_client_push_unreadable_body_is_400(setup, client):
    response = client.post("/api/v1/settlement/clients", b"{", content_type="application/json",
                           **setup["api"].headers)
    assert response.status_code == 400


# Settlement days --------------------------------------------------------------------------------------------------

def push_two(api):
    api.push([statement_row("8001", commission="12.50", margin="90000.00"), statement_row("8002")])
    return {"row_count": 2, "total_balance": "199987.50", "total_commission": "12.50"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_close_with_matching_totals_closes_and_queues_risk_evaluation(two_accounts_pushed):
    api, totals = two_accounts_pushed
    advisor = StaffProfile.objects.get(staff_code="BJ01A1")

    app.conf.task_always_eager = True  # the task itself runs for real, in-process, after the commit
    try:
        response = api.close(**totals)
    finally:
        app.conf.task_always_eager = False
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "closed" and body["row_count"] == 2 and body["total_balance"] == "199987.50"
    assert body["alerts_raised"] == 1  # 8001 at 90% risk degree: a risk warning (R2)
    alert = Alert.objects.get()
    assert (alert.kind, alert.client.account_no, alert.assigned_to) == ("risk_warning", "8001", advisor)
    assert SettlementDayEvent.objects.filter(action="closed").count() == 1


def test_close_with_different_totals_is_409_with_expected_and_actual(setup):
    api = setup["api"]
    totals = push_two(api)
    response = api.close(**{**totals, "total_balance": "199987.49"})
    assert response.status_code == 409
    body = response.json()
    assert body["expected"]["total_balance"] == "199987.49"
    assert body["actual"] == {"row_count": 2, "total_balance": "199987.50", "total_commission": "12.50"}
    assert SettlementDay.objects.get(trade_date=TRADE_DATE).status == "open"
    assert SettlementDayEvent.objects.filter(action="close_refused").count() == 1


def test_close_a_non_trading_day_is_422(setup):
    response = setup["api"].close("2026-11-22", row_count=0, total_balance="0", total_commission="0")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "not_trading_day"


@pytest.mark.parametrize("totals", [
    {"row_count": "2", "total_balance": "1", "total_commission": "0"},
    {"row_count": 2, "total_balance": "1.001", "total_commission": "0"},
    {"row_count": 2, "total_balance": "x", "total_commission": "0"},
])  # fmt: skip
def test_close_with_malformed_totals_is_422(setup, totals):
    assert setup["api"].close(**totals).status_code == 422


def test_reopen_is_head_office_only_and_audited(setup):
    api = setup["api"]
    totals = push_two(api)
    assert api.close(**totals).status_code == 200
    assert api.push([statement_row("8001")]).status_code == 409
    assert api.reopen().status_code == 403  # the settlement system is not head office
    response = setup["head_office_api"].reopen()
    assert response.status_code == 200 and response.json()["status"] == "open"
    event = SettlementDayEvent.objects.get(action="reopened")
    assert event.actor == setup["head_office"]
    assert api.push([statement_row("8001", deposit="1.00", commission="12.50", margin="90000.00")]).json()[
        "updated"] == 1
    assert setup["head_office_api"].reopen().status_code == 409  # not closed any more


def test_closing_adds_the_day_to_the_month_totals_and_reopening_takes_it_out(setup):
    """settlement.StatementMonth (the tier engine's inputs, T2/T3/T6/T7) follows every close and reopen exactly."""
    api, head_office_api = setup["api"], setup["head_office_api"]
    day_bit = 1 << (20 - 1)  # 20 November
    api.push([statement_row("8001", commission="12.50", trade_volume=2), statement_row("8002", position_volume=3)])
    assert api.close(row_count=2, total_balance="199987.50", total_commission="12.50").status_code == 200

    def totals():
        return {row.client.account_no: (str(row.balance_sum), str(row.commission_sum), row.traded_days,
                                        row.held_days)
                for row in StatementMonth.objects.filter(month=datetime.date(2026, 11, 1))}

    assert totals() == {"8001": ("99987.50", "12.50", day_bit, 0), "8002": ("100000.00", "0.00", 0, day_bit)}
    assert SettlementDay.objects.get(trade_date=TRADE_DATE).in_month_totals

    assert head_office_api.reopen().status_code == 200
    assert totals() == {"8001": ("0.00", "0.00", 0, 0), "8002": ("0.00", "0.00", 0, 0)}
    assert not SettlementDay.objects.get(trade_date=TRADE_DATE).in_month_totals

    api.push([statement_row("8001", deposit="1.00", commission="12.50"), statement_row("8002", position_volume=3)])
    assert api.close(row_count=2, total_balance="199988.50", total_commission="12.50").status_code == 200
    assert totals() == {"8001": ("99988.50", "12.50", 0, 0), "8002": ("100000.00", "0.00", 0, day_bit)}
    assert api.close(row_count=2, total_balance="199988.50", total_commission="12.50").status_code == 200
    assert totals()["8001"][0] == "99988.50"  # closing a closed day again adds nothing


def test_status_of_a_day(setup):
    api = setup["api"]
    push_two(api)
    response = api.status()
    assert response.status_code == 200
    assert response.json() | {"closed_at": None} == {
        "trade_date": TRADE_DATE, "status": "open", "row_count": 2, "total_balance": "199987.50",
        "total_commission": "12.50", "closed_at": None, "alerts_raised": 0,
    }  # fmt: skip


# Concurrency ----------------------------------------------------------------------------------------------------

def push_concurrently(accounts: int, bodies: list[list[dict]]) -> list:
    """`accounts` clients 60000…; each body pushed by its own thread and HTTP client, all released together."""
    branch = BranchFactory(code="BJ01")
    for number in range(accounts):
        ClientFactory(account_no=f"6{number:04d}", branch=branch)
    token = token_for(make_staff(Role.SETTLEMENT_SYSTEM, None, "SYS").user, "settlement:write")
    responses, start = [], threading.Barrier(len(bodies))

    def push(rows):
        try:
            start.wait()
            responses.append(Api(HttpClient(), token).push(rows))
        finally:
            connection.close()

    threads = [threading.Thread(target=push, args=(rows,)) for rows in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_pushes_of_the_same_date_serialise():
    rows = [statement_row(f"6{number:04d}") for number in range(200)]
    results = [response.json() for response in push_concurrently(200, [rows] * 4)]
    assert sorted(result["created"] for result in results) == [0, 0, 0, 200]
    assert sorted(result["unchanged"] for result in results) == [0, 200, 200, 200]
    assert DailyStatement.objects.count() == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_pushes_of_overlapping_accounts_in_opposite_orders_do_not_deadlock():
    """Pushes of one date write concurrently (shared day lock); rows are written in client order, so two pushes
    sending the same accounts in opposite orders take their row locks in the same order."""
    forward = [statement_row(f"6{number:04d}", deposit="1.00") for number in range(200)]
    backward = [statement_row(f"6{number:04d}", deposit="2.00") for number in reversed(range(100, 300))]
    results = push_concurrently(300, [forward, backward, forward, backward])
    assert [response.status_code for response in results] == [200] * 4
    answers = [response.json() for response in results]
    assert sum(answer["created"] for answer in answers) == 300
    assert DailyStatement.objects.count() == 300
    overlap = set(DailyStatement.objects.filter(client__account_no__in=[f"6{n:04d}" for n in range(100, 200)])
                  .values_list("deposit", flat=True))
    assert len(overlap) == 1  # the overlap holds one push's figures in full, whichever wrote last


def test_openapi_schema_and_docs_are_served_without_a_cdn(setup, client):
    schema = client.get("/api/schema/", **setup["reader"].headers)
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/settlement/statements", "/api/v1/settlement/days/{trade_date}/close", "/api/v1/tiers/",
                 "/api/v1/alerts/", "/api/v1/clients/"):
        assert path in text
    client.force_login(setup["head_office"], backend="django.contrib.auth.backends.ModelBackend")
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    # Every script, style and image comes from our own static files: no src/href leaves the site. (Matching the
    # word "cdn" in the page failed once: the random CSRF token contained it.)
    external = re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//[^"']*""", docs, flags=re.IGNORECASE)
    assert external == []
    assert re.search(r"""src=["']/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.js""", docs)


def test_the_migration_adds_the_days_closed_before_it_to_the_month_totals_as_a_close_would(setup):
    """settlement migration 0011: its backfill gives every day already closed the rows statement_month_totals
    gives a day at its close."""
    backfill = importlib.import_module("settlement.migrations.0011_month_totals").BACKFILL
    api = setup["api"]
    api.push([statement_row("8001", commission="12.50", trade_volume=2), statement_row("8002", position_volume=3)])
    assert api.close(row_count=2, total_balance="199987.50", total_commission="12.50").status_code == 200

    def totals():
        return sorted(StatementMonth.objects.values_list("client_id", "month", "balance_sum", "commission_sum",
                                                         "traded_days", "held_days"))

    by_close = totals()
    statement_month_totals(datetime.date.fromisoformat(TRADE_DATE), include=False)
    StatementMonth.objects.all().delete()
    SettlementDay.objects.filter(trade_date=TRADE_DATE).update(status="closed")  # closed before the totals existed
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert totals() == by_close and len(by_close) == 2
    assert SettlementDay.objects.get(trade_date=TRADE_DATE).in_month_totals


def test_add_to_month_totals_puts_closed_days_in_and_leaves_open_ones(setup):
    """manage.py add_to_month_totals: days closed without the totals (imported history) join them as a close
    would; an open day waits for its close; a second run finds nothing to do."""
    api = setup["api"]
    api.push([statement_row("8001", trade_volume=1)])
    api.push([statement_row("8002")], trade_date="2026-11-19")
    SettlementDay.objects.filter(trade_date=TRADE_DATE).update(status="closed")  # imported, closed by hand
    output = io.StringIO()
    call_command("add_to_month_totals", "--from", "2026-11-01", verbosity=0, stdout=output)
    assert "1 closed day(s)" in output.getvalue()
    assert list(StatementMonth.objects.values_list("client__account_no", "balance_sum", "traded_days")) == [
        ("8001", Decimal("100000.00"), 1 << 19)]
    assert not SettlementDay.objects.get(trade_date="2026-11-19").in_month_totals
    call_command("add_to_month_totals", verbosity=0, stdout=output)
    assert "0 closed day(s)" in output.getvalue()


# Dates with meaning (issue 13 item 4) --------------------------------------------------------------------------------

def test_a_future_trading_day_cannot_be_closed(setup):
    future = (TradingDay.objects.filter(is_trading_day=True, date__gt=timezone.localdate()).order_by("date")
              .values_list("date", flat=True).first())
    response = setup["api"].close(future.isoformat(), row_count=0, total_balance="0.00", total_commission="0.00")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "future"
    assert not SettlementDay.objects.filter(trade_date=future, status="closed").exists()


@pytest.mark.parametrize(("field", "value", "code"), [
    ("opened_on", "20200101", "invalid"),
    ("opened_on", "2020-W01-1", "invalid"),
    ("closed_on", "2026-1-5", "invalid"),
    ("last_trade_date", "20250401", "invalid"),
    ("last_trade_date", "2099-01-04", "future"),
    ("last_trade_date", "2025-02-28", "before_opened"),  # opened 2025-03-01
])
def test_client_dates_are_read_as_strictly_as_statement_dates(setup, field, value, code):
    response = setup["api"].push_clients([client_row("9001", **{field: value})])
    assert response.status_code == 422
    assert [(error["row"], error["field"], error["code"]) for error in response.json()["errors"]] == [
        (1, field, code)]
    assert not Client.objects.filter(account_no="9001").exists()


def test_a_last_trade_on_the_opening_day_is_accepted(setup):
    assert setup["api"].push_clients([client_row("9001", last_trade_date="2025-03-01")]).status_code == 200


def test_a_closing_date_still_to_come_leaves_the_client_open_until_then(setup):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    today = timezone.localdate().isoformat()
    assert setup["api"].push_clients([client_row("9001", closed_on=tomorrow.isoformat()),
                                      client_row("9002", closed_on=today)]).status_code == 200
    listed = {row["account_no"]: row["status"] for row in setup["reader"].client.get(
        "/api/v1/clients/", **setup["reader"].headers).json()["results"]}
    assert (listed["9001"], listed["9002"]) == ("open", "closed")
    assert set(Client.objects.open().values_list("account_no", flat=True)) >= {"9001"}
    assert "9001" not in set(Client.objects.closed().values_list("account_no", flat=True))
    assert set(Client.objects.open(tomorrow).values_list("account_no", flat=True)).isdisjoint({"9001", "9002"})
