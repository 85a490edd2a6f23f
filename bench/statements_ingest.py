#!/usr/bin/env python
"""Benchmark (issue 3): a full day of 1,000,000 statements pushed over HTTP in 50,000-row JSON requests to the
web process (gunicorn), against a plain COPY of the same rows into the same table, in the same run.

    .venv/bin/python bench/statements_ingest.py [--accounts 1000000] [--connections 2] [--smoke]

Uses its own embedded PostgreSQL and Redis under .data/bench (or DATABASE_URL / REDIS_URL when set). Prints the
rows/s of both, their ratio, and the peak resident memory of the web workers."""

import argparse
import csv
import http.client
import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FUTCRM_DATA_DIR", str(ROOT / ".data" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "futcrm.settings")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import psutil
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from core.env import database_url  # noqa: E402
from settlement.services import api_token_issue

INGEST_DATE = "2026-09-18"  # separate, empty monthly partitions for the two loads
COPY_DATE = "2026-10-20"
BATCH = 50_000
COLUMNS = ["pre_balance", "deposit", "withdrawal", "close_profit", "position_profit", "commission",
           "other_adjustments", "balance", "margin", "exchange_margin", "available", "trade_volume",
           "position_volume", "margin_call", "forced_liquidation"]  # fmt: skip


def cents(value: int) -> str:
    return f"{'-' if value < 0 else ''}{abs(value) // 100}.{abs(value) % 100:02d}"


def make_rows(accounts: int, *, all_active: bool = False) -> list[dict]:
    """One day of a broker's accounts, as bench/tiers.py models them: 30 % hold positions, and half of those trade
    on a given day (15 %); the rest only carry their equity. all_active: every account trades and holds (the
    distribution this benchmark used until November 2026, where 95 % did, kept to compare)."""
    rng = random.Random(20261124)
    rows = []
    for number in range(accounts):
        holds = all_active or rng.random() < 0.3
        trades = all_active or (holds and rng.random() < 0.5)
        pre = rng.randint(0, 5_000_000_00)
        deposit = rng.choice([0, 0, 0, rng.randint(1, 100_000_00)])
        commission = rng.randint(0, 500_00) if trades else 0
        close_profit = rng.randint(-50_000_00, 50_000_00) if trades else 0
        position_profit = rng.randint(-50_000_00, 50_000_00) if holds else 0
        balance = pre + deposit + close_profit + position_profit - commission
        margin = max(balance, 0) * rng.randint(0, 90) // 100 if holds else 0
        rows.append({
            "account_no": f"B{number:07d}", "pre_balance": cents(pre), "deposit": cents(deposit),
            "withdrawal": "0.00", "close_profit": cents(close_profit), "position_profit": cents(position_profit),
            "commission": cents(commission), "other_adjustments": "0.00", "balance": cents(balance),
            "margin": cents(margin), "exchange_margin": cents(margin * 8 // 10), "available": cents(balance - margin),
            "trade_volume": rng.randint(1, 20) if trades else 0, "position_volume": rng.randint(1, 50) if holds else 0,
            "margin_call": False, "forced_liquidation": False,
        })  # fmt: skip
    return rows


def prepare_database(accounts: int) -> str:
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO clients_branch (code, name, address, phone) VALUES ('BENCH', '压测营业部', '', '') "
                       "ON CONFLICT (code) DO NOTHING")
        cursor.execute("SELECT count(*) FROM clients_client WHERE account_no LIKE 'B%%'")
        if cursor.fetchone()[0] < accounts:
            print(f"creating {accounts:,} clients …", flush=True)
            cursor.execute("""
                INSERT INTO clients_client (account_no, name, client_type, branch_id, opened_on, id_type,
                    id_number_ciphertext, id_number_hash, phone_ciphertext, phone_hash, phone_last4, email, address,
                    home_region, investor_category, risk_tolerance, marketing_opt_in, created_at, updated_at)
                SELECT 'B' || lpad(n::text, 7, '0'), '客户' || n, 'individual', b.id, date '2020-01-01', '', '', '',
                       '', '', '', '', '', '', 'ordinary', '', false, now(), now()
                FROM generate_series(0, %s - 1) AS n, clients_branch b WHERE b.code = 'BENCH'
                ON CONFLICT (account_no) DO NOTHING""", [accounts])
        for day in (INGEST_DATE, COPY_DATE):
            # Each load gets an empty partition of its own, and no autovacuum of one load steals the CPU of the
            # other while it is being timed.
            cursor.execute("SELECT futcrm_ensure_statement_partition(%s)", [day])
            partition = f"settlement_dailystatement_{day[:4]}{day[5:7]}"
            cursor.execute(f"TRUNCATE {partition}")
            cursor.execute(f"ALTER TABLE {partition} SET (autovacuum_enabled = false)")
            cursor.execute("DELETE FROM settlement_settlementdayevent WHERE day_id = %s", [day])
            cursor.execute("DELETE FROM settlement_settlementday WHERE trade_date = %s", [day])
        cursor.execute("VACUUM ANALYZE clients_client")
        cursor.execute("DELETE FROM settlement_apitoken WHERE name = 'bench'")


    user, _ = get_user_model().objects.get_or_create(username="bench-settlement")
    return api_token_issue(name="bench", scopes=["settlement:write"], user=user)[1]


def plain_copy(rows: list[dict]) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_no, id FROM clients_client WHERE account_no LIKE 'B%%'")
        ids = dict(cursor.fetchall())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([[COPY_DATE, ids[row["account_no"]], *(row[name] for name in COLUMNS)] for row in rows])
    buffer.seek(0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY settlement_dailystatement (trade_date, client_id, {', '.join(COLUMNS)}) "
                           "FROM STDIN WITH (FORMAT csv)", buffer)
    connection.commit() if not connection.get_autocommit() else None
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_web(port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict), "REDIS_URL": settings.REDIS_URL}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "futcrm.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "600", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def peak_memory_mb(master: subprocess.Popen) -> float:
    """Largest VmHWM (peak resident set) among the gunicorn workers, read from /proc."""
    peaks = []
    for pid in Path("/proc").iterdir():
        if not pid.name.isdigit():
            continue
        try:
            status = (pid / "status").read_text()
        except OSError:
            continue
        if f"PPid:\t{master.pid}\n" in status:
            peaks.extend(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM"))
    return max(peaks, default=0.0)


def cpu_seconds() -> dict[str, float]:
    """CPU time so far of the web processes and of the PostgreSQL server processes (psutil comes with pgserver)."""
    totals = {"web": 0.0, "postgres": 0.0, "bench client": 0.0}
    for process in psutil.process_iter(["name", "cmdline", "cpu_times"]):
        command = " ".join(process.info["cmdline"] or [])
        times = process.info["cpu_times"]
        if times is None:
            continue
        used = times.user + times.system
        if "gunicorn" in command:
            totals["web"] += used
        elif process.info["name"] == "postgres":
            totals["postgres"] += used
        elif process.pid == os.getpid():
            totals["bench client"] += used
    return totals


def push_all(port: int, token: str, bodies: list[bytes], connections: int) -> tuple[float, list[dict]]:
    queue = list(enumerate(bodies))
    lock = threading.Lock()
    answers: list[dict] = []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        while True:
            with lock:
                if not queue:
                    break
                _index, body = queue.pop(0)
            conn.request("POST", "/api/v1/settlement/statements", body=body,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = conn.getresponse()
            answer = json.loads(response.read())
            if response.status != 200:
                raise RuntimeError(f"push failed with {response.status}: {str(answer)[:500]}")
            with lock:
                answers.append(answer)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--connections", type=int, default=2, help="concurrent pushes (and gunicorn workers)")
    parser.add_argument("--all-active", action="store_true",
                        help="every account trades and holds a position (close to the old data, for comparison)")
    parser.add_argument("--smoke", action="store_true",
                        help="a size that runs in seconds: the test suite runs it so the benchmark cannot rot")
    arguments = parser.parse_args()
    if arguments.smoke:
        arguments.accounts, arguments.connections = 2_000, 1

    token = prepare_database(arguments.accounts)
    print(f"generating {arguments.accounts:,} statements …", flush=True)
    rows = make_rows(arguments.accounts, all_active=arguments.all_active)
    bodies = [json.dumps({"trade_date": INGEST_DATE, "rows": rows[start:start + BATCH]}).encode()
              for start in range(0, len(rows), BATCH)]

    copy_seconds = plain_copy(rows)
    copy_rate = len(rows) / copy_seconds

    port = free_port()
    web = start_web(port, arguments.connections)
    try:
        before = cpu_seconds()
        seconds, answers = push_all(port, token, bodies, arguments.connections)
        after = cpu_seconds()
        peak = peak_memory_mb(web)
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=60)
    created = sum(answer["created"] for answer in answers)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM settlement_dailystatement WHERE trade_date = %s", [INGEST_DATE])
        stored = cursor.fetchone()[0]
    if created != len(rows) or stored != len(rows):
        raise SystemExit(f"expected {len(rows)} rows, created {created}, stored {stored}")
    with connection.cursor() as cursor:
        for day in (INGEST_DATE, COPY_DATE):
            cursor.execute(f"ALTER TABLE settlement_dailystatement_{day[:4]}{day[5:7]} RESET (autovacuum_enabled)")
    rate = len(rows) / seconds
    traded = sum(row["trade_volume"] > 0 for row in rows) / len(rows)
    held = sum(row["position_volume"] > 0 for row in rows) / len(rows)
    print(f"\nstatements ingest, {len(rows):,} rows in {len(bodies)} requests of {BATCH:,}, "
          f"{arguments.connections} connection(s); {traded:.0%} traded, {held:.0%} held a position:")
    print(f"  end to end (HTTP → gunicorn → PostgreSQL): {seconds:6.2f} s  {rate:10,.0f} rows/s")
    print(f"  baseline plain COPY into the same table:   {copy_seconds:6.2f} s  {copy_rate:10,.0f} rows/s")
    print(f"  ratio to COPY: {rate / copy_rate:.2f}   (targets: ≥ 100,000 rows/s and ≥ 0.50)")
    print(f"  peak resident memory of a web worker: {peak:,.0f} MB   (target: < 1,024 MB)")
    used = {name: after[name] - before[name] for name in after}
    print("  CPU seconds during the push: " + ", ".join(f"{name} {value:.1f}" for name, value in used.items())
          + f" (of {seconds * (os.cpu_count() or 1):.1f} available)")


if __name__ == "__main__":
    main()
