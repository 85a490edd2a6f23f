"""Intraday snapshots in (settlement-api.md "Intraday snapshots", domain.md I1): the counter's latest state of each
account during the session, all or nothing.

Fast path: the body is decoded in C (msgspec) into rows of the contract's fields, the three sections are COPYed
into typed temporary tables, and a few set-based statements replace the listed accounts' state (every account's,
for a complete snapshot). The tables' constraints and the statements' guards refuse any bad row; the whole write is
then undone and `snapshot_problems` reads the body again in Python to name every problem by section, row and field
(the 422). The evaluation of the snapshot (I2–I8, risk/intraday.py) is owed in the same transaction and queued on
its own queue once it commits."""

import csv
import datetime
import hashlib
import io
import json
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec
import psycopg2
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from clients.models import Client
from core.errors import DomainError, request_error, row_error, text_is_storable
from core.owed import owed_queue, work_owe
from settlement import intraday_sql as sql
from settlement.calendar import DAY_SESSIONS, NIGHT_OPENS, night_session_held
from settlement.models import IntradayAccount, IntradayQuote, IntradaySnapshot, SettlementDay, TradingDay
from settlement.services import MAX_REPORTED_ERRORS, refusal_of_rows

MAX_ACCOUNTS, MAX_POSITIONS, MAX_QUOTES = 100_000, 400_000, 5_000
INTRADAY_EVALUATION = "intraday_evaluation"  # owed work, key "YYYY-MM-DD#sequence" (risk/intraday.py runs it)
INTRADAY_QUEUE = "intraday"  # its own Celery queue: a night's tier recalculation never delays it
EXCHANGES = ("SHFE", "INE", "DCE", "CZCE", "GFEX", "CFFEX")
LATEST_NIGHT_END = datetime.time(2, 30)  # C5: the latest a night session runs (gold, silver, crude oil)

QuoteRow = msgspec.defstruct("QuoteRow", [(name, Any, None) for name in sql.QUOTE_FIELDS],
                             forbid_unknown_fields=True, gc=False)
AccountRow = msgspec.defstruct("AccountRow", [(name, Any, None) for name in sql.ACCOUNT_FIELDS],
                               forbid_unknown_fields=True, gc=False)
PositionRow = msgspec.defstruct("PositionRow", [(name, Any, "speculation" if name == "hedge" else None)
                                                for name in sql.POSITION_FIELDS],
                                forbid_unknown_fields=True, gc=False)
_Body = msgspec.defstruct("SnapshotBody", [
    ("trading_day", Any, None), ("taken_at", Any, None), ("sequence", Any, None), ("complete", Any, False),
    ("quotes", list[QuoteRow], []), ("accounts", list[AccountRow], []), ("positions", list[PositionRow], [])])
_BODY = msgspec.json.Decoder(_Body, float_hook=str)
SECTIONS = {"quotes": sql.QUOTE_FIELDS, "accounts": sql.ACCOUNT_FIELDS, "positions": sql.POSITION_FIELDS}


def snapshot_error(section: str, row: int | None, account_no, field: str, code: str, message: str) -> dict:
    """One entry of the contract's error list, with the section named (settlement-api.md)."""
    return {"section": section, **row_error(row, account_no, field, code, message)}


def _header_error(field: str, code: str, message: str, status: int = 422) -> DomainError:
    return DomainError(message, code=code, field=field, status=status,
                       body={"errors": [snapshot_error("snapshot", None, None, field, code, message)]})


def snapshot_decode(raw: bytes):
    """The body as rows (structs, or dicts when it is not the usual shape: the diagnosis then names why)."""
    if not raw.strip():
        raise DomainError("the body is empty", status=400)
    try:
        return _BODY.decode(raw)
    except msgspec.MsgspecError:
        try:
            body = json.loads(raw, parse_float=str)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise DomainError("body is not valid UTF-8 JSON", status=400) from None
    if not isinstance(body, dict):
        raise DomainError('body must be {"trading_day": …, "sequence": …, "accounts": [ … ], …}', status=400)
    for section in SECTIONS:
        if not isinstance(body.get(section, []), list):
            raise _header_error(section, "invalid", f"{section} must be a list")
    unknown = sorted(set(body) - {"trading_day", "taken_at", "sequence", "complete", *SECTIONS})
    if unknown:
        raise _header_error("body", "unknown_field", f"unknown field(s): {', '.join(unknown)}")
    return body


def _get(body, name, default=None):
    return body.get(name, default) if isinstance(body, dict) else getattr(body, name)


def _rows(body, section: str) -> list:
    return _get(body, section, []) or []


def snapshot_header(body) -> tuple[datetime.date, datetime.datetime, int, bool]:
    """trading_day, taken_at, sequence and complete, checked (settlement-api.md, the header's fields)."""
    day_text, taken_text, sequence, complete = (_get(body, name) for name in
                                                 ("trading_day", "taken_at", "sequence", "complete"))
    try:
        trading_day = datetime.date.fromisoformat(day_text) if isinstance(day_text, str) and len(day_text) == 10 \
            else None
    except ValueError:
        trading_day = None
    if trading_day is None:
        raise _header_error("trading_day", "invalid", "trading_day must be a date YYYY-MM-DD")
    if not TradingDay.objects.trading().filter(date=trading_day).exists():
        raise _header_error("trading_day", "not_trading_day", f"{trading_day} is not a trading day of the calendar")
    today = timezone.localdate()
    next_trading = TradingDay.objects.trading().filter(date__gt=today).order_by("date").first()
    if trading_day > today and (next_trading is None or trading_day > next_trading.date):
        raise _header_error("trading_day", "future", f"{trading_day} is after the next trading day")
    try:
        taken_at = datetime.datetime.fromisoformat(taken_text) if isinstance(taken_text, str) else None
    except ValueError:
        taken_at = None
    if taken_at is None or taken_at.tzinfo is None:
        raise _header_error("taken_at", "invalid", "taken_at must be an ISO 8601 time with its offset")
    if not in_trading_day_sessions(taken_at, trading_day):
        raise _header_error("taken_at", "outside_sessions",
                            f"taken_at {taken_text} is not within the sessions of trading day {trading_day}")
    if type(sequence) is not int or sequence < 1:
        raise _header_error("sequence", "invalid", "sequence must be a whole number ≥ 1")
    if type(complete) is not bool:
        raise _header_error("complete", "invalid", "complete must be true or false")
    return trading_day, taken_at, sequence, complete


def in_trading_day_sessions(moment: datetime.datetime, trading_day: datetime.date) -> bool:
    """C5 for a trading day as the counter counts it (CTP TradingDay): its day sessions (the earliest opening to the
    latest close of any product group) and the night session of the trading day before, from 21:00 to 02:30 the
    next morning at the latest, when that evening holds one."""
    local = timezone.localtime(moment)
    opens = min(start for sessions in DAY_SESSIONS.values() for start, _end in sessions)
    closes = max(end for sessions in DAY_SESSIONS.values() for _start, end in sessions)
    if local.date() == trading_day and opens <= local.time() <= closes:
        return True
    evening = TradingDay.objects.trading().filter(date__lt=trading_day).order_by("-date").first()
    if evening is None or TradingDay.objects.next_after(evening.date) != trading_day:
        return False
    night_opens = timezone.make_aware(datetime.datetime.combine(evening.date, NIGHT_OPENS))
    night_ends = timezone.make_aware(datetime.datetime.combine(evening.date + datetime.timedelta(days=1),
                                                               LATEST_NIGHT_END))
    return night_opens <= local <= night_ends and night_session_held(evening.date)


def _too_large(section: str, count: int, most: int) -> None:
    if count > most:
        raise DomainError(f"{count} {section}; at most {most} per request", status=413, body={"errors": [
            snapshot_error(section, None, None, section, "too_many_rows", f"{count} {section}; at most {most}")]})


def snapshot_ingest(raw: bytes) -> dict:
    """settlement-api.md POST /snapshots: the body checked, the state replaced and the evaluation owed, all or
    nothing. Raises DomainError: 400 unreadable, 409 stale sequence or closed day, 413 too many rows, 422 naming every
    problem."""
    body = snapshot_decode(raw)
    trading_day, taken_at, sequence, complete = snapshot_header(body)
    body_hash = hashlib.sha256(raw).hexdigest()
    quotes, accounts, positions = (_rows(body, section) for section in SECTIONS)
    _too_large("accounts", len(accounts), MAX_ACCOUNTS)
    _too_large("positions", len(positions), MAX_POSITIONS)
    _too_large("quotes", len(quotes), MAX_QUOTES)
    structured = not isinstance(body, dict)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql.LOCK_DAY_SHARED, {"trade_date": trading_day})  # a close waits for this push, and v.v.
        cursor.execute(sql.LOCK_SNAPSHOTS, {"trading_day": trading_day})  # pushes of one day, one at a time
        day = SettlementDay.objects.filter(trade_date=trading_day).first()
        if day is not None and day.status == SettlementDay.Status.CLOSED:
            raise request_error(409, "trading_day", "day_closed",
                                f"settlement day {trading_day} is closed; its session has ended")
        last = IntradaySnapshot.objects.filter(trading_day=trading_day).order_by("-sequence").first()
        if last is not None and sequence <= last.sequence:
            replayed = IntradaySnapshot.objects.filter(trading_day=trading_day, sequence=sequence,
                                                       body_hash=body_hash).first()
            if replayed is not None:  # the same sequence with the same body again: the first answer
                return _answer(replayed)
            raise DomainError("stale sequence", status=409, body={"errors": [snapshot_error(
                "snapshot", None, None, "sequence", "stale",
                f"sequence {sequence} is not after the last accepted sequence {last.sequence} of {trading_day}")]})
        parameters = {"trading_day": trading_day, "sequence": sequence, "taken_at": taken_at, "complete": complete}
        written = structured and _refused(lambda: _write(cursor, (quotes, accounts, positions), parameters))
        if not written:
            raise refusal_of_rows(_problems_or_fail(body, trading_day))
        snapshot = IntradaySnapshot.objects.create(
            trading_day=trading_day, sequence=sequence, taken_at=taken_at, complete=complete, body_hash=body_hash,
            accounts=len(accounts), positions=len(positions), quotes=len(quotes))
        owed = work_owe(INTRADAY_EVALUATION, f"{trading_day.isoformat()}#{sequence}",
                        arguments={"trading_day": trading_day.isoformat(), "sequence": sequence})
        owed_queue([owed], f"the evaluation of snapshot {sequence} of {trading_day}", queue=INTRADAY_QUEUE)
    return _answer(snapshot)


def _answer(snapshot: IntradaySnapshot) -> dict:
    return {"trading_day": snapshot.trading_day.isoformat(), "sequence": snapshot.sequence,
            "accounts": snapshot.accounts, "positions": snapshot.positions, "quotes": snapshot.quotes}


def _csv(rows: list, prefix: tuple = ()) -> io.BytesIO:
    """Rows as CSV for COPY, each after the columns of `prefix` (the sequence …): the C csv module writes them from
    the decoded structs, values as sent (PostgreSQL's input functions read them). Built whole before the COPY: fed to
    it in pieces as it read them, the same rows took longer (the two took turns, never overlapping)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if prefix:
        writer.writerows(prefix + row for row in map(msgspec.structs.astuple, rows))
    else:
        writer.writerows(map(msgspec.structs.astuple, rows))
    return io.BytesIO(buffer.getvalue().encode())  # a lone surrogate raises UnicodeEncodeError: the diagnosis names it


def _copy(cursor, table: str, columns: list[str], rows: list | io.BytesIO, prefix: tuple = ()) -> None:
    """COPY the rows (or their CSV, built already) into the table."""
    data = rows if isinstance(rows, io.BytesIO) else _csv(rows, prefix)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '')",
                       data, 1 << 20)  # size: how much psycopg2 reads at a time


def state_partitions(day: datetime.date) -> tuple[str, str]:
    """The day's partitions of the intraday funds and positions (settlement/sql.py, futcrm_ensure_intraday_partitions)
    made for each trading day as its first snapshot arrives."""
    return f"settlement_intradayaccount_{day:%Y%m%d}", f"settlement_intradayposition_{day:%Y%m%d}"


def intraday_state_clear(day: datetime.date) -> None:
    """I9: the day's funds and positions gone with their partitions, and its first volumes (the points, quotes and
    snapshot records stay for the nightly prune)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS {}, {}".format(*state_partitions(day)))
        cursor.execute("DELETE FROM settlement_intradayopening WHERE trading_day = %s", [day])


def _write(cursor, sections: tuple[list, list, list], parameters: dict) -> bool:
    """The fast path's write: the positions' CSV is built in a second thread while this one writes the quotes and
    the funds (psycopg2 lets go of the interpreter while PostgreSQL works: the two overlap; 0.4 s of a complete
    snapshot)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshot-csv") as pool:
        held_csv = pool.submit(_csv, sections[2])
        return _write_sections(cursor, sections, parameters, held_csv)


def _write_sections(cursor, sections: tuple[list, list, list], parameters: dict, held_csv: Future) -> bool:
    """The fast path's write (intraday_sql.py); False when some row is wrong (the caller undoes it).

    Funds and positions are COPYed straight into the day's partitions (emptied by TRUNCATE for a complete snapshot;
    their checks refuse a wrong value: the COPY fails); what a check cannot see is asked after or before: a key sent
    twice, an account that is not a client, a position of an account not listed or of an instrument never quoted
    today. Quotes go through a temporary table (they are upserted)."""
    quotes, accounts, positions = sections
    listed = [row.account_no for row in accounts]
    accounts_listed = set(listed)
    if not all(type(account_no) is str for account_no in listed) or len(accounts_listed) != len(listed):
        return False  # an account twice (the tables keep no key: this is the key, models.IntradayAccount)
    keys = {(row.account_no, row.instrument, row.direction, row.hedge) for row in positions}
    if len(keys) != len(positions) or not {key[0] for key in keys} <= accounts_listed:
        return False  # a position twice, or of an account not listed
    cursor.execute(sql.CREATE_QUOTES)
    _copy(cursor, "snapshot_quotes", sql.QUOTE_FIELDS, quotes)
    cursor.execute(sql.QUOTE_GUARDS)
    if cursor.fetchone()[0]:  # a third decimal place, NaN, a bad product code, an instrument twice
        return False
    cursor.execute(sql.WRITE_QUOTES, parameters)
    cursor.execute(sql.QUOTED_TODAY, parameters)
    quoted = {instrument for (instrument,) in cursor.fetchall()}
    if not {row.instrument for row in positions} <= quoted:
        return False
    funds, held = state_partitions(parameters["trading_day"])
    cursor.execute(sql.ENSURE_PARTITIONS, parameters)
    if parameters["complete"]:
        cursor.execute(f"TRUNCATE {funds}, {held}")
    else:
        cursor.execute(sql.REPLACE_LISTED.format(funds=funds, held=held), {"listed": listed})
    _copy(cursor, funds, ["sequence", "taken_at", *sql.ACCOUNT_FIELDS], accounts,
          (parameters["sequence"], parameters["taken_at"].isoformat()))
    cursor.execute(sql.UNKNOWN_ACCOUNTS, parameters)
    if cursor.fetchone()[0]:
        return False
    _copy(cursor, held, sql.POSITION_FIELDS, held_csv.result())
    return True


def snapshot_path_record(cursor, trading_day: datetime.date, sequence: int) -> None:
    """I5 and the path (I9): the first volumes of each account seen for the first time today, and a point for each
    account still holding this snapshot's state. Written by the snapshot's evaluation, first thing (risk/intraday.py),
    not by the push: 100,000 points and first volumes cost as much as the funds' COPY, and the counter waits for the
    push's answer. An evaluation that runs after a later snapshot replaced an account leaves that account's point to
    the later snapshot's evaluation; one that runs again (evaluated_at set) writes nothing more."""
    if IntradaySnapshot.objects.filter(trading_day=trading_day, sequence=sequence, evaluated_at__isnull=False).exists():
        return
    cursor.execute(sql.WRITE_OPENINGS_AND_POINTS, {"trading_day": trading_day, "sequence": sequence})


def _refused(write) -> bool:
    """Run the write in a savepoint; a database refusal of some row (SQLSTATE 22, 23, 21000) undoes it: False."""
    try:
        with transaction.atomic():
            if write():
                return True
            raise _Undo
    except _Undo:
        return False
    except UnicodeEncodeError:  # a lone surrogate met while writing the COPY
        return False
    except (DatabaseError, psycopg2.Error) as error:
        code = getattr(error, "pgcode", None) or getattr(error.__cause__, "pgcode", None) or ""
        if not code.startswith(("22", "23", "21000")):
            raise
        return False


class _Undo(Exception):
    """Undoes the savepoint of a write that found a wrong row without the database raising."""


def _problems_or_fail(body, trading_day: datetime.date) -> list[dict]:
    problems = snapshot_problems(body, trading_day)
    if not problems:  # the two readings of the rules disagree: refuse rather than write
        raise RuntimeError("the snapshot's write was refused but its diagnosis finds nothing")
    return problems


# The diagnosis ---------------------------------------------------------------------------------------------------

def _as_dict(row) -> dict | None:
    if isinstance(row, dict):
        return row
    if isinstance(row, msgspec.Struct):
        return msgspec.structs.asdict(row)
    return None


def _decimal(value, places: int, digits: int) -> Decimal | None:
    if value is None or isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) >= Decimal(10) ** (digits - places) or \
            number != number.quantize(Decimal(1).scaleb(-places)):
        return None
    return number


def _whole(value) -> int | None:
    return value if type(value) is int else None


def snapshot_problems(body, trading_day: datetime.date) -> list[dict]:
    """Every problem of the body by section, row and field (the 422), read in Python: only refused bodies come
    here, so clarity wins over speed. The same rules as the fast path's constraints and guards."""
    problems: list[dict] = []

    def add(section, row, account_no, field, code, message):
        if len(problems) < MAX_REPORTED_ERRORS:
            account_no = account_no if isinstance(account_no, str) and text_is_storable(account_no) else None
            problems.append(snapshot_error(section, row, account_no, field, code, message))

    def object_rows(section):
        for number, row in enumerate(_rows(body, section), start=1):
            fields = _as_dict(row)
            if fields is None:
                add(section, number, None, "row", "not_object", "row is not an object")
                continue
            unknown = sorted(set(fields) - set(SECTIONS[section]))
            if unknown:
                add(section, number, fields.get("account_no"), "row", "unknown_field",
                    f"unknown field(s): {', '.join(unknown)}")
            for name, value in fields.items():
                if isinstance(value, str) and not text_is_storable(value):
                    add(section, number, fields.get("account_no"), name, "invalid",
                        f"{name} holds an invalid character")
            yield number, fields

    quoted_now = set()
    seen_instruments: dict[str, int] = {}
    for number, row in object_rows("quotes"):
        instrument = row.get("instrument")
        if not isinstance(instrument, str) or not sql.INSTRUMENT.fullmatch(instrument):
            add("quotes", number, None, "instrument", "invalid", "instrument must be 1–32 letters or digits")
        elif instrument in seen_instruments:
            add("quotes", number, None, "instrument", "duplicate",
                f"instrument {instrument} appears more than once (first in row {seen_instruments[instrument]})")
        else:
            seen_instruments[instrument] = number
            quoted_now.add(instrument)
        if row.get("exchange") not in EXCHANGES:
            add("quotes", number, None, "exchange", "invalid", f"exchange must be one of {' '.join(EXCHANGES)}")
        product = row.get("product")
        if not isinstance(product, str) or not sql.PRODUCT.fullmatch(product):
            add("quotes", number, None, "product", "invalid", "product must be 1–16 letters or digits")
        multiplier = _whole(row.get("multiplier"))
        if multiplier is None or multiplier < 1:
            add("quotes", number, None, "multiplier", "invalid", "multiplier must be a whole number ≥ 1")
        prices = {}
        for name in ("last_price", "pre_settlement", "upper_limit", "lower_limit"):
            price = _decimal(row.get(name), 6, 18)
            if price is None or price <= 0:
                add("quotes", number, None, name, "invalid",
                    f"{name} must be a price above 0 with at most 6 decimal places")
            else:
                prices[name] = price
        if len(prices) == 4 and not prices["lower_limit"] <= prices["last_price"] <= prices["upper_limit"]:
            add("quotes", number, None, "last_price", "out_of_limits",
                "last_price must lie between lower_limit and upper_limit")

    rows = list(object_rows("accounts"))
    sent = {row.get("account_no") for _number, row in rows if isinstance(row.get("account_no"), str)}
    known = set(Client.objects.filter(account_no__in=sent).values_list("account_no", flat=True))
    listed: dict[str, int] = {}
    for number, row in rows:
        account_no = row.get("account_no")
        if not isinstance(account_no, str) or not account_no.strip():
            add("accounts", number, None, "account_no", "required", "account_no is required")
            continue
        if account_no not in known:
            add("accounts", number, account_no, "account_no", "unknown", f"account {account_no} is not a known client")
        if account_no in listed:
            add("accounts", number, account_no, "account_no", "duplicate",
                f"account {account_no} appears more than once (first in row {listed[account_no]})")
        listed.setdefault(account_no, number)
        money = {}
        for name in sql.ACCOUNT_MONEY:
            amount = _decimal(row.get(name), 2, 17)
            if amount is None:
                add("accounts", number, account_no, name, "invalid" if row.get(name) is not None else "required",
                    f"{name} must be a number with at most 2 decimal places and an absolute value below 10^15")
            elif name in sql.NON_NEGATIVE and amount < 0:
                add("accounts", number, account_no, name, "negative", f"{name} must not be negative")
            else:
                money[name] = amount
        if len(money) == len(sql.ACCOUNT_MONEY):
            expected = (money["pre_balance"] + money["deposit"] - money["withdrawal"] + money["close_profit"]
                        + money["position_profit"] - money["commission"])
            if money["balance"] != expected:
                add("accounts", number, account_no, "balance", "identity",
                    "balance must equal pre_balance + deposit - withdrawal + close_profit + position_profit "
                    f"- commission = {expected}")

    position_rows = list(object_rows("positions"))
    wanted = [row.get("instrument") for _number, row in position_rows]
    quoted = quoted_now | set(IntradayQuote.objects.filter(
        trading_day=trading_day, instrument__in=[name for name in wanted if isinstance(name, str)],
    ).values_list("instrument", flat=True))
    keys: dict[tuple, int] = {}
    for number, row in position_rows:
        account_no = row.get("account_no")
        if not isinstance(account_no, str) or account_no not in listed:
            add("positions", number, account_no, "account_no", "not_listed",
                "account_no must be one of this snapshot's accounts")
        instrument = row.get("instrument")
        if not isinstance(instrument, str) or instrument not in quoted:
            add("positions", number, account_no, "instrument", "unknown",
                f"instrument {instrument} is not quoted in this snapshot nor an earlier one of {trading_day}")
        if row.get("direction") not in ("long", "short"):
            add("positions", number, account_no, "direction", "invalid", "direction must be long or short")
        if row.get("hedge") not in ("speculation", "hedge", "arbitrage"):
            add("positions", number, account_no, "hedge", "invalid",
                "hedge must be speculation, hedge or arbitrage")
        volume, today_volume = _whole(row.get("volume")), _whole(row.get("today_volume"))
        if volume is None or volume < 1:
            add("positions", number, account_no, "volume", "invalid", "volume must be a whole number ≥ 1")
        if today_volume is None or today_volume < 0 or (volume is not None and today_volume > volume):
            add("positions", number, account_no, "today_volume", "invalid",
                "today_volume must be a whole number from 0 to volume")
        for name in sql.POSITION_MONEY:
            amount = _decimal(row.get(name), 2, 17)
            if amount is None:
                add("positions", number, account_no, name, "invalid" if row.get(name) is not None else "required",
                    f"{name} must be a number with at most 2 decimal places and an absolute value below 10^15")
            elif name in sql.NON_NEGATIVE and amount < 0:
                add("positions", number, account_no, name, "negative", f"{name} must not be negative")
        key = (account_no, instrument, row.get("direction"), row.get("hedge"))
        if all(isinstance(part, str) for part in key):
            if key in keys:
                add("positions", number, account_no, "instrument", "duplicate",
                    f"one row per (account, instrument, direction, hedge): first in row {keys[key]}")
            keys.setdefault(key, number)
    return problems


def snapshot_status(trading_day: datetime.date) -> dict:
    """What GET /snapshots/{trading_day} says of the settlement side: the last sequence, its taken_at, how many
    accounts are held and whether it is evaluated (the risk floor adds the day's alerts)."""
    last = IntradaySnapshot.objects.filter(trading_day=trading_day).order_by("-sequence").first()
    return {
        "trading_day": trading_day.isoformat(),
        "sequence": last.sequence if last else None,
        "taken_at": timezone.localtime(last.taken_at).isoformat() if last else None,
        "accounts_held": IntradayAccount.objects.filter(trading_day=trading_day).count(),
        "evaluated": bool(last and last.evaluated_at),
    }
