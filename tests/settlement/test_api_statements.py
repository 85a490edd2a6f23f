"""POST /api/v1/settlement/statements (settlement-api.md): upsert, all or nothing, every error code."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.utils import timezone

from clients.roles import Role
from settlement.api.views import StatementPushView
from settlement.models import DailyStatement, SettlementDay, TradingDay
from settlement.services import StatementRow, json_batch
from tests.factories import BranchFactory, ClientFactory, TradingDayFactory, make_staff
from tests.settlement_helpers import TRADE_DATE, Api, statement_row, token_for


@pytest.fixture
def api(db, client):
    branch = BranchFactory(code="BJ01")
    for account in ("8001", "8002", "8003"):
        ClientFactory(account_no=account, branch=branch)
    settlement_user = make_staff(Role.SETTLEMENT_SYSTEM, None, "SYS").user
    return Api(client, token_for(settlement_user, "settlement:write"))


def test_push_creates_then_replay_changes_nothing(api):
    rows = [statement_row("8001", commission="12.50", close_profit="100.10"), statement_row("8002")]
    first = api.push(rows)
    assert first.status_code == 200, first.json()
    assert first.json() == {"trade_date": TRADE_DATE, "received": 2, "created": 2, "updated": 0, "unchanged": 0}
    stored = DailyStatement.objects.get(client__account_no="8001", trade_date=TRADE_DATE)
    assert str(stored.balance) == "100087.60" and str(stored.commission) == "12.50"
    for _ in range(10):  # replay: same request ten times → same state
        again = api.push(rows)
        assert again.json() == {"trade_date": TRADE_DATE, "received": 2, "created": 0, "updated": 0, "unchanged": 2}
    assert DailyStatement.objects.filter(trade_date=TRADE_DATE).count() == 2


def test_sending_a_row_again_with_new_figures_replaces_it(api):
    api.push([statement_row("8001"), statement_row("8002")])
    response = api.push([statement_row("8001", deposit="50.00"), statement_row("8002"), statement_row("8003")])
    assert response.json() == {"trade_date": TRADE_DATE, "received": 3, "created": 1, "updated": 1, "unchanged": 1}
    assert str(DailyStatement.objects.get(client__account_no="8001").deposit) == "50.00"


def test_numbers_may_be_json_numbers_and_booleans_csv_words(api):
    row = statement_row("8001", margin="85000.00", margin_call=True)
    row["pre_balance"] = 100000.00
    row["trade_volume"] = 3
    assert api.push([row]).status_code == 200
    statement = DailyStatement.objects.get(client__account_no="8001")
    assert statement.margin_call is True and statement.trade_volume == 3


@pytest.mark.parametrize(("field", "value", "code"), [
    ("pre_balance", None, "required"),
    ("pre_balance", "12.345", "invalid"),  # 3 decimal places
    ("pre_balance", "1000000000000000", "invalid"),  # 10^15
    ("pre_balance", "abc", "invalid"),
    ("pre_balance", "NaN", "invalid"),
    ("available", "-Infinity", "invalid"),
    ("close_profit", "12.340", "invalid"),  # a third decimal place, even a zero
    ("position_profit", {"amount": 1}, "invalid"),
    ("trade_volume", "99999999999", "invalid"),
    ("forced_liquidation", "maybe", "invalid"),
    ("deposit", "-0.01", "negative"),
    ("withdrawal", "-5", "negative"),
    ("commission", "-1.00", "negative"),
    ("margin", "-1", "negative"),
    ("exchange_margin", "-1", "negative"),
    ("trade_volume", "-1", "negative"),
    ("trade_volume", "1.5", "invalid"),
    ("position_volume", None, "required"),
    ("margin_call", "maybe", "invalid"),
    ("available", None, "required"),
])  # fmt: skip
def test_bad_field_gives_422_naming_row_and_field_and_writes_nothing(api, field, value, code):
    bad = statement_row("8002")
    bad[field] = value
    response = api.push([statement_row("8001"), bad])
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"row": 2, "account_no": "8002", "field": field, "code": code} == {
        key: errors[0][key] for key in ("row", "account_no", "field", "code")}
    assert errors[0]["message"]
    assert not DailyStatement.objects.exists()


def test_largest_allowed_amount_is_accepted(api):
    row = statement_row("8001", pre_balance="999999999999999.99")
    assert api.push([row]).status_code == 200


def test_balance_identity_to_the_cent(api):
    row = statement_row("8001", commission="10.00")
    row["balance"] = "99990.01"  # one cent off
    response = api.push([row])
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("balance", "identity")
    assert "99990.00" in error["message"]


def test_unknown_account_duplicate_account_and_unknown_field(api):
    extra = statement_row("8003")
    extra["bonus"] = "1"
    response = api.push([statement_row("8001"), statement_row("9999"), statement_row("8001"), extra])
    assert response.status_code == 422
    found = {(error["row"], error["field"], error["code"]) for error in response.json()["errors"]}
    assert found == {(2, "account_no", "unknown_account"), (3, "account_no", "duplicate"),
                     (4, "row", "unknown_field")}
    assert not DailyStatement.objects.exists()


def test_every_problem_is_listed(api):
    bad = statement_row("8001")
    bad.update(deposit="-1", trade_volume="x")
    response = api.push([bad, "not a row"])
    found = {(error["row"], error["field"], error["code"]) for error in response.json()["errors"]}
    assert found == {(1, "deposit", "negative"), (1, "trade_volume", "invalid"), (2, "row", "not_object")}


def test_too_many_rows_is_413(api):
    response = api.push([statement_row("8001")] * 50_001)
    assert response.status_code == 413
    assert not DailyStatement.objects.exists()


def test_a_failing_row_in_a_full_50000_row_request_writes_nothing(api, django_db_blocker):
    _fifty_thousand_clients()
    rows = [statement_row(f"7{number:06d}") for number in range(50_000)]
    rows[41_234]["balance"] = "1.00"
    response = api.push(rows)
    assert response.status_code == 422
    assert [(error["row"], error["code"]) for error in response.json()["errors"]] == [(41_235, "identity")]
    assert not DailyStatement.objects.exists()
    rows[41_234] = statement_row("7041234")
    assert api.push(rows).json()["created"] == 50_000


def test_accounts_are_looked_up_by_index_even_when_the_statistics_say_clients_is_empty(api):
    """An ANALYZE that saw only dead rows leaves clients_client with pages but no tuples, so the planner estimates
    it empty whatever it holds. With joins by hash and merge off (services.statements_ingest), a nested loop over a
    sequential scan of the clients then took 2–4 minutes for 50,000 rows (the full test suite hit it). Every
    statement that looks accounts up must probe the account index whatever the statistics say."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pg_class SET reltuples = 0, relpages = greatest(relpages, 100)"
                       " WHERE oid = 'clients_client'::regclass")
    plans = []

    def explain(execute, statement, params, many, context):
        if "JOIN clients_client" in statement and not statement.lstrip().startswith("EXPLAIN"):
            execute("EXPLAIN " + statement, params, many, context)
            plans.append("\n".join(row[0] for row in context["cursor"].fetchall()))
        return execute(statement, params, many, context)

    with connection.execute_wrapper(explain):
        assert api.push([statement_row("8001"), statement_row("8002")]).status_code == 200  # the fast path
        bad = api.push([statement_row("8001"), statement_row("8003", balance="1.00")])  # the slow path: check, 422
        assert bad.status_code == 422
    assert len(plans) >= 3
    for plan in plans:  # one probe per row: the account index searched with the row's account, nothing read whole
        assert "Seq Scan on clients_client" not in plan and "Materialize" not in plan, plan
        assert re.search(r"Index Scan using clients_client_account_no\S* on clients_client client[^\n]*\n"
                         r"\s*Index Cond: \(\(account_no\)::text = btrim\(", plan), plan


@pytest.mark.parametrize(("body", "content_type"), [
    (b"{not json", "application/json"),
    (b'{"trade_date": "2026-11-20", "rows": {}}', "application/json"),
    (b"[1, 2]", "application/json"),
    (b"\xff\xfe", "application/json"),
    (b"<xml/>", "application/xml"),
])  # fmt: skip
def test_unreadable_body_is_400(api, body, content_type):
    response = api.client.post("/api/v1/settlement/statements", body, content_type=content_type, **api.headers)
    assert response.status_code == 400


@pytest.mark.parametrize(("trade_date", "code"), [
    ("2026-11-21", "not_trading_day"),  # a Saturday
    ("2026-10-01", "not_trading_day"),  # National Day
    ("20261120", "invalid"),
    (None, "required"),
])  # fmt: skip
def test_trade_date_must_be_a_trading_day(api, trade_date, code):
    response = api.push([statement_row("8001")], trade_date=trade_date)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == code


def test_future_trade_date_is_refused(api):

    future = timezone.localdate() + datetime.timedelta(days=7)
    TradingDay.objects.update_or_create(date=future, defaults={"is_trading_day": True})
    response = api.push([statement_row("8001")], trade_date=future.isoformat())
    assert response.json()["errors"][0]["code"] == "future"


def test_closed_day_is_409_until_reopened(api):
    api.push([statement_row("8001")])
    SettlementDay.objects.filter(trade_date=TRADE_DATE).update(status=SettlementDay.Status.CLOSED)
    response = api.push([statement_row("8001", deposit="1.00")])
    assert response.status_code == 409
    assert str(DailyStatement.objects.get(client__account_no="8001").deposit) == "0.00"


@pytest.mark.parametrize("chinese", [False, True])
@pytest.mark.parametrize("charset", ["utf-8", "gb18030"])
def test_csv_with_english_or_chinese_header_in_utf8_or_gb18030(api, chinese, charset):
    rows = [statement_row("8001", margin_call="是"), statement_row("8002", forced_liquidation="0")]
    response = api.push_csv(rows, chinese=chinese, charset=charset)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    assert DailyStatement.objects.get(client__account_no="8001").margin_call is True


def test_csv_errors_name_the_row(api):
    rows = [statement_row("8001"), statement_row("8002", commission="-3")]
    response = api.push_csv(rows)
    assert response.status_code == 422
    assert response.json()["errors"][0]["row"] == 2


def test_csv_with_a_ragged_line_is_422_naming_the_row(api):
    header = "account_no,pre_balance,deposit,withdrawal,close_profit,position_profit,commission,balance,margin," \
             "available,trade_volume,position_volume\n"
    body = header + "8001,1,0,0,0,0,0,1,0,1,0,0\n8002,1,0,0\n"
    response = api.client.post(f"/api/v1/settlement/statements?trade_date={TRADE_DATE}", body.encode(),
                               content_type="text/csv; charset=utf-8", **api.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["row"] == 2
    assert not DailyStatement.objects.exists()


def test_csv_with_unknown_or_missing_columns_is_400(api):
    body = "account_no,pre_balance,surprise\n8001,1,2\n"
    response = api.client.post(f"/api/v1/settlement/statements?trade_date={TRADE_DATE}", body.encode(),
                               content_type="text/csv; charset=utf-8", **api.headers)
    assert response.status_code == 400
    assert "surprise" in response.json()["detail"] and "balance" in response.json()["detail"]


def test_idempotency_key(api):
    rows = [statement_row("8001")]
    first = api.push(rows, HTTP_IDEMPOTENCY_KEY="push-1")
    assert first.json()["created"] == 1
    retry = api.push(rows, HTTP_IDEMPOTENCY_KEY="push-1")
    assert retry.status_code == 200
    assert retry.json() == first.json()  # the stored first response, not "unchanged: 1"
    other_body = api.push([statement_row("8001", deposit="5")], HTTP_IDEMPOTENCY_KEY="push-1")
    assert other_body.status_code == 422
    assert other_body.json()["errors"][0]["code"] == "key_reused"
    assert str(DailyStatement.objects.get(client__account_no="8001").deposit) == "0.00"


def _fifty_thousand_clients():
    with connection.cursor() as cursor:  # 50,000 plain clients, made in SQL for speed
        cursor.execute("""INSERT INTO clients_client (account_no, name, client_type, branch_id, opened_on, id_type,
                          id_number_ciphertext, id_number_hash, phone_ciphertext, phone_hash, phone_last4, email,
                          address, home_region, investor_category, risk_tolerance, marketing_opt_in, created_at,
                          updated_at)
                          SELECT '7' || lpad(n::text, 6, '0'), 'c', 'individual', b.id, '2024-01-01', '', '', '',
                                 '', '', '', '', '', '', 'ordinary', '', false, now(), now()
                          FROM generate_series(0, 49999) n, clients_branch b WHERE b.code = 'BJ01'""")


def test_idempotency_key_on_a_full_50000_row_push_replays_byte_for_byte(api):
    """Issue 13 item 2: keys used to work only below about 6,000 rows (Django's 2.5 MB upload limit)."""
    _fifty_thousand_clients()
    rows = [statement_row(f"7{number:06d}", exchange_margin="0.00", margin_call=False, forced_liquidation=False)
            for number in range(50_000)]
    first = api.push(rows, HTTP_IDEMPOTENCY_KEY="day-2026-11-20-part-1")
    assert first.status_code == 200, first.content[:500]
    assert first.json()["created"] == 50_000
    retry = api.push(rows, HTTP_IDEMPOTENCY_KEY="day-2026-11-20-part-1")
    assert (retry.status_code, retry.content) == (200, first.content)  # the same bytes, not "unchanged: 50000"


@pytest.mark.parametrize("key", ["k" * 201, "with space", "钥匙", "tab\tkey"])
def test_an_idempotency_key_outside_the_contract_is_refused_with_422(api, key):
    response = api.push([statement_row("8001")], HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not DailyStatement.objects.exists()


def test_the_longest_key_the_contract_allows_works(api):
    key = "k" * 200
    first = api.push([statement_row("8001")], HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 200
    assert api.push([statement_row("8001")], HTTP_IDEMPOTENCY_KEY=key).content == first.content


@pytest.mark.parametrize("with_key", [False, True])
def test_a_body_over_the_endpoints_limit_answers_413_in_json(api, monkeypatch, with_key):
    monkeypatch.setattr(StatementPushView, "max_body_bytes", 2_000)
    headers = {"HTTP_IDEMPOTENCY_KEY": "big"} if with_key else {}
    response = api.push([statement_row("8001")] * 20, **headers)
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"
    assert not DailyStatement.objects.exists()


def test_idempotency_key_replays_a_stored_refusal_too(api):
    bad = [statement_row("9999")]
    first = api.push(bad, HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 422
    assert api.push(bad, HTTP_IDEMPOTENCY_KEY="k").json() == first.json()


def test_statements_outside_the_pre_created_partitions_get_their_own(api):

    old = datetime.date(2023, 6, 1)
    TradingDayFactory(date=old, is_trading_day=True)
    assert api.push([statement_row("8001")], trade_date=old.isoformat()).status_code == 200
    assert DailyStatement.objects.filter(trade_date=old).count() == 1


def _statements_run_by(push) -> list[str]:

    executed = []

    def record(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = push()
    assert response.status_code == 200, response.json()
    return executed


def test_clean_rows_take_the_fast_path_and_words_only_sql_reads_the_slow_one(api):
    """sql.py: rows PostgreSQL reads as typed are written by one guarded upsert with no text staging; a value only
    the slow path reads (是) still lands, through the staging, with the same counts."""
    fast = _statements_run_by(lambda: api.push([statement_row("8001"), statement_row("8002")]))
    assert not any("statement_staging" in statement for statement in fast)
    assert any("INSERT INTO settlement_dailystatement_202611" in statement for statement in fast)

    slow = _statements_run_by(lambda: api.push([statement_row("8001", margin_call="是"), statement_row("8003")]))
    assert any("CREATE TEMPORARY TABLE statement_staging" in statement for statement in slow)
    assert DailyStatement.objects.get(client__account_no="8001").margin_call is True
    assert DailyStatement.objects.count() == 3


def test_a_days_first_push_is_a_plain_insert_and_a_stored_account_turns_it_into_the_upsert(api):
    """sql.write_statements: the first push of a day's accounts is a plain INSERT; one account already stored
    (unique_violation) undoes it, and the upsert writes the whole request with exact counts."""
    first = _statements_run_by(lambda: api.push([statement_row("8001"), statement_row("8002")]))
    writes = [statement for statement in first if "INSERT INTO settlement_dailystatement_202611" in statement]
    assert len(writes) == 1 and "ON CONFLICT" not in writes[0]

    again = _statements_run_by(lambda: api.push([statement_row("8003"), statement_row("8002", deposit="5.00")]))
    writes = [statement for statement in again if "INSERT INTO settlement_dailystatement_202611" in statement]
    assert ["ON CONFLICT" in statement for statement in writes] == [False, True]
    assert not any("statement_staging" in statement for statement in again)
    response = api.push([statement_row("8003"), statement_row("8002", deposit="5.00")])
    assert response.json()["unchanged"] == 2
    assert str(DailyStatement.objects.get(client__account_no="8002").deposit) == "5.00"
    assert DailyStatement.objects.count() == 3


@pytest.mark.parametrize(("field", "value"), [("margin", "12.345"), ("pre_balance", "NaN")])
def test_the_fast_path_guard_refuses_what_the_table_constraints_cannot_see(api, field, value):
    """numeric(17, 2) would round 12.345 to 12.35 and NaN satisfies the identity (NaN = NaN): both must be 422."""
    row = statement_row("8001")
    row[field] = value
    row["balance"] = "NaN" if value == "NaN" else row["balance"]
    response = api.push([row])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert not DailyStatement.objects.exists()


def test_a_row_with_the_right_number_of_fields_but_one_unknown_is_named(api):
    row = statement_row("8001", exchange_margin="0", margin_call=False, forced_liquidation=False)
    assert len(row) == 16
    row["bonus"] = row.pop("forced_liquidation")  # 16 keys, one of them not in the contract
    response = api.push([statement_row("8002"), row])
    assert response.status_code == 422
    assert [(error["row"], error["field"], error["code"]) for error in response.json()["errors"]] == [
        (2, "row", "unknown_field")]


def test_a_push_for_a_month_without_a_partition_creates_it(api):
    """docs/statement-storage.md: partitions outside the migration's years are created on first use."""
    TradingDay.objects.update_or_create(date=datetime.date(2023, 6, 1), defaults={"is_trading_day": True})
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('settlement_dailystatement_202306')")
        assert cursor.fetchone() == (None,)
    response = api.push([statement_row("8001")], trade_date="2023-06-01")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('settlement_dailystatement_202306')::text")
        assert cursor.fetchone() == ("settlement_dailystatement_202306",)
    assert DailyStatement.objects.get(trade_date=datetime.date(2023, 6, 1)).client.account_no == "8001"


def test_json_bodies_decode_as_typed_rows_and_anything_else_as_before(api):
    """services.json_batch: the usual body becomes StatementRow rows (msgspec, in C); one unknown field sends the
    whole body through json.loads, and both store the same figures."""
    body = {"trade_date": TRADE_DATE, "rows": [statement_row("8001", deposit="10.50")]}
    assert type(json_batch(json.dumps(body).encode()).json_rows[0]) is StatementRow
    body["rows"][0]["bonus"] = "1"
    assert type(json_batch(json.dumps(body).encode()).json_rows[0]) is dict

    assert api.push([statement_row("8001", deposit="10.50")]).status_code == 200
    assert str(DailyStatement.objects.get(client__account_no="8001").deposit) == "10.50"


@pytest.mark.parametrize(("number", "status", "stored"), [
    (b"100000.005", 422, None),  # a JSON number keeps its text: a third decimal place is refused, not rounded
    (b"100000.50", 200, "100000.50"),
    (b"1.0000050e5", 200, "100000.50"),  # = 100000.50 exactly
    (b"NaN", 422, None),  # not JSON, but json.loads reads it: refused as before
])  # fmt: skip
def test_json_numbers_are_read_exactly(api, number, status, stored):
    row = statement_row("8001", pre_balance="100000.50")
    body = json.dumps({"trade_date": TRADE_DATE, "rows": [row]}).replace('"pre_balance": "100000.50"',
                                                                         '"pre_balance": ' + number.decode())
    assert number.decode() in body
    response = api.client.post("/api/v1/settlement/statements", body, content_type="application/json",
                               **api.headers)
    assert response.status_code == status, response.json()
    if stored is None:
        assert response.json()["errors"][0]["field"] in {"pre_balance", "balance"}
        assert not DailyStatement.objects.exists()
    else:
        assert str(DailyStatement.objects.get(client__account_no="8001").pre_balance) == stored
