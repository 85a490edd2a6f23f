#!/usr/bin/env python
"""Benchmark (issue 33 item 7): intraday snapshots of 100,000 accounts with 300,000 positions on 800 instruments,
pushed over HTTP to the web process (gunicorn), then evaluated (I2–I8); and the desk's JSON.

    .venv/bin/python bench/intraday.py [--accounts 100000] [--smoke]

Each figure is printed beside its target and a baseline measured in the same run:
  - a complete snapshot accepted (HTTP 200), against a plain COPY of the same rows into tables of the same shape;
  - a delta snapshot of 5,000 accounts accepted;
  - the evaluation of each (from the 200 to the alerts committed, run as the intraday worker runs it), against one
    hand-written SQL query that selects the same alerts;
  - the desk's JSON for an advisor and a branch manager;
  - the peak resident memory of the web worker.
Uses its own embedded PostgreSQL and Redis under .data/bench (or DATABASE_URL / REDIS_URL when set)."""

import argparse
import csv
import datetime
import http.client
import io
import json
import os
import random
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FUTCRM_DATA_DIR", str(ROOT / ".data" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "futcrm.settings")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as Browser  # noqa: E402

from bench.statements_ingest import free_port, peak_memory_mb, start_web  # noqa: E402
from clients.models import Branch, StaffProfile  # noqa: E402
from clients.roles import Role  # noqa: E402
from clients.services import staff_profile_save  # noqa: E402
from risk.intraday import intraday_evaluate  # noqa: E402
from risk.models import INTRADAY_KINDS, Alert, AlertEvent, MarketEvent, RiskThresholdSet  # noqa: E402
from settlement import intraday_sql  # noqa: E402
from settlement.services import api_token_issue  # noqa: E402

DAY = datetime.date(2026, 11, 19)  # a Thursday; the bench's statements use other days
BRANCHES, ADVISORS_PER_BRANCH = 10, 10
PRODUCTS, INSTRUMENTS_PER_PRODUCT = 100, 8
INTRADAY_TABLES = ["settlement_intradayposition", "settlement_intradayaccount", "settlement_intradayopening",
                   "settlement_intradaypoint", "settlement_intradayquote", "settlement_intradaysnapshot"]


def prepare_database(accounts: int) -> str:
    call_command("migrate", verbosity=0)
    branches = []
    for number in range(BRANCHES):
        branch, _ = Branch.objects.get_or_create(code=f"IB{number:02d}", defaults={"name": f"压测营业部{number}"})
        branches.append(branch)
    advisors = []
    for branch in branches:
        for number in range(ADVISORS_PER_BRANCH):
            code = f"{branch.code}A{number}"
            profile = StaffProfile.objects.filter(staff_code=code).first()
            if profile is None:
                user = get_user_model().objects.create(username=f"bench_{code.lower()}")
                profile = staff_profile_save(StaffProfile(user=user, role=Role.ADVISOR, branch=branch,
                                                          staff_code=code, full_name=f"顾问{code}"))
            advisors.append(profile)
        if not StaffProfile.objects.filter(staff_code=f"{branch.code}M").exists():
            user = get_user_model().objects.create(username=f"bench_{branch.code.lower()}m")
            staff_profile_save(StaffProfile(user=user, role=Role.BRANCH_MANAGER, branch=branch,
                                            staff_code=f"{branch.code}M", full_name=f"经理{branch.code}"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM clients_client WHERE account_no LIKE 'I%%'")
        if cursor.fetchone()[0] < accounts:
            print(f"creating {accounts:,} clients …", flush=True)
            cursor.execute("""
                WITH advisor AS (SELECT row_number() OVER (ORDER BY id) - 1 AS slot, id, branch_id
                                 FROM clients_staffprofile WHERE staff_code LIKE 'IB%%A%%')
                INSERT INTO clients_client (account_no, name, client_type, branch_id, advisor_id, opened_on, id_type,
                    id_number_ciphertext, id_number_hash, phone_ciphertext, phone_hash, phone_last4, email, address,
                    home_region, investor_category, risk_tolerance, marketing_opt_in, created_at, updated_at)
                SELECT 'I' || lpad(n::text, 7, '0'), '客户' || n, 'individual', advisor.branch_id, advisor.id,
                       date '2020-01-01', '', '', '', '', '', '', '', '', '', 'ordinary', '', false, now(), now()
                FROM generate_series(0, %s - 1) AS n
                JOIN advisor ON advisor.slot = n %% (SELECT count(*) FROM advisor)
                ON CONFLICT (account_no) DO NOTHING""", [accounts])
        for table in INTRADAY_TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE trading_day = %s", [DAY])
        cursor.execute("DELETE FROM risk_alertevent WHERE alert_id IN (SELECT id FROM risk_alert WHERE trade_date = %s"
                       " AND kind IN %s)", [DAY, tuple(INTRADAY_KINDS)])
        cursor.execute("DELETE FROM risk_alert WHERE trade_date = %s AND kind IN %s", [DAY, tuple(INTRADAY_KINDS)])
        cursor.execute("DELETE FROM risk_intradaysummary WHERE trade_date = %s", [DAY])
        cursor.execute("DELETE FROM risk_marketevent WHERE trade_date = %s", [DAY])
        cursor.execute("DELETE FROM core_owedwork WHERE job = 'intraday_evaluation'")
        cursor.execute("DELETE FROM settlement_settlementday WHERE trade_date = %s", [DAY])
        cursor.execute("DELETE FROM settlement_apitoken WHERE name = 'bench intraday'")
        cursor.execute("VACUUM ANALYZE clients_client")
        for table in INTRADAY_TABLES:  # a trading day's rows are new keys: no dead ones left by an earlier run
            cursor.execute(f"VACUUM {table}")
    user, _ = get_user_model().objects.get_or_create(username="bench-settlement")
    return api_token_issue(name="bench intraday", scopes=["settlement:write"], user=user)[1]


def cents(value: int) -> str:
    return f"{'-' if value < 0 else ''}{abs(value) // 100}.{abs(value) % 100:02d}"


class Market:
    """800 instruments of 100 products; 300,000 positions of 100,000 accounts (three each on average), a tenth of
    the accounts heavy in one product."""

    def __init__(self, accounts: int, positions_per_account: int = 3, seed: int = 20261208):
        rng = random.Random(seed)
        self.rng = rng
        self.instruments = []
        for product in range(PRODUCTS):
            code = f"p{product:02d}"
            price = rng.randint(1_000, 80_000)
            for month in range(INSTRUMENTS_PER_PRODUCT):
                self.instruments.append({"instrument": f"{code}{2601 + month}", "product": code,
                                         "multiplier": rng.choice([5, 10, 20]), "pre": price})
        self.last = {item["instrument"]: item["pre"] for item in self.instruments}
        self.accounts = []
        for number in range(accounts):
            held = rng.sample(self.instruments, positions_per_account)
            balance = rng.randint(50_000_00, 5_000_000_00)
            heavy = rng.random() < 0.1
            positions = []
            for index, item in enumerate(held):
                share = 0.55 if heavy and index == 0 else rng.uniform(0.02, 0.12)
                lots = max(1, int(balance / 100 * share / (item["pre"] * item["multiplier"] * 0.1)))
                positions.append((item, rng.choice(["long", "short"]), lots, share))
            self.accounts.append((f"I{number:07d}", balance, positions))

    def move(self, products: list[str], change: float) -> None:
        for item in self.instruments:
            if item["product"] in products:
                self.last[item["instrument"]] = round(item["pre"] * (1 + change))

    def quotes(self) -> list[dict]:
        return [{"instrument": item["instrument"], "exchange": "SHFE", "product": item["product"],
                 "multiplier": item["multiplier"], "last_price": str(self.last[item["instrument"]]),
                 "pre_settlement": str(item["pre"]), "upper_limit": str(round(item["pre"] * 1.07)),
                 "lower_limit": str(round(item["pre"] * 0.93))} for item in self.instruments]

    def state(self, accounts: list) -> tuple[list[dict], list[dict]]:
        funds, positions = [], []
        for account_no, pre, held in accounts:
            profit = margin = 0
            for item, direction, volume, _share in held:
                move = (self.last[item["instrument"]] - item["pre"]) * volume * item["multiplier"]
                gain = move * 100 if direction == "long" else -move * 100
                held_margin = volume * item["multiplier"] * self.last[item["instrument"]] * 10  # 10 %, in cents
                profit += gain
                margin += held_margin
                positions.append({"account_no": account_no, "instrument": item["instrument"],
                                  "direction": direction, "hedge": "speculation", "volume": volume,
                                  "today_volume": 0, "margin": cents(held_margin),
                                  "exchange_margin": cents(held_margin * 8 // 10), "position_profit": cents(gain),
                                  "open_cost": cents(item["pre"] * volume * item["multiplier"] * 100)})
            balance = pre + profit
            funds.append({"account_no": account_no, "pre_balance": cents(pre), "deposit": "0.00",
                          "withdrawal": "0.00", "close_profit": "0.00", "position_profit": cents(profit),
                          "commission": "0.00", "balance": cents(balance), "margin": cents(margin),
                          "exchange_margin": cents(margin * 8 // 10), "frozen_margin": "0.00",
                          "available": cents(balance - margin)})
        return funds, positions


def body(sequence: int, market: Market, accounts: list, *, complete: bool, taken_at: str) -> tuple[bytes, dict]:
    funds, positions = market.state(accounts)
    content = {"trading_day": DAY.isoformat(), "taken_at": taken_at, "sequence": sequence, "complete": complete,
               "quotes": market.quotes(), "accounts": funds, "positions": positions}
    return json.dumps(content).encode(), content


def plain_copy(content: dict) -> float:
    """The baseline: the same rows COPYed into empty tables of the same shape (their keys and checks included)."""
    sections = {"quotes": ("settlement_intradayquote", intraday_sql.QUOTE_FIELDS),
                "accounts": ("settlement_intradayaccount", intraday_sql.ACCOUNT_FIELDS),
                "positions": ("settlement_intradayposition", intraday_sql.POSITION_FIELDS)}
    buffers = {}
    for section, (_table, fields) in sections.items():
        buffer = io.StringIO()
        csv.writer(buffer).writerows([[DAY, *(row[name] for name in fields)] for row in content[section]])
        buffers[section] = buffer.getvalue().encode()
    with connection.cursor() as cursor:
        for section, (table, _fields) in sections.items():
            cursor.execute(f"DROP TABLE IF EXISTS bench_copy_{section}")
            cursor.execute(f"CREATE TABLE bench_copy_{section} (LIKE {table} INCLUDING ALL)")
            if section == "accounts":
                cursor.execute("ALTER TABLE bench_copy_accounts ALTER sequence DROP NOT NULL, "
                               "ALTER taken_at DROP NOT NULL")
            if section == "quotes":
                cursor.execute("ALTER TABLE bench_copy_quotes ALTER sequence DROP NOT NULL")
        started = time.perf_counter()
        for section, (_table, fields) in sections.items():
            cursor.copy_expert(f"COPY bench_copy_{section} (trading_day, {', '.join(fields)}) FROM STDIN "
                               "WITH (FORMAT csv)", io.BytesIO(buffers[section]))
        seconds = time.perf_counter() - started
        for section in sections:
            cursor.execute(f"DROP TABLE bench_copy_{section}")
    return seconds


def post(port: int, token: str, raw: bytes) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("POST", "/api/v1/settlement/snapshots", body=raw,
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = conn.getresponse()
    answer = response.read()
    seconds = time.perf_counter() - started
    conn.close()
    if response.status != 200:
        raise SystemExit(f"snapshot refused with {response.status}: {answer[:1000]!r}")
    return seconds


def warm(port: int, token: str) -> None:
    """One request before the timed ones, as a server that has been up all day has served: the worker's first
    request imports the URL configuration, the views and the API's machinery (about a second, not the push's)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", f"/api/v1/settlement/snapshots/{DAY.isoformat()}", headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status not in (200, 404):
        raise SystemExit(f"the warming request answered {response.status}")


def evaluate(sequence: int) -> tuple[float, int]:
    started = time.perf_counter()
    counts = intraday_evaluate(DAY, sequence)
    return time.perf_counter() - started, counts["raised"] + counts["raised_again"]


# The baseline of the evaluation: one hand-written query selecting the alerts I2–I6 raise on the whole state, with
# the firm-wide lines only (no per-client version exists here), nothing written.
HAND_WRITTEN = """
WITH moves AS (
    SELECT DISTINCT ON (q.product) q.product, q.last_price - q.pre_settlement AS change, q.pre_settlement,
           q.lower_limit, q.upper_limit, q.last_price
    FROM settlement_intradayquote q
    LEFT JOIN (SELECT instrument, sum(volume) AS lots FROM settlement_intradayposition WHERE trading_day = %(day)s
               GROUP BY instrument) h USING (instrument)
    WHERE q.trading_day = %(day)s ORDER BY q.product, coalesce(h.lots, 0) DESC, q.instrument
), held AS (
    SELECT p.account_no, q.product, p.direction, sum(p.margin) AS margin, sum(p.volume) AS volume,
           sum(p.position_profit) AS profit,
           sum(p.volume * q.multiplier * CASE WHEN p.direction = 'long' THEN q.last_price - q.lower_limit
                                              ELSE q.upper_limit - q.last_price END) AS stress
    FROM settlement_intradayposition p
    JOIN settlement_intradayquote q ON q.trading_day = p.trading_day AND q.instrument = p.instrument
    WHERE p.trading_day = %(day)s GROUP BY 1, 2, 3
), product AS (
    SELECT account_no, product, sum(margin) AS margin, bool_or(direction = 'long') AS long,
           bool_or(direction = 'short') AS short FROM held GROUP BY 1, 2
), a AS (SELECT * FROM settlement_intradayaccount WHERE trading_day = %(day)s)
SELECT a.account_no, 'warning', '' FROM a
WHERE a.balance > 0 AND a.margin >= 0.8 * a.balance AND a.margin < 1.0 * a.balance
UNION ALL SELECT a.account_no, 'call', '' FROM a WHERE (a.balance > 0 AND a.margin >= a.balance)
                                                     OR (a.balance <= 0 AND a.margin > 0)
UNION ALL
SELECT a.account_no, 'adverse', p.product FROM product p JOIN a USING (account_no) JOIN moves m USING (product)
WHERE p.margin > 0 AND ((a.balance > 0 AND p.margin >= 0.5 * a.balance) OR (a.balance <= 0)
                        OR (p.margin >= 0.8 * a.margin AND a.balance > 0 AND a.margin >= 0.6 * a.balance))
  AND ((p.long AND (m.change <= -0.02 * m.pre_settlement
                    OR (m.pre_settlement > m.lower_limit
                        AND m.pre_settlement - m.last_price >= 0.5 * (m.pre_settlement - m.lower_limit))))
    OR (p.short AND (m.change >= 0.02 * m.pre_settlement
                     OR (m.upper_limit > m.pre_settlement
                         AND m.last_price - m.pre_settlement >= 0.5 * (m.upper_limit - m.pre_settlement)))))
UNION ALL
SELECT DISTINCT h.account_no, 'stop', h.product FROM held h JOIN a USING (account_no)
LEFT JOIN settlement_intradayopening o ON o.trading_day = %(day)s AND o.account_no = h.account_no
     AND o.product = h.product AND o.direction = h.direction
WHERE h.profit < 0 AND h.profit <= -0.1 * a.pre_balance AND h.volume >= coalesce(o.volume, 0)
UNION ALL
SELECT a.account_no, 'stress', '' FROM (SELECT account_no, sum(stress) AS stress FROM held GROUP BY 1) s
JOIN a USING (account_no) WHERE a.balance - s.stress <= 0
"""


def hand_written() -> tuple[float, int]:
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(HAND_WRITTEN, {"day": DAY})
        rows = cursor.fetchall()
        return time.perf_counter() - started, len(rows)


def desk_json(username: str, runs: int = 15) -> float:
    browser = Browser(HTTP_HOST="127.0.0.1")
    browser.force_login(get_user_model().objects.get(username=username))
    timings = []
    for _ in range(runs + 2):
        started = time.perf_counter()
        response = browser.get("/dashboard/intraday/feed")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings[2:])


def line(name: str, seconds: float, target: float, baseline: float | None = None, what: str = "") -> None:
    ratio = f"   ratio {seconds / baseline:5.2f} to {what} ({baseline * 1000:,.0f} ms)" if baseline else ""
    verdict = "ok" if seconds <= target else "OVER"
    print(f"  {name:<52} {seconds * 1000:8,.0f} ms   target ≤ {target * 1000:,.0f} ms [{verdict}]{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--delta", type=int, default=5_000)
    parser.add_argument("--smoke", action="store_true", help="a size that runs in seconds (the suite runs it)")
    arguments = parser.parse_args()
    if arguments.smoke:
        arguments.accounts, arguments.delta = 500, 50
    token = prepare_database(arguments.accounts)
    if RiskThresholdSet.objects.in_force() is None:
        raise SystemExit("no approved risk thresholds in the bench database")
    print(f"generating {arguments.accounts:,} accounts …", flush=True)
    market = Market(arguments.accounts)
    raw, content = body(1, market, market.accounts, complete=True, taken_at="2026-11-19T09:01:00+08:00")
    copy_seconds = plain_copy(content)
    positions, quotes = len(content["positions"]), len(content["quotes"])
    del content

    port = free_port()
    web = start_web(port, 1)
    try:
        warm(port, token)
        complete_seconds = post(port, token, raw)
        complete_evaluation, complete_alerts = evaluate(1)
        hand_seconds, hand_rows = hand_written()
        # a delta: three heavy products fall 3.5 % (market events); the accounts holding them re-sent
        movers = sorted({held[0][0]["product"] for held in (account[2] for account in market.accounts[:50])})[:3]
        market.move(movers, -0.035)
        delta_accounts = market.accounts[:arguments.delta]
        delta_raw, _content = body(2, market, delta_accounts, complete=False, taken_at="2026-11-19T10:01:00+08:00")
        delta_seconds = post(port, token, delta_raw)
        delta_evaluation, delta_alerts = evaluate(2)
        hand_delta_seconds, _rows = hand_written()
        peak = peak_memory_mb(web)
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=60)
    advisor = desk_json("bench_ib00a0")
    manager = desk_json("bench_ib00m")
    alerts = Alert.objects.filter(trade_date=DAY, kind__in=INTRADAY_KINDS).count()
    print(f"\nintraday snapshots, {arguments.accounts:,} accounts, {positions:,} positions, {quotes:,} instruments "
          f"({len(raw) / 2**20:,.0f} MB of JSON); a delta of {arguments.delta:,} accounts:")
    line("complete snapshot accepted (HTTP 200)", complete_seconds, 3.0, copy_seconds, "plain COPY")
    print(f"  {'':<52} ratio target ≤ 1.50")
    line(f"complete snapshot evaluated ({complete_alerts:,} alerts)", complete_evaluation, 2.0, hand_seconds,
         f"one hand-written query ({hand_rows:,} rows)")
    line(f"delta snapshot of {arguments.delta:,} accounts accepted", delta_seconds, 0.3)
    line("delta snapshot evaluated", delta_evaluation, 0.3, hand_delta_seconds, "the hand-written query, whole state")
    line("desk JSON, an advisor (median)", advisor, 0.1)
    line("desk JSON, a branch manager (median)", manager, 0.1)
    print(f"  peak resident memory of the web worker: {peak:,.0f} MB")
    print(f"  alerts of the day: {alerts:,}, market events: {MarketEvent.objects.filter(trade_date=DAY).count()}, "
          f"events written: {AlertEvent.objects.filter(alert__trade_date=DAY).count():,}")


if __name__ == "__main__":
    main()
