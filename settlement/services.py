"""Settlement writes (settlement-api.md): statement ingestion, closing and reopening settlement days, tokens."""

import csv
import datetime
import hashlib
import io
import json
import operator
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
import psycopg2
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.dates import parse_iso_date
from core.errors import DomainError, request_error, row_error, text_is_storable
from core.owed import owed_queue, work_owe
from settlement import sql
from settlement.models import TOTAL_DIGITS, ApiToken, SettlementDay, SettlementDayEvent, TradingDay

MAX_STATEMENT_ROWS = 50_000
# The work a closed day owes (the day-close workflow, docs/architecture.md), written in the close's transaction.
# Each step of the chain runs after the one before it: R2 alerts, R7 margin-call notices, R3 key monitoring, R4
# risk levels; the month's provisional tiers (T9) wait for nothing. backoffice/workflows.py runs them: these
# names are all this floor knows of the floors above.
RISK_EVALUATION = "risk_evaluation"
DAY_CLOSE_CHAIN = (RISK_EVALUATION, "margin_call_notices", "key_monitoring", "risk_levels")
DAY_CLOSE_TIERS = "tier_recalculation"
MAX_REPORTED_ERRORS = 1_000  # a 50,000-row request that is wrong everywhere still gets a readable answer

MESSAGES = {
    "required": "{field} is required",
    "invalid": "{field} is not valid",
    "negative": "{field} must not be negative",
    "unknown_account": "account {account_no} is not a known client",
    "duplicate": "account {account_no} appears more than once in this request (first in row {detail})",
    "identity": "balance must equal pre_balance + deposit - withdrawal + close_profit + position_profit "
                "- commission + other_adjustments = {detail}",
    "not_object": "row is not an object",
    "unknown_field": "unknown field(s): {detail}",
    "malformed": "{detail}",
}
FIELD_HINTS = {
    "invalid": {
        "trade_volume": "a whole number", "position_volume": "a whole number",
        "margin_call": "true/false/1/0/是/否", "forced_liquidation": "true/false/1/0/是/否",
    },
}  # fmt: skip
DECIMAL_HINT = "a number with at most 2 decimal places and an absolute value below 10^15"


def statement_row_error(row, account_no, field_name, code, detail=None) -> dict:
    """A statement row's problem as the diagnosis (sql.DIAGNOSE) names it, with the contract's message."""
    message = MESSAGES.get(code, "{field} is not valid").format(field=field_name, account_no=account_no,
                                                               detail=detail)
    if code == "invalid":
        message += f": expected {FIELD_HINTS['invalid'].get(field_name, DECIMAL_HINT)}"
    return row_error(row, account_no, field_name, code, message)


def parse_trade_date(value) -> datetime.date:
    """A trading day of the calendar, not in the future (Asia/Shanghai)."""
    try:
        trade_date = parse_iso_date(value)
    except ValueError:
        raise request_error(422, "trade_date", "invalid", "trade_date must be a date YYYY-MM-DD") from None
    if trade_date > timezone.localdate():
        raise request_error(422, "trade_date", "future", f"trade_date {trade_date} is in the future")
    if not TradingDay.objects.filter(date=trade_date, is_trading_day=True).exists():
        raise request_error(422, "trade_date", "not_trading_day",
                            f"{trade_date} is not a trading day in the trading calendar")
    return trade_date


@dataclass
class StatementBatch:
    """A request's rows: parsed JSON rows (StatementRow, or dicts as sent), or CSV text whose header has been
    mapped."""

    trade_date: datetime.date
    json_rows: list | None = None
    csv_text: str | None = None
    csv_columns: list[str] = field(default_factory=list)


# The usual JSON body, decoded in C straight into rows of the contract's fields, in contract order (JSON floats keep
# their exact text). 50,000 rows: 0.04 s against json.loads' 0.10 s. Any other body (an unknown field, a row that
# is not an object, a bare NaN …) is read again by json.loads, so every problem gets the answer it always got.
StatementRow = msgspec.defstruct("StatementRow", [(name, Any, None) for name in sql.STATEMENT_FIELDS],
                                 forbid_unknown_fields=True, gc=False)
_StatementBody = msgspec.defstruct("StatementBody", [("rows", list[StatementRow]), ("trade_date", Any, None)])
_STATEMENT_BODY = msgspec.json.Decoder(_StatementBody, float_hook=str)


def json_batch(raw: bytes) -> StatementBatch:
    """Decode a JSON body {"trade_date": …, "rows": [ … ]}."""
    try:
        body = _STATEMENT_BODY.decode(raw)
        trade_date, rows = body.trade_date, body.rows
    except msgspec.MsgspecError:
        try:
            body = json.loads(raw, parse_float=str)  # decimals keep their exact text
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: thousands of nested [
            raise DomainError("body is not valid UTF-8 JSON", status=400) from None
        if not isinstance(body, dict) or not isinstance(body.get("rows"), list):
            raise DomainError('body must be {"trade_date": …, "rows": [ … ]}', status=400) from None
        trade_date, rows = body.get("trade_date"), body["rows"]
    if trade_date is None:
        raise request_error(422, "trade_date", "required", "trade_date is required")
    _too_many(len(rows))
    return StatementBatch(trade_date=parse_trade_date(trade_date), json_rows=rows)


def _lock_day(cursor, trade_date, *, shared: bool = False) -> SettlementDay:
    cursor.execute(sql.LOCK_DAY_SHARED if shared else sql.LOCK_DAY, {"trade_date": trade_date})
    day, _created = SettlementDay.objects.get_or_create(trade_date=trade_date)
    return day


def _refuse_if_closed(day: SettlementDay | None, trade_date) -> None:
    if day is not None and day.status == SettlementDay.Status.CLOSED:
        raise request_error(409, "trade_date", "day_closed",
                            f"settlement day {trade_date} is closed; reopen it before pushing statements")


_KNOWN_FIELDS = frozenset(sql.STATEMENT_FIELDS)
_FIELD_ORDER = list(sql.STATEMENT_FIELDS)
_ALL_FIELDS = operator.itemgetter(*_FIELD_ORDER)


def _json_rows_as_csv(rows: list) -> tuple[str, list[str]]:
    """JSON rows → CSV for COPY, in C-speed list comprehensions; rows that are not objects or carry unknown keys
    get a `problem` column the diagnosis reports. Values go through as sent: PostgreSQL decides what they are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if rows and type(rows[0]) is StatementRow:  # json_batch decoded every row as one
        writer.writerows(map(msgspec.structs.astuple, rows))
        return buffer.getvalue(), _FIELD_ORDER
    # The usual case, checked and written in C: every row an object holding all the fields (itemgetter finds each)
    # and nothing else (its length).
    if set(map(type, rows)) <= {dict} and set(map(len, rows)) <= {len(_FIELD_ORDER)}:
        try:
            writer.writerows(map(_ALL_FIELDS, rows))
            return buffer.getvalue(), _FIELD_ORDER
        except KeyError:  # as many keys, but not these: start again below
            buffer.seek(0)
            buffer.truncate()
    if all(type(row) is dict and row.keys() <= _KNOWN_FIELDS for row in rows):  # optional fields left out
        writer.writerows([[row.get(name) for name in _FIELD_ORDER] for row in rows])
        return buffer.getvalue(), _FIELD_ORDER
    for row in rows:
        if type(row) is not dict:
            writer.writerow([None] * len(_FIELD_ORDER) + ["not_object"])
            continue
        unknown = sorted(row.keys() - _KNOWN_FIELDS)
        writer.writerow([row.get(name) for name in _FIELD_ORDER]
                        + [f"unknown_field:{', '.join(unknown)}" if unknown else None])
    return buffer.getvalue(), [*_FIELD_ORDER, "problem"]


@dataclass
class _CopySource:
    data: bytes  # UTF-8, the connection's encoding (a StringIO would hold the text at 4 bytes a character)
    columns: list[str]
    header: bool

    def copy_into(self, cursor, table: str) -> int:
        """COPY the rows into `table`; returns how many were read."""
        cursor.copy_expert(f"COPY {table} ({', '.join(self.columns)}) FROM STDIN "
                           f"WITH (FORMAT csv, HEADER {self.header}, NULL '')", io.BytesIO(self.data))
        return cursor.rowcount


def _copy_source(batch: StatementBatch) -> _CopySource:
    if batch.json_rows is None:
        return _CopySource(batch.csv_text.encode(), batch.csv_columns, header=True)  # decoded strictly: encodable
    text, columns = _json_rows_as_csv(batch.json_rows)
    try:
        return _CopySource(text.encode(), columns, header=False)
    except UnicodeEncodeError:  # JSON's \ud800 escapes decode to lone surrogates, which no text can hold
        raise _unencodable(batch.json_rows) from None


def _unencodable(rows: list) -> DomainError:
    """The 422 for JSON rows holding a lone surrogate (an escape like \\ud800 with no partner), each row named."""
    problems = []
    for number, row in enumerate(rows, start=1):
        for name, value in (msgspec.structs.asdict(row) if isinstance(row, StatementRow) else row).items():
            if isinstance(value, str) and not value.isascii() and not text_is_storable(value):
                account_no = row.get("account_no") if isinstance(row, dict) else row.account_no
                problems.append(row_error(number, account_no if text_is_storable(str(account_no)) else None, name,
                                          "invalid", f"{name} holds an invalid character (a lone surrogate)"))
    return refusal_of_rows(problems)



class _Refusal(Exception):
    """Raised by _refused() for the SQLSTATE it was told to pass on (after undoing the statement)."""


def _refused(statement, refusals: tuple[str, ...], *, unless: str | None = None):
    """Run `statement()` in a savepoint (a nested atomic block). A database error whose SQLSTATE starts with one of
    `refusals` undoes it and returns None; SQLSTATE `unless` undoes it and raises _Refusal; any other error
    propagates. (COPY's errors come straight from psycopg2: Django wraps only execute and fetch.)"""
    try:
        with transaction.atomic():
            return statement()
    except (DatabaseError, psycopg2.Error) as error:
        code = getattr(error, "pgcode", None) or getattr(error.__cause__, "pgcode", None) or ""
        if code == unless:
            raise _Refusal(code) from error
        if not code.startswith(refusals):
            raise
        return None


# SQLSTATE classes that mean "some row is wrong": data exception (22: unreadable value, overflow), integrity
# constraint violation (23: NOT NULL, the identity, non-negative amounts), cardinality violation (21000: an
# account twice in one request).
_ROW_REFUSALS = ("22", "23", "21000")
_ALREADY_STORED = "23505"  # unique_violation


def _too_many(received: int) -> None:
    if received > MAX_STATEMENT_ROWS:
        raise request_error(413, "rows", "too_many_rows", f"{received} rows; at most {MAX_STATEMENT_ROWS} per request")


def _write(cursor, trade_date: datetime.date, *, source: str) -> tuple[int, int] | None:
    """Under the day's shared lock: (created, updated), or None when the database refused a row.

    A plain INSERT first (the day's first push of these accounts); when some account is already stored for the
    day (unique_violation, 23505) it is undone and the upsert runs instead."""
    _refuse_if_closed(_lock_day(cursor, trade_date, shared=True), trade_date)
    partition = sql.statement_partition(trade_date)
    cursor.execute(sql.ENSURE_PARTITION, {"trade_date": trade_date, "partition": partition})
    parameters = {"trade_date": trade_date}

    def insert():
        cursor.execute(sql.write_statements(partition, source=source, upsert=False), parameters)
        return cursor.rowcount, 0

    def upsert():
        cursor.execute(sql.write_statements(partition, source=source, upsert=True), parameters)
        return cursor.fetchone()

    try:
        return _refused(insert, _ROW_REFUSALS, unless=_ALREADY_STORED)
    except _Refusal:
        return _refused(upsert, _ROW_REFUSALS)


def _diagnosis(cursor) -> DomainError:
    cursor.execute(sql.DIAGNOSE, {"limit": MAX_REPORTED_ERRORS})
    found = cursor.fetchall()
    if not found:  # the two readings of the rules disagree: refuse rather than write
        raise RuntimeError("statement checks flagged a problem the diagnosis cannot name")
    return refusal_of_rows([statement_row_error(*problem[:5]) for problem in found], total=found[0][5])


def refusal_of_rows(problems: list[dict], *, total: int | None = None) -> DomainError:
    """The contract's 422 for rows: every problem, or the first MAX_REPORTED_ERRORS with `"truncated": true` and
    the total count (settlement-api.md), for the statement and the client pushes alike."""
    total = len(problems) if total is None else total
    body = {"errors": problems[:MAX_REPORTED_ERRORS]}
    if total > len(body["errors"]):
        body.update(truncated=True, error_count=total)
    return DomainError(f"{total} problems in the rows pushed", status=422, body=body)


def statements_ingest(batch: StatementBatch) -> dict:
    """Upsert one trade date's statements, all or nothing (settlement-api.md, daily statements).

    Fast path (sql.py): typed COPY and one guarded upsert. When PostgreSQL cannot read a value or refuses a row,
    the slow path stages the rows as text, checks them, and either writes them (a value only the slow path reads,
    such as 是/否) or raises the 422 that names every problem. Raises DomainError: 409 for a closed day, 413 for
    too many rows, 422 listing every problem."""
    # The day's row is created (and committed) up front: made inside the push's transaction, it would make a
    # concurrent first push of the day wait on its unique key until this whole push commits.
    day, _created = SettlementDay.objects.get_or_create(trade_date=batch.trade_date)
    _refuse_if_closed(day, batch.trade_date)
    if batch.json_rows is not None:
        _too_many(len(batch.json_rows))
    source = _copy_source(batch)
    with transaction.atomic(), connection.cursor() as cursor:
        # In-memory sorts; index lookups of the request's accounts rather than hashing the whole clients table
        # (50,000 probes beat a 1,000,000-row hash build). Probes whatever the statistics say: an ANALYZE that saw
        # only dead rows estimates clients_client empty, and the planner then read it whole once (a sequential scan,
        # or with that off a full index scan kept in a Materialize) and compared every row with every account:
        # minutes for 50,000 rows (tests/test_settlement_statements.py). The staging tables are read whole either
        # way. With those costs disabled the estimates would cross jit_above_cost on servers built with JIT:
        # compiling is not worth it.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL enable_material = off")
        counts = None
        if "problem" not in source.columns:  # no row the JSON reading already found wrong
            cursor.execute("DROP TABLE IF EXISTS statement_incoming")  # an earlier push in the same transaction
            cursor.execute(sql.CREATE_INCOMING)
            received = _refused(lambda: source.copy_into(cursor, "statement_incoming"), ("22",))
            if received is not None:
                _too_many(received)
                counts = _write(cursor, batch.trade_date, source="incoming")
        if counts is None:
            received, counts = _ingest_slowly(cursor, batch.trade_date, source)
        created, updated = counts
    return {"trade_date": batch.trade_date.isoformat(), "received": received, "created": created,
            "updated": updated, "unchanged": received - created - updated}


def _ingest_slowly(cursor, trade_date: datetime.date, source: _CopySource) -> tuple[int, tuple[int, int]]:
    """Text staging, conversion and checks in SQL; the write only when every row passes, else the 422."""
    cursor.execute("DROP TABLE IF EXISTS statement_staging")
    cursor.execute("DROP TABLE IF EXISTS statement_typed")
    cursor.execute(sql.CREATE_STAGING)
    try:
        received = source.copy_into(cursor, "statement_staging")
    except psycopg2.DataError as error:  # a CSV line that cannot be read at all (the 422 undoes the transaction)
        line = re.search(r"line (\d+)", str(error.pgerror or error))
        row = int(line.group(1)) - (1 if source.header else 0) if line else None
        detail = (error.diag.message_primary or str(error)).strip()
        raise DomainError(detail, status=422,
                          body={"errors": [row_error(row, None, "row", "malformed", detail)]}) from None
    _too_many(received)

    def convert() -> bool:
        cursor.execute(sql.CREATE_TYPED)
        return True

    if not _refused(convert, ("22",)):
        raise _diagnosis(cursor)  # some value is not even readable as its type
    cursor.execute(sql.CHECK_TYPED)
    problem_rows, rows, accounts = cursor.fetchone()
    if problem_rows or rows != accounts:
        raise _diagnosis(cursor)
    counts = _write(cursor, trade_date, source="typed")
    if counts is None:
        raise _diagnosis(cursor)
    return received, counts


def _money(value, name: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise request_error(422, name, "invalid", f"{name} must be a decimal number") from None
    if not amount.is_finite() or abs(amount) >= Decimal(10) ** (TOTAL_DIGITS - 2):
        raise request_error(422, name, "invalid", f"{name} must be a number below 10^{TOTAL_DIGITS - 2}")
    if amount != amount.quantize(Decimal("0.01")):
        raise request_error(422, name, "invalid", f"{name} has more than 2 decimal places")
    return amount


def settlement_day_close(*, trade_date: datetime.date, row_count, total_balance, total_commission, user) -> dict:
    """Close a day when the settlement system's control totals equal what is stored, owing in the same
    transaction its risk evaluation and tier recalculation (queued after commit). Otherwise 409 with the expected
    (sent) and actual (stored) figures, and nothing closes."""
    if not isinstance(row_count, int) or isinstance(row_count, bool) or row_count < 0:
        raise request_error(422, "row_count", "invalid", "row_count must be a whole number")
    expected = {"row_count": row_count, "total_balance": _money(total_balance, "total_balance"),
                "total_commission": _money(total_commission, "total_commission")}
    if trade_date > timezone.localdate():  # closed now, its real pushes would later be refused with 409
        raise request_error(422, "trade_date", "future", f"trade_date {trade_date} is in the future")
    if not TradingDay.objects.filter(date=trade_date, is_trading_day=True).exists():
        raise request_error(422, "trade_date", "not_trading_day",
                            f"{trade_date} is not a trading day in the trading calendar")
    with transaction.atomic(), connection.cursor() as cursor:
        day = _lock_day(cursor, trade_date)
        cursor.execute(sql.DAY_TOTALS, {"trade_date": trade_date})
        count, balance, commission = cursor.fetchone()
        actual = {"row_count": count, "total_balance": balance, "total_commission": commission}
        if actual != expected:
            SettlementDayEvent.objects.create(day=day, action=SettlementDayEvent.Action.CLOSE_REFUSED, actor=user,
                                              details={"expected": _json(expected), "actual": _json(actual)})
            failure = DomainError("control totals differ from the statements stored", status=409, body={
                "errors": [{"row": None, "account_no": None, "field": "control_totals", "code": "totals_mismatch",
                            "message": "control totals differ from the statements stored"}],
                "expected": _json(expected), "actual": _json(actual),
            })  # fmt: skip
        else:
            failure = None
            if day.status != SettlementDay.Status.CLOSED:
                day.status = SettlementDay.Status.CLOSED
                day.row_count, day.total_balance, day.total_commission = count, balance, commission
                day.closed_at = timezone.now()
                day.save()
                statement_month_totals(trade_date, include=True)
                SettlementDayEvent.objects.create(day=day, action=SettlementDayEvent.Action.CLOSED, actor=user,
                                                  details=_json(actual))
                _owe_day_close_work(trade_date)
    if failure is not None:
        raise failure  # raised outside the atomic block so the refusal stays in the audit trail
    # The totals were read under the day's lock and a closed day takes no pushes: no need to add them up again.
    return settlement_day_summary(trade_date, totals=(count, balance, commission))


def _owe_day_close_work(trade_date: datetime.date) -> None:
    """In the close's transaction: the work the closed day owes (DAY_CLOSE_CHAIN, then its month's tiers), queued
    once the close commits. Redis down at that moment loses nothing: the sweep finds the rows."""
    key = trade_date.isoformat()
    owed, previous = [], None
    for job in DAY_CLOSE_CHAIN:
        previous = work_owe(job, key, follows=previous)
        owed.append(previous)
    owed.append(work_owe(DAY_CLOSE_TIERS, key, arguments={"month": trade_date.replace(day=1).isoformat()}))
    owed_queue(owed, f"the work of closing {key}")


@transaction.atomic
def settlement_day_reopen(*, trade_date: datetime.date, user, reason: str = "") -> dict:
    """Head office reopens a closed day (audited); statements may be pushed again until it closes anew."""
    with connection.cursor() as cursor:
        day = _lock_day(cursor, trade_date)
    if day.status != SettlementDay.Status.CLOSED:
        raise request_error(409, "trade_date", "day_not_closed", f"settlement day {trade_date} is not closed")
    day.status = SettlementDay.Status.OPEN
    day.closed_at = None
    day.save()
    statement_month_totals(trade_date, include=False)
    SettlementDayEvent.objects.create(day=day, action=SettlementDayEvent.Action.REOPENED, actor=user,
                                      details={"reason": reason})
    return settlement_day_summary(trade_date)


@transaction.atomic
def statement_month_totals(trade_date: datetime.date, *, include: bool) -> None:
    """Add a closing day's statements to its month's StatementMonth rows (include=True), or take a reopened day's
    out again; a day already in (or out of) the totals is left alone. The callers hold the day's lock."""
    day = SettlementDay.objects.select_for_update().get(trade_date=trade_date)
    if day.in_month_totals == include:
        return
    with connection.cursor() as cursor:
        cursor.execute(sql.LOCK_MONTH_TOTALS_SHARED)
        cursor.execute(sql.MONTH_TOTALS, {"trade_date": trade_date, "month": trade_date.replace(day=1),
                                          "bit": 1 << (trade_date.day - 1), "sign": 1 if include else -1})
    day.in_month_totals = include
    day.save(update_fields=["in_month_totals"])


def settlement_day_summary(trade_date: datetime.date, *, totals: tuple | None = None) -> dict:
    """The day's status with its stored totals (row count, Σ balance, Σ commission): `totals` when the caller has
    just read them, else added up now."""
    day = SettlementDay.objects.filter(trade_date=trade_date).first()
    if totals is None:
        with connection.cursor() as cursor:
            cursor.execute(sql.DAY_TOTALS, {"trade_date": trade_date})
            totals = cursor.fetchone()
    count, balance, commission = totals
    return {
        "trade_date": trade_date.isoformat(),
        "status": day.status if day else SettlementDay.Status.OPEN,
        "row_count": count,
        "total_balance": str(balance),
        "total_commission": str(commission),
        "closed_at": day.closed_at.isoformat() if day and day.closed_at else None,
        "alerts_raised": day.alerts_raised if day else 0,
    }


def _json(figures: dict) -> dict:
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in figures.items()}


# Tokens -------------------------------------------------------------------------------------------------------

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_issue(*, name: str, scopes: list[str], user) -> tuple[ApiToken, str]:
    """Create a token; the plain token is returned once and never stored (settlement-api.md, authentication)."""
    unknown = set(scopes) - set(ApiToken.Scope.values)
    if unknown or not scopes:
        raise ValueError(f"scopes must be among {', '.join(ApiToken.Scope.values)}")
    token = "fcrm_" + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(name=name, token_hash=token_hash(token), prefix=token[:12],
                                     scopes=sorted(set(scopes)), user=user)
    return record, token


def csv_batch(raw: bytes, charset: str, trade_date: datetime.date) -> StatementBatch:
    """Decode a CSV body (UTF-8 or GB18030) and map its header, English or the counter's Chinese names."""
    try:
        text = raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        raise DomainError(f"body is not valid {charset} text", status=400) from None
    text = text.lstrip("\ufeff")
    header_line = text.split("\n", 1)[0]
    header = next(csv.reader([header_line]), [])
    by_name = {**{name: name for name in sql.STATEMENT_FIELDS},
               **{chinese: name for name, chinese in sql.STATEMENT_FIELDS.items()}}
    columns, unknown = [], []
    for title in (cell.strip() for cell in header):
        (columns if title in by_name else unknown).append(by_name.get(title, title))
    missing = [name for name in sql.STATEMENT_FIELDS
               if name not in columns and name not in {"other_adjustments", "exchange_margin", "margin_call",
                                                       "forced_liquidation"}]
    if unknown or missing or len(set(columns)) != len(columns):
        problems = []
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if len(set(columns)) != len(columns):
            problems.append("a column appears twice")
        raise DomainError("CSV header: " + "; ".join(problems), status=400)
    return StatementBatch(trade_date=trade_date, csv_text=text, csv_columns=columns)
