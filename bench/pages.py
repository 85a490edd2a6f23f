#!/usr/bin/env python
"""Benchmark (issue 15 item 1): the pages managers and advisors read, at growing client counts, median of 20
requests after one that warms caches, each beside its target (< 300 ms) and its ratio to a baseline page measured
in the same run (the admin's index: the same stack, login, session and menu, no data).

The database is built once per size in SQL: 40 branches, one of them (BIG) holding a fifth of the clients, ten
advisors a branch; 12 months of tier assignments with their summary (tiering.TierSummary, as the recalculation
writes it); one day of statements. Head office and BIG's manager read each page.

    .venv/bin/python bench/pages.py [--sizes 100000 1000000] [--smoke]

Each size gets a fresh database on the benchmark's own embedded PostgreSQL (.data/bench)."""

import argparse
import os
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

import datetime  # noqa: E402

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client as Browser  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.tiers import use_database  # noqa: E402
from clients.models import Branch, Client, StaffProfile  # noqa: E402
from clients.roles import Role  # noqa: E402
from clients.services import staff_profile_save  # noqa: E402
from core.dates import add_months  # noqa: E402
from tiering.services import tier_summaries_rebuild  # noqa: E402

MONTH = datetime.date(2026, 10, 1)
DAY = datetime.date(2026, 10, 30)
TARGET = 0.300
BRANCHES, ADVISORS_PER_BRANCH = 40, 10
TIERS = "ARRAY['diamond','platinum','gold','quality','effective','dormant','ordinary']"
# A client's tier in a month, the same expression for the month and for its previous month: a skewed spread.
TIER_OF = f"({TIERS})[1 + floor(power(abs(hashtext(c.id::text || '-' || %s)) / 2147483648.0, 0.3) * 7)::int]"


def people_and_clients(clients: int, big_share: int = 5) -> None:
    """The branches, ten advisors each and the clients. `big_share`: BIG holds one client in that many (5: a
    fifth; 1: every client, the worst case of issue 15)."""
    with connection.cursor() as cursor:
        cursor.execute("""INSERT INTO clients_branch (code, name, address, phone)
                          SELECT CASE WHEN n = 1 THEN 'BIG' ELSE 'B' || n END, '营业部' || n, '', ''
                          FROM generate_series(1, %s) AS n""", [BRANCHES])
        for branch in Branch.objects.all():
            for number in range(ADVISORS_PER_BRANCH):
                user = get_user_model().objects.create(username=f"adv-{branch.code}-{number}")
                staff_profile_save(StaffProfile(user=user, role=Role.ADVISOR, branch=branch,
                                                staff_code=f"{branch.code}-{number}", full_name=f"顾问{number}"))
        # BIG holds a fifth of the clients; the rest are spread over the other branches. Advisors round robin.
        cursor.execute("""
            CREATE TEMPORARY TABLE bench_placing AS
            SELECT n, CASE WHEN n %% %(big_share)s = 0 THEN (SELECT id FROM clients_branch WHERE code = 'BIG')
                          ELSE (SELECT id FROM clients_branch WHERE code = 'B' || (2 + n %% %(others)s)) END AS branch
            FROM generate_series(1, %(clients)s) AS n""", {"clients": clients, "others": BRANCHES - 1,
                                                         "big_share": big_share})
        cursor.execute("""
            INSERT INTO clients_client (account_no, name, client_type, branch_id, advisor_id, opened_on, id_type,
                id_number_ciphertext, id_number_hash, phone_ciphertext, phone_hash, phone_last4, email, address,
                home_region, investor_category, risk_tolerance, marketing_opt_in, created_at, updated_at)
            SELECT 'P' || lpad(p.n::text, 8, '0'), '客户' || p.n, 'individual', p.branch,
                   (SELECT s.id FROM clients_staffprofile s WHERE s.branch_id = p.branch
                    ORDER BY s.id OFFSET (p.n / 7) %% %(advisors)s LIMIT 1),
                   date '2015-01-01' + (p.n %% 4000), '', '', '', '', '', lpad((p.n %% 10000)::text, 4, '0'), '',
                   '', '', 'ordinary', '', false, now(), now()
            FROM bench_placing p""", {"advisors": ADVISORS_PER_BRANCH})
        cursor.execute("DROP TABLE bench_placing")


def build(clients: int, big_share: int = 5) -> None:
    """The pages' database: people_and_clients, then their tiers, a day of statements and the service history."""
    people_and_clients(clients, big_share)
    with connection.cursor() as cursor:
        policy = "(SELECT id FROM tiering_tierpolicy ORDER BY version LIMIT 1)"
        months = [add_months(MONTH, -offset) for offset in range(12)]
        for month in months:
            cursor.execute(f"""
                INSERT INTO tiering_tierassignment (client_id, month, tier, previous_tier, avg_equity, avg_commission,
                    trading_days, decided_by, policy_id, state, computed_at, branch_id, advisor_id)
                SELECT c.id, %s, {TIER_OF}, {TIER_OF}, (c.id %% 5000) * 1000.00, (c.id %% 300) * 1.00, 21,
                       'equity>=1000.00', {policy}, 'final', now(), c.branch_id, c.advisor_id
                FROM clients_client c""", [month, month.isoformat(), add_months(month, -1).isoformat()])
            cursor.execute(f"""
                INSERT INTO tiering_tiermonth (month, policy_id, state, trading_days, last_day, clients, computed_at)
                VALUES (%s, {policy}, 'final', 21, NULL, (SELECT count(*) FROM clients_client), now())""", [month])
        cursor.execute("SELECT futcrm_ensure_statement_partition(%s)", [DAY])
        cursor.execute("""
            INSERT INTO settlement_dailystatement (trade_date, client_id, pre_balance, deposit, withdrawal,
                close_profit, position_profit, commission, other_adjustments, balance, margin, exchange_margin,
                available, trade_volume, position_volume, margin_call, forced_liquidation)
            SELECT %s, c.id, b.balance, 0, 0, 0, 0, 0, 0, b.balance, round(b.balance * 0.6, 2), 0,
                   b.balance - round(b.balance * 0.6, 2), 1, 1, false, false
            FROM clients_client c CROSS JOIN LATERAL (SELECT (c.id %% 5000) * 1000.00 + 100 AS balance) b""", [DAY])
    tier_summaries_rebuild(months)
    service_history()
    alert_history()
    card_history()


def service_history() -> None:
    """The risk and service pages' rows: the day's alerts for 2 % of the clients (a third of them overdue), and
    half a contact a client over the last quarter, a tenth of them setting a follow-up."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM risk_alert")
        if cursor.fetchone()[0]:
            return
        cursor.execute("""
            INSERT INTO risk_alert (client_id, trade_date, kind, severity, status, risk_degree, raised_at, due_at,
                escalated, resolution_note, thresholds_id, assigned_to_id)
            SELECT c.id, %(day)s, CASE WHEN c.id %% 3 = 0 THEN 'margin_call' ELSE 'risk_warning' END,
                   CASE WHEN c.id %% 3 = 0 THEN 'high' ELSE 'low' END, 'open', 1.0500,
                   now() - make_interval(hours => (c.id %% 48)::int),
                   now() + make_interval(hours => 24 - (c.id %% 36)::int),
                   false, '', (SELECT id FROM risk_riskthresholdset ORDER BY version DESC LIMIT 1), c.advisor_id
            FROM clients_client c WHERE c.id %% 50 = 0""", {"day": DAY})
        # The contact triggers (S1's open follow-ups) plan their per-row UPDATE while the table is empty, as a
        # sequential scan, and keep that plan for the whole 500,000-row statement (an hour at 1,000,000 clients).
        # Here, and only here, the planner is told to use the indexes.
        with transaction.atomic():
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("""
                INSERT INTO service_log_contactrecord (client_id, staff_id, contacted_at, channel, direction,
                    category, summary, outcome, next_follow_up, alert_id)
                SELECT c.id, c.advisor_id, now() - make_interval(days => (c.id %% 90)::int), 'phone', 'outbound',
                       'guidance', '电话沟通', '',
                       CASE WHEN c.id %% 20 = 0 THEN current_date + (c.id %% 14)::int - 7 END, NULL
                FROM clients_client c WHERE c.id %% 2 = 0 AND c.advisor_id IS NOT NULL""", [])
        cursor.execute("VACUUM ANALYZE")


def card_history() -> None:
    """The month's contribution cards (T13) for every client, as the nightly job writes them (a spread like the
    tiers': a few percent 钻石卡/黑金卡, a tenth 白金卡, the rest 金卡), with the month's firm figures."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM tiering_contributioncard WHERE month = %s LIMIT 1", [MONTH])
        if cursor.fetchone():
            return
        policy = "(SELECT id FROM tiering_contributionpolicy ORDER BY version LIMIT 1)"
        cursor.execute(f"""
            INSERT INTO tiering_contributioncard (client_id, month, card, period_end_equity, commission,
                margin_deviation, commission_deviation, stability, stable, policy_id, branch_id, advisor_id,
                computed_at)
            SELECT c.id, %s, CASE WHEN c.id %% 50 = 0 THEN 'diamond_card' WHEN c.id %% 50 = 1 THEN 'black_gold_card'
                                  WHEN c.id %% 10 = 2 THEN 'platinum_card' ELSE 'gold_card' END,
                   (c.id %% 5000) * 1000.00, (c.id %% 300) * 1.00, 0, 0, 0.001, c.id %% 2 = 0, {policy},
                   c.branch_id, c.advisor_id, now()
            FROM clients_client c""", [MONTH])
        cursor.execute(f"""
            INSERT INTO tiering_contributionmonth (month, policy_id, last_day, clients, total_equity, average_equity,
                average_commission, average_stability, computed_at)
            SELECT %s, {policy}, %s, count(*), sum(period_end_equity), round(avg(period_end_equity), 2),
                   round(avg(commission), 2), 0.001, now()
            FROM tiering_contributioncard WHERE month = %s
            ON CONFLICT (month) DO NOTHING""", [MONTH, DAY, MONTH])
        cursor.execute("VACUUM ANALYZE tiering_contributioncard")


def alert_history() -> None:
    """A month of the risk dashboard's history: the 22 weekdays before today, each with alerts for 2 % of the clients
    (others each day, from every branch), worked and resolved, one in ten contacted after its deadline; and the
    statements' day closed, with the alerted clients above a line in it, so the dashboard counts those at or above
    each threshold among a million statements."""
    with connection.cursor() as cursor:
        # The clients alerted on the statements' day stand above a line in them (85 %, every third one 105 %).
        cursor.execute("""
            UPDATE settlement_dailystatement s
            SET margin = round(balance * CASE WHEN client_id %% 3 = 0 THEN 1.05 ELSE 0.85 END, 2),
                available = balance - round(balance * CASE WHEN client_id %% 3 = 0 THEN 1.05 ELSE 0.85 END, 2)
            WHERE trade_date = %s AND client_id %% 50 = 0 AND margin < balance * 0.85""", [DAY])
        cursor.execute("SELECT 1 FROM risk_alert WHERE trade_date > %s LIMIT 1", [DAY])
        if cursor.fetchone():
            return
        cursor.execute("""
            INSERT INTO settlement_settlementday (trade_date, status, row_count, total_balance, total_commission,
                closed_at, in_month_totals, alerts_raised)
            SELECT %s, 'closed', count(*), sum(balance), sum(commission), now(), false, 0
            FROM settlement_dailystatement WHERE trade_date = %s
            ON CONFLICT (trade_date) DO NOTHING""", [DAY, DAY])
        cursor.execute("""SELECT day::date FROM generate_series(current_date - 35, current_date - 1, interval '1 day')
                          AS day WHERE extract(isodow FROM day) < 6 ORDER BY day DESC LIMIT 22""")
        for (day,) in cursor.fetchall():
            cursor.execute("""
                INSERT INTO risk_alert (client_id, trade_date, kind, severity, status, risk_degree, raised_at, due_at,
                    contacted_at, escalated, resolution_note, thresholds_id, assigned_to_id)
                SELECT c.id, %(day)s, CASE WHEN c.id %% 3 = 0 THEN 'margin_call' ELSE 'risk_warning' END,
                       CASE WHEN c.id %% 3 = 0 THEN 'high' ELSE 'low' END, 'resolved', 1.0500,
                       %(day)s + time '16:00', %(day)s + time '17:00',
                       %(day)s + time '16:00' + make_interval(mins => CASE WHEN c.id %% 10 = 1 THEN 90 ELSE 30 END),
                       false, '已追保', (SELECT id FROM risk_riskthresholdset ORDER BY version DESC LIMIT 1),
                       c.advisor_id
                FROM clients_client c WHERE abs(hashtext(c.id || '-' || %(day)s)) %% 50 = 0""", {"day": day})
        cursor.execute("VACUUM ANALYZE")


def busiest_client() -> Client:
    """Issue 36 item 3: the client page as it is read during a call, for a client with two years of statements,
    500 contacts and 200 alerts (resolved, each with its steps), in BIG."""
    client = Client.objects.filter(branch__code="BIG").order_by("pk")[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM service_log_contactrecord WHERE client_id = %s", [client.pk])
        if cursor.fetchone()[0] >= 500:
            return client
        cursor.execute("""SELECT day::date FROM generate_series(%s::date - 730, %s::date - 1, interval '1 day') AS day
                          WHERE extract(isodow FROM day) < 6 ORDER BY day""", [DAY, DAY])
        days = [day for (day,) in cursor.fetchall()]
        for month in sorted({day.replace(day=1) for day in days}):
            cursor.execute("SELECT futcrm_ensure_statement_partition(%s)", [month])
        cursor.execute("""
            INSERT INTO settlement_dailystatement (trade_date, client_id, pre_balance, deposit, withdrawal,
                close_profit, position_profit, commission, other_adjustments, balance, margin, exchange_margin,
                available, trade_volume, position_volume, margin_call, forced_liquidation)
            SELECT day, %s, 500120.50, 0, 0, 0, 0, 120.50, 0, 500000, 300000, 0, 200000, 4, 2, false, false
            FROM unnest(%s::date[]) AS day ON CONFLICT DO NOTHING""", [client.pk, days])
        cursor.execute("""
            INSERT INTO service_log_contactrecord (client_id, staff_id, contacted_at, channel, direction, category,
                summary, outcome, next_follow_up, alert_id)
            SELECT %s, %s, %s::date - make_interval(days => (n * 730 / 500)::int, hours => -10), 'phone',
                   'outbound', 'guidance', '电话沟通行情与持仓', '', NULL, NULL
            FROM generate_series(1, 500) AS n""", [client.pk, client.advisor_id, DAY])
        cursor.execute("""
            INSERT INTO risk_alert (client_id, trade_date, kind, severity, status, risk_degree, raised_at, due_at,
                contacted_at, escalated, resolution_note, thresholds_id, assigned_to_id)
            SELECT %s, day, 'risk_warning', 'low', 'resolved', 0.8500, day + time '17:30', day + time '23:59',
                   day + time '19:00', false, '已提醒', (SELECT id FROM risk_riskthresholdset ORDER BY version DESC
                   LIMIT 1), %s
            FROM unnest(%s::date[]) WITH ORDINALITY AS d(day, n) WHERE n %% 2 = 0 LIMIT 200""",
                       [client.pk, client.advisor_id, days])
        cursor.execute("""
            INSERT INTO risk_alertevent (alert_id, action, actor_id, at, note)
            SELECT a.id, step.action, NULL, a.raised_at + step.later, ''
            FROM risk_alert a CROSS JOIN (VALUES ('acknowledged', interval '30 minutes'),
                                                 ('resolved', interval '2 hours')) AS step(action, later)
            WHERE a.client_id = %s""", [client.pk])
        cursor.execute("VACUUM ANALYZE")
    return client


def existing_database(name: str) -> bool:
    """Whether an earlier run's database `name` is there; if so it is used, migrated to this code."""
    connection.close()
    connection.settings_dict["NAME"] = "postgres"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
    connection.close()
    if not exists:
        return False
    connection.settings_dict["NAME"] = name
    call_command("migrate", verbosity=0)
    return True


def reusable(name: str, clients: int) -> bool:
    """Whether an earlier run's database of this size is there; if so it is migrated and used as it is."""
    if not existing_database(name) or Client.objects.count() != clients:
        return False
    service_history()  # a database built before the risk and service pages were measured gets their rows
    alert_history()
    card_history()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what the migrations just rewrote, as autovacuum would in time
    return True


def reader(role: str) -> Browser:
    user, created = get_user_model().objects.get_or_create(username=f"bench-{role}")
    if created:
        branch = None if role == Role.HEAD_OFFICE else Branch.objects.get(code="BIG")
        staff_profile_save(StaffProfile(user=user, role=role, branch=branch, staff_code=f"BENCH-{role}",
                                        full_name="压测"))
    browser = Browser()
    browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return browser


def median_of(browser: Browser, url: str, requests: int) -> float:
    timings = []
    for _ in range(requests + 1):
        started = time.perf_counter()
        response = browser.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings[1:])  # the first request warms caches


def pages() -> dict[str, str]:
    client = Client.objects.filter(branch__code="BIG").order_by("pk").first()
    clients = reverse("admin:clients_client_changelist")
    return {
        "tier dashboard": reverse("tier-dashboard") + f"?month={MONTH:%Y-%m}",
        "client list, first page": clients,
        "client list, tier filter": clients + "?tier=gold",
        "client list, name search": clients + "?q=客户12345",
        "client list, last 4 phone digits": clients + "?q=4321",
        "client page": reverse("admin:clients_client_change", args=[client.pk]),
        "client page, the busiest client": reverse("admin:clients_client_change", args=[busiest_client().pk]),
        "tier dashboard, export (CSV)": reverse("tier-dashboard-export", kwargs={"fmt": "csv"})
                                        + f"?month={MONTH:%Y-%m}",
        "risk dashboard": reverse("risk-dashboard"),
        "risk drill-down, the alert list": reverse("admin:risk_alert_changelist"),
        "service dashboard": reverse("service-dashboard"),
        "service drill-down, the contact list": reverse("admin:service_log_contactrecord_changelist"),
        "service drill-down, complaint analysis": reverse("complaint-analysis"),
        "workbench": reverse("workbench"),
        "contribution cards dashboard": reverse("cards-dashboard") + f"?month={MONTH:%Y-%m}",
        "contribution cards, export (CSV)": reverse("cards-dashboard-export", kwargs={"fmt": "csv"})
                                            + f"?month={MONTH:%Y-%m}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--smoke", action="store_true", help="a size that runs in seconds (the test suite runs it)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a database built by an earlier run of the same size (migrated to the current code)")
    parser.add_argument("--all-in-big", action="store_true",
                        help="BIG holds every client (the worst case for a branch manager); a database of its own")
    parser.add_argument("--pages", nargs="*", metavar="WORD",
                        help="only the pages whose name holds one of these words (none: build the databases only)")
    arguments = parser.parse_args()
    requests = 20
    if arguments.smoke:
        arguments.sizes, requests = [1_000], 2
    results: dict[tuple, float] = {}
    for clients in arguments.sizes:
        name = f"futcrm_bench_pages_{clients}" + ("_all_in_big" if arguments.all_in_big else "")
        if arguments.reuse and reusable(name, clients):
            print(f"{clients:,} clients: the database of an earlier run, migrated to this code")
        else:
            use_database(name)
            started = time.perf_counter()
            build(clients, big_share=1 if arguments.all_in_big else 5)
            print(f"{clients:,} clients: database built in {time.perf_counter() - started:.0f} s "
                  f"(12 months of tiers and their summary, one day of statements)")
        for role in (Role.HEAD_OFFICE, Role.BRANCH_MANAGER):
            browser = reader(role)
            baseline = median_of(browser, reverse("admin:index"), requests)
            share = 1 if arguments.all_in_big else 5
            scope = "every client" if role == Role.HEAD_OFFICE else f"BIG's {clients // share:,} clients"
            print(f"  {role} ({scope}); baseline, the admin index: {baseline * 1000:.0f} ms")
            for name, url in pages().items():
                if arguments.pages is not None and not any(word in name for word in arguments.pages):
                    continue
                seconds = median_of(browser, url, requests)
                results[(clients, role, name)] = seconds
                verdict = "ok" if seconds < TARGET else "OVER"
                print(f"    {name:<40} {seconds * 1000:7.0f} ms   target < {TARGET * 1000:.0f} ms  {verdict:<4}"
                      f"  ratio to baseline {seconds / baseline:5.1f}")
    if len(arguments.sizes) > 1:
        small, large = arguments.sizes[0], arguments.sizes[-1]
        print(f"growth from {small:,} to {large:,} clients (× {large / small:.0f}):")
        for (clients, role, name), seconds in results.items():
            if clients == large and (small, role, name) in results:
                print(f"  {role:<15} {name:<40} × {seconds / results[(small, role, name)]:.1f}")


if __name__ == "__main__":
    main()
