#!/usr/bin/env python
"""Benchmark (issue 16 item 6): the contribution cards of a month (T13–T15) at 1,000,000 clients, the nightly job's
set-based computation (tiering.cards.cards_compute: figures, firm averages, every card written) beside a
hand-written query that computes the same cards with window functions and writes nothing, measured in the same
run on the same data; best of 2 each, with the ratio.

    .venv/bin/python bench/cards.py [--clients 1000000] [--smoke]

The month's first run (every card written) and a run again (nothing changed, nothing written) are both shown.
The data are bench/tiers.py's (one month of statements, a Pareto-like spread of equity, 30 % trading), in its
database for the size on the benchmark's own embedded PostgreSQL (.data/bench), built once and reused."""

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

import django

django.setup()

from django.core.management import call_command
from django.db import connection

from bench.tiers import MONTH, populate
from tiering.cards import cards_compute
from tiering.models import ContributionCard

TARGET = 60.0  # seconds: the nightly job's share for one month, at a million clients

HAND_WRITTEN = """
WITH per_client AS (
    SELECT client_id, sum(commission) AS commission,
           round(stddev_samp((close_profit + position_profit) / pre_balance) FILTER (WHERE pre_balance > 0), 6)
               AS stability,
           sum(balance) FILTER (WHERE trade_date = %(last_day)s) AS equity
    FROM settlement_dailystatement WHERE trade_date BETWEEN %(first)s AND %(last_day)s GROUP BY client_id
), with_firm AS (
    SELECT *, sum(coalesce(equity, 0)) OVER () AS total_equity, sum(commission) OVER () AS total_commission,
           count(*) OVER () AS clients, round(avg(stability) OVER (), 6) AS average_stability
    FROM per_client
), deviations AS (
    SELECT client_id, stability <= average_stability AS stable,
           greatest(round((coalesce(equity, 0) * clients - total_equity) / nullif(total_equity, 0) * 100, 2),
                    round((commission * clients - total_commission) / nullif(total_commission, 0) * 100, 2))
               AS deviation
    FROM with_firm
)
SELECT CASE WHEN deviation > 30 AND stable THEN 'diamond_card' WHEN deviation > 30 THEN 'black_gold_card'
            WHEN deviation >= -30 AND stable THEN 'platinum_card' ELSE 'gold_card' END AS card, count(*)
FROM deviations GROUP BY 1 ORDER BY 1
"""


def use_or_build(clients: int) -> None:
    name = f"futcrm_bench_tiers_{clients}"
    connection.close()
    connection.settings_dict["NAME"] = "postgres"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    connection.settings_dict["NAME"] = name
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    rows = populate(clients)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE settlement_dailystatement")
    print(f"{clients:,} clients, {rows:,} statements of {MONTH:%Y-%m} ({time.perf_counter() - started:.0f} s)")


def best_of(times: int, work) -> tuple[float, object]:
    best, result = None, None
    for _ in range(times):
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def hand_written(last_day):
    with connection.cursor() as cursor:
        cursor.execute(HAND_WRITTEN, {"first": MONTH, "last_day": last_day})
        return dict(cursor.fetchall())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help="a size that runs in seconds (the test suite runs it)")
    arguments = parser.parse_args()
    if arguments.smoke:
        arguments.clients = 1_000
    use_or_build(arguments.clients)
    def first_run():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE tiering_contributioncard")
        return cards_compute(MONTH)

    first, result = best_of(1, first_run)
    ours, again = best_of(2, lambda: cards_compute(MONTH))
    baseline, counts = best_of(2, lambda: hand_written(result["last_day"]))
    written = dict(ContributionCard.objects.filter(month=MONTH).values_list("card").annotate(
        n=django.db.models.Count("*")).order_by())
    print(f"  cards_compute, the month's first run ({result['changed']:,} of {result['cards']:,} cards written)"
          f"  {first:7.2f} s   target < {TARGET:.0f} s  {'ok' if first < TARGET else 'OVER'}"
          f"   ratio to the hand-written query {first / baseline:.2f}")
    print(f"  cards_compute, run again ({again['changed']:,} written), best of 2"
          f"  {ours:7.2f} s   target < {TARGET:.0f} s  {'ok' if ours < TARGET else 'OVER'}"
          f"   ratio to the hand-written query {ours / baseline:.2f}")
    print(f"  hand-written query (reads only)        {baseline:7.2f} s")
    print(f"  the same cards both ways: {written == counts}  {written}" + ("" if written == counts else f" {counts}"))


if __name__ == "__main__":
    main()
