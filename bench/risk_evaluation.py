#!/usr/bin/env python
"""Benchmark (issue 5): raising the alerts (R2) of a closed day of 1,000,000 statements, against a single
hand-written SQL query that selects the same alert rows, in the same run.

    .venv/bin/python bench/risk_evaluation.py [--smoke]   (after bench/statements_ingest.py has loaded its day)

Uses the day that bench/statements_ingest.py pushes (2026-09-18) in its database under .data/bench."""

import argparse
import os
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

import datetime  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from risk.services import alerts_evaluate

DAY = datetime.date(2026, 9, 18)

# The same rows, written by hand: default thresholds, no per-client ones, no assignment or deadlines.
BASELINE = """
CREATE TEMPORARY TABLE baseline_alerts AS
SELECT s.client_id, kind
FROM settlement_dailystatement s
CROSS JOIN LATERAL (VALUES
    ('risk_warning', s.balance > 0 AND s.margin >= 0.8 * s.balance AND s.margin < s.balance),
    ('margin_call', (s.balance <= 0 AND s.margin > 0) OR (s.balance > 0 AND s.margin >= s.balance) OR s.margin_call),
    ('forced_liquidation', s.forced_liquidation),
    ('negative_equity', s.balance < 0),
    ('large_fund_movement', s.deposit + s.withdrawal > 500000),
    ('large_loss', s.close_profit + s.position_profit - s.commission <= -200000)
) AS rule(kind, raised)
WHERE s.trade_date = %(day)s AND rule.raised
"""

# The same query with the pre-filter the engine uses: the stricter comparison.
BASELINE_PREFILTERED = BASELINE.replace("WHERE s.trade_date = %(day)s AND rule.raised", """
WHERE s.trade_date = %(day)s AND rule.raised
  AND (s.margin_call OR s.forced_liquidation OR s.balance <= 0 OR s.margin >= 0.8 * s.balance
       OR s.deposit + s.withdrawal > 500000 OR s.close_profit + s.position_profit - s.commission <= -200000)""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="a size that runs in seconds: the test suite runs it so the benchmark cannot rot")
    arguments = parser.parse_args()
    rounds = 1 if arguments.smoke else 3

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM settlement_dailystatement WHERE trade_date = %s", [DAY])
        statements = cursor.fetchone()[0]
    if statements == 0:
        raise SystemExit("no statements for 2026-09-18: run bench/statements_ingest.py first")
    timings = {"baseline": [], "baseline prefiltered": [], "evaluation": []}
    for _ in range(rounds):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM risk_alert WHERE trade_date = %s", [DAY])
            cursor.execute("VACUUM ANALYZE risk_alert")
            started = time.perf_counter()
            cursor.execute(BASELINE, {"day": DAY})
            timings["baseline"].append(time.perf_counter() - started)
            cursor.execute("SELECT count(*) FROM baseline_alerts")
            expected = cursor.fetchone()[0]
            cursor.execute("DROP TABLE baseline_alerts")
            started = time.perf_counter()
            cursor.execute(BASELINE_PREFILTERED, {"day": DAY})
            timings["baseline prefiltered"].append(time.perf_counter() - started)
            cursor.execute("DROP TABLE baseline_alerts")
        started = time.perf_counter()
        raised = alerts_evaluate(DAY)
        timings["evaluation"].append(time.perf_counter() - started)
        if raised != expected:
            raise SystemExit(f"evaluation raised {raised} alerts, the hand-written query selects {expected}")
    baseline, evaluation = min(timings["baseline"]), min(timings["evaluation"])
    print(f"risk evaluation of {statements:,} statements ({raised:,} alerts), best of {rounds}:")
    print(f"  hand-written SELECT of the same rows: {baseline:6.3f} s")
    print(f"  alerts_evaluate (R2, with assignment, deadlines, thresholds in force): {evaluation:6.3f} s")
    print(f"  ratio: {evaluation / baseline:.2f}   (target ≤ 1.50)")
    stricter = min(timings["baseline prefiltered"])
    print(f"  the hand-written query with the engine's pre-filter: {stricter:6.3f} s, "
          f"ratio {evaluation / stricter:.2f}")


if __name__ == "__main__":
    main()
