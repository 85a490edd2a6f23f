#!/usr/bin/env python
"""Benchmark (issue 6): the advisor workbench and the managers' service dashboard at 100,000 clients with a year of
contact records; median of 20 requests each, through Django's full request handling.

    .venv/bin/python bench/service.py [--clients 100000]

A fresh database on the benchmark's own embedded PostgreSQL (.data/bench)."""

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

from django.contrib.auth import get_user_model
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client

from clients.models import Branch, StaffProfile
from clients.roles import Role
from clients.services import staff_profile_save

NAME = "futcrm_bench_service"


def fresh_database() -> None:
    connection.close()
    connection.settings_dict["NAME"] = "postgres"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{NAME}"')
    connection.close()
    connection.settings_dict["NAME"] = NAME
    call_command("migrate", verbosity=0)


def populate(clients: int) -> dict:


    branches = [Branch.objects.create(code=f"S{n}", name=f"营业部{n}") for n in range(5)]
    users = {}
    for role, branch, code in [(Role.HEAD_OFFICE, None, "HQ"), (Role.BRANCH_MANAGER, branches[0], "BM"),
                               (Role.ADVISOR, branches[0], "ADV0")]:
        user = get_user_model().objects.create(username=f"bench-{code}")
        users[role] = staff_profile_save(StaffProfile(user=user, role=role, branch=branch, staff_code=code,
                                                      full_name=code))
    for n in range(1, 200):  # 200 advisors over the 5 branches, about 500 clients each
        staff_profile_save(StaffProfile(user=get_user_model().objects.create(username=f"bench-adv{n}"),
                                        role=Role.ADVISOR, branch=branches[n % 5], staff_code=f"ADV{n}",
                                        full_name=f"顾问{n}"))
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO clients_client (account_no, name, client_type, branch_id, advisor_id, opened_on, id_type,
                id_number_ciphertext, id_number_hash, phone_ciphertext, phone_hash, phone_last4, email, address,
                home_region, investor_category, risk_tolerance, marketing_opt_in, created_at, updated_at,
                last_trade_date)
            SELECT 'S' || lpad(n::text, 7, '0'), 'c' || n, 'individual', a.branch_id, a.id,
                   date '2018-01-01' + (n %% 2500), '', '', '', '', '', '', '', '', '', 'ordinary', '', n %% 2 = 0,
                   now(), now(), CASE WHEN n %% 10 = 0 THEN NULL ELSE date '2025-06-01' END
            FROM generate_series(1, %(clients)s) AS n
            JOIN (SELECT id, branch_id, row_number() OVER (ORDER BY id) - 1 AS k FROM clients_staffprofile
                  WHERE role = 'advisor') AS a ON a.k = n %% 200""", {"clients": clients})
        # A year of contacts: about 5 per client.
        cursor.execute("""
            INSERT INTO service_log_contactrecord (client_id, staff_id, contacted_at, channel, direction, category,
                summary, outcome, next_follow_up)
            SELECT c.id, c.advisor_id, now() - make_interval(days => (random() * 365)::int), 'phone',
                   CASE WHEN random() < 0.8 THEN 'outbound' ELSE 'inbound' END, 'guidance', 'call', '',
                   CASE WHEN random() < 0.02 THEN current_date - (random() * 10)::int END
            FROM clients_client c CROSS JOIN generate_series(1, 5)""")
        # Current tiers: a final month for everyone, a few percent VIP.
        cursor.execute("""
            INSERT INTO tiering_tierassignment (client_id, month, tier, avg_equity, avg_commission, trading_days,
                decided_by, policy_id, state, computed_at, branch_id, advisor_id)
            SELECT id, date_trunc('month', current_date - 31)::date,
                   CASE WHEN random() < 0.03 THEN 'gold' WHEN random() < 0.1 THEN 'quality' ELSE 'effective' END,
                   0, 0, 20, 'bench', 1, 'final', now(), branch_id, advisor_id FROM clients_client""")
        cursor.execute("""
            INSERT INTO risk_keymonitoring (client_id, reason, started_on, last_trigger_on, end_reason, note)
            SELECT id, 'large_loss', current_date, current_date, '', '' FROM clients_client WHERE random() < 0.02""")
        cursor.execute("""
            INSERT INTO service_log_complaint (client_id, channel, category, severity, description, status,
                received_at, acknowledge_by, resolve_by, root_cause, resolution, compensation, escalated)
            SELECT id, 'phone', 'fees', 'medium', 'x', 'received', now() - interval '1 day',
                   now() + interval '1 hour', now() + interval '14 days', '', '', 0, false
            FROM clients_client WHERE random() < 0.02""")
        cursor.execute("""
            INSERT INTO service_log_surveyresponse (client_id, survey, score, comment, answered_at)
            SELECT id, 'Q' || (n % 4), 1 + (random() * 4)::int, '', now() - make_interval(days => n * 30)
            FROM clients_client CROSS JOIN generate_series(0, 3) AS n WHERE random() < 0.05""")
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*) FROM service_log_contactrecord")
        contacts = cursor.fetchone()[0]
    return {"users": users, "contacts": contacts}


def median_ms(user, path: str) -> float:

    browser = Client()
    browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    timings = []
    for _ in range(21):
        started = time.perf_counter()
        response = browser.get(path)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings[1:]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--smoke", action="store_true",
                        help="a size that runs in seconds: the test suite runs it so the benchmark cannot rot")
    arguments = parser.parse_args()
    if arguments.smoke:
        arguments.clients = 1_000

    fresh_database()
    data = populate(arguments.clients)
    users = data["users"]
    print(f"{arguments.clients:,} clients, {data['contacts']:,} contact records over a year; median of 20 requests:")
    for label, role, path in [("workbench, an advisor (500 clients)", Role.ADVISOR, "/workbench/"),
                              ("workbench, a branch manager (20,000 clients)", Role.BRANCH_MANAGER, "/workbench/"),
                              ("service dashboard, head office (all clients)", Role.HEAD_OFFICE, "/dashboard/service/"),
                              ("service dashboard, a branch manager", Role.BRANCH_MANAGER, "/dashboard/service/")]:
        print(f"  {label}: {median_ms(users[role].user, path):6.0f} ms   (target < 300 ms)")


if __name__ == "__main__":
    main()
