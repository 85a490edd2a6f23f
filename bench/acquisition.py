#!/usr/bin/env python
"""Benchmark (issue 19 item 7): 300,000 prospects at 1,000,000 clients.

* S25/S32 a day's new accounts (2,000: a thousand are prospects by ID number, five hundred by phone, five hundred
  nobody's) converted and credited as the client-arrived workflow does it (prospects_convert, attributions_open),
  beside a hand-written UPDATE … FROM of the same matches, best of 3, each undone before the next;
* S34 the month's referrer figures computed by the nightly job (referrer_months_compute);
* S27 the funnel dashboard, S34 the referrer report (and its Excel export) and the pages around them (the prospect,
  event, referrer and attribution lists, an event's page, the investor-education records), head office and BIG's
  manager, median of 20 requests after one that warms caches, target < 300 ms, ratio to the admin index and,
  for the dashboard, to a hand-written query of its figures (one GROUPING SETS pass), for the report to summing
  the month's statements by hand (what the stored figures spare the reader).

    .venv/bin/python bench/acquisition.py [--clients 1000000] [--prospects 300000] [--reuse] [--smoke]

The clients are bench/pages.py's (40 branches, BIG with a fifth of them, ten advisors a branch), with two closed
settlement days of last month; the prospects spread over the year, the branches and their advisors, in every stage
(one in ten converted to a client); 50 referrers a branch credited with three accounts in ten (one in twenty of
those changed mid-month); ten events a branch with 100,000 clients as guests, half of them attended, and one
prospect in five invited (half of those attended); the referral and introducing-broker prospects credited to a
referrer of their branch. The benchmark's own embedded PostgreSQL (.data/bench)."""

import argparse
import datetime
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

from django.db import connection, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

import bench.pages as pages  # noqa: E402
from acquisition.models import Event  # noqa: E402
from acquisition.referrers import attributions_open, referrer_months_compute  # noqa: E402
from acquisition.services import prospects_convert  # noqa: E402
from bench.service_desk import by_hand, line  # noqa: E402
from bench.tiers import use_database  # noqa: E402
from clients.models import Branch, Client  # noqa: E402
from clients.roles import Role  # noqa: E402
from core.dates import add_months  # noqa: E402

NEW_ACCOUNTS = 2_000
REFERRERS_PER_BRANCH, EVENTS_PER_BRANCH, GUESTS = 50, 10, 100_000
SOURCES = "ARRAY['event','referral','introducing_broker','marketer','website','walk_in']"
# A prospect's stage: a third only new, then contacted, appointment, lost; one in ten converted (opened … traded).
STAGE = """CASE WHEN n % 10 = 0 THEN (ARRAY['opened','funded','traded'])[1 + (n / 10) % 3]
                WHEN n % 3 = 0 THEN 'new' WHEN n % 3 = 1 THEN (ARRAY['contacted','appointment'])[1 + (n / 3) % 2]
                ELSE (ARRAY['contacted','lost'])[1 + (n / 3) % 2] END"""

PROSPECTS = f"""
INSERT INTO acquisition_prospect (name, phone_ciphertext, phone_hash, phone_last4, id_number_ciphertext,
    id_number_hash, source, branch_id, owner_id, interests, notes, stage, reached, lost_reason, client_id, created_at,
    created_by_id, opened_on, funded_on, traded_on, event_id, referrer_id)
SELECT '潜客' || n, '', 'bench-phone-' || n, lpad((n % 10000)::text, 4, '0'), '', 'bench-id-' || n,
       ({SOURCES})[1 + n % 6], c.branch_id, c.advisor_id, '', '', {STAGE},
       CASE {STAGE} WHEN 'new' THEN 0 WHEN 'contacted' THEN 1 WHEN 'lost' THEN 1 WHEN 'appointment' THEN 2
                    WHEN 'opened' THEN 3 WHEN 'funded' THEN 4 ELSE 5 END,
       CASE WHEN {STAGE} = 'lost' THEN '已在其他公司开户' ELSE '' END,
       CASE WHEN n % 10 = 0 THEN c.id END, now() - make_interval(days => (n % 330)::int, hours => (n % 9)::int),
       NULL,
       CASE WHEN n % 10 = 0 THEN (now() - make_interval(days => (n % 330)::int))::date + 12 END,
       CASE WHEN n % 10 = 0 AND (n / 10) % 3 > 0 THEN (now() - make_interval(days => (n % 330)::int))::date + 15 END,
       CASE WHEN n % 10 = 0 AND (n / 10) % 3 = 2 THEN (now() - make_interval(days => (n % 330)::int))::date + 20 END,
       NULL, NULL
FROM (SELECT row_number() OVER (ORDER BY id) AS n, id, branch_id, advisor_id FROM clients_client
      ORDER BY id LIMIT {{prospects}}) c
"""
STEPS = """
INSERT INTO acquisition_prospectstep (prospect_id, stage, at, by_id, note)
SELECT p.id, s.stage, p.created_at + make_interval(days => s.offset_days), NULL, ''
FROM acquisition_prospect p
CROSS JOIN LATERAL (VALUES ('new', 0, 0), ('contacted', 1, 2), ('appointment', 2, 8), ('opened', 3, 12),
                           ('funded', 4, 15), ('traded', 5, 20), ('lost', 9, 5)) AS s(stage, rank, offset_days)
WHERE (s.stage = 'lost' AND p.stage = 'lost') OR (s.stage = 'contacted' AND p.stage = 'lost')
   OR (s.stage <> 'lost' AND s.rank <= CASE p.stage WHEN 'new' THEN 0 WHEN 'contacted' THEN 1
       WHEN 'appointment' THEN 2 WHEN 'opened' THEN 3 WHEN 'funded' THEN 4 WHEN 'traded' THEN 5 ELSE 0 END)
"""
REFERRERS = """
INSERT INTO acquisition_referrer (code, name, kind, branch_id, staff_id, client_id, agreement_no, active, created_at)
SELECT 'R' || b.id || '-' || n, '居间人' || b.id || '-' || n,
       (ARRAY['intermediary','introducing_broker','intermediary','intermediary'])[1 + n % 4], b.id, NULL, NULL,
       'XY-' || b.id || '-' || n, true, now()
FROM clients_branch b CROSS JOIN generate_series(0, {per_branch} - 1) AS n
"""
ATTRIBUTIONS = """
WITH firsts AS (SELECT branch_id, min(id) AS first FROM acquisition_referrer GROUP BY branch_id)
INSERT INTO acquisition_attribution (client_id, referrer_id, marketer_id, valid_from, valid_until, change_id)
SELECT c.id, CASE WHEN c.id % 10 < 3 THEN f.first + c.id % {per_branch} END, c.advisor_id, c.opened_on,
       CASE WHEN c.id % 200 = 1 THEN date '{changed}' END, NULL
FROM clients_client c JOIN firsts f ON f.branch_id = c.branch_id
"""
CHANGED = """
WITH firsts AS (SELECT branch_id, min(id) AS first FROM acquisition_referrer GROUP BY branch_id)
INSERT INTO acquisition_attribution (client_id, referrer_id, marketer_id, valid_from, valid_until, change_id)
SELECT c.id, f.first + (c.id + 1) % {per_branch}, c.advisor_id, date '{changed}', NULL, NULL
FROM clients_client c JOIN firsts f ON f.branch_id = c.branch_id WHERE c.id % 200 = 1
"""
EVENTS = """
INSERT INTO acquisition_event (title, kind, topics, branch_id, place, online_link, starts_at, ends_at, capacity,
    speakers, created_by_id, created_at, followed_up_at)
SELECT '投资策略报告会' || b.id || '-' || n, (ARRAY['briefing','salon','lecture','qa','training'])[1 + n % 5],
       '["strategy", "risk"]'::jsonb, b.id, '会议室', '', now() - make_interval(days => 30 * n),
       now() - make_interval(days => 30 * n) + interval '2 hours', 100000, '分析师', {user}, now(), now()
FROM clients_branch b CROSS JOIN generate_series(0, {per_branch} - 1) AS n
"""
GUESTS_SQL = """
WITH events AS (SELECT id, branch_id, row_number() OVER (PARTITION BY branch_id ORDER BY id) - 1 AS k,
                       starts_at FROM acquisition_event)
INSERT INTO acquisition_eventguest (event_id, client_id, prospect_id, name, branch_id, advisor_id, code, invited_at,
    sms, sms_error, registered_at, registered_by_id, checked_in_at, checked_in_by_id)
SELECT e.id, c.id, NULL, c.name, c.branch_id, c.advisor_id, lpad((c.id % 1000000)::text, 6, '0'),
       e.starts_at - interval '5 days', 'sent', '', e.starts_at - interval '2 days', NULL,
       CASE WHEN c.id % 2 = 0 THEN e.starts_at END, NULL
FROM (SELECT id, name, branch_id, advisor_id FROM clients_client ORDER BY id LIMIT {guests}) c
JOIN events e ON e.branch_id = c.branch_id AND e.k = c.id % {per_branch}
"""
# One prospect in five invited to an event of its branch, half of those attended (their codes from 500000 up, apart
# from the clients'); the referral and introducing-broker prospects brought by one of their branch's referrers.
PROSPECT_GUESTS = """
WITH events AS (SELECT id, branch_id, row_number() OVER (PARTITION BY branch_id ORDER BY id) - 1 AS k,
                       starts_at FROM acquisition_event)
INSERT INTO acquisition_eventguest (event_id, client_id, prospect_id, name, branch_id, advisor_id, code, invited_at,
    sms, sms_error, registered_at, registered_by_id, checked_in_at, checked_in_by_id)
SELECT e.id, NULL, p.id, p.name, p.branch_id, p.owner_id, (500000 + p.id % 400000)::text,
       e.starts_at - interval '5 days', 'sent', '', e.starts_at - interval '2 days', NULL,
       CASE WHEN p.id % 10 = 0 THEN e.starts_at END, NULL
FROM acquisition_prospect p JOIN events e ON e.branch_id = p.branch_id AND e.k = p.id % {per_branch}
WHERE p.id % 5 = 0
"""
PROSPECT_REFERRERS = """
WITH firsts AS (SELECT branch_id, min(id) AS first FROM acquisition_referrer GROUP BY branch_id)
UPDATE acquisition_prospect p SET referrer_id = f.first + p.id % {per_branch}
FROM firsts f WHERE f.branch_id = p.branch_id AND p.source IN ('referral', 'introducing_broker')
"""
NEW_CLIENTS = """
INSERT INTO clients_client (account_no, name, client_type, branch_id, advisor_id, opened_on, id_type,
    id_number_ciphertext, id_number_hash, phone_ciphertext, phone_hash, phone_last4, email, address, home_region,
    investor_category, risk_tolerance, marketing_opt_in, created_at, updated_at)
SELECT 'N' || lpad(p.k::text, 7, '0'), '新客户' || p.k, 'individual', p.branch_id, p.owner_id, current_date,
       'id_card', '', CASE WHEN p.k <= %(by_id)s THEN p.id_number_hash ELSE '' END,
       '', CASE WHEN p.k > %(by_id)s AND p.k <= %(matched)s THEN p.phone_hash ELSE '' END, '0000', '', '', '',
       'ordinary', '', false, now(), now()
FROM (SELECT q.*, q.n / 7 AS k FROM (SELECT row_number() OVER (ORDER BY id) AS n, * FROM acquisition_prospect
      WHERE client_id IS NULL AND stage <> 'lost' ORDER BY id LIMIT %(count)s * 7) q WHERE q.n %% 7 = 0) p
RETURNING id
"""
CONVERT_BY_HAND = """
WITH matched AS (
    SELECT DISTINCT ON (p.id) p.id, c.id AS client_id, c.opened_on FROM clients_client c
    JOIN acquisition_prospect p ON p.client_id IS NULL
         AND ((c.id_number_hash <> '' AND p.id_number_hash = c.id_number_hash)
              OR (c.phone_hash <> '' AND p.phone_hash = c.phone_hash))
    WHERE c.id = ANY(%(clients)s) ORDER BY p.id),
moved AS (UPDATE acquisition_prospect p SET client_id = m.client_id, stage = 'opened', opened_on = m.opened_on
          FROM matched m WHERE p.id = m.id RETURNING p.id)
INSERT INTO acquisition_prospectstep (prospect_id, stage, at, note) SELECT id, 'opened', now(), '' FROM moved
"""
FUNNEL_BY_HAND = """
SELECT source, branch_id, owner_id, referrer_id, count(*), count(client_id), count(*) FILTER (WHERE reached >= 1),
       count(*) FILTER (WHERE reached >= 3), count(*) FILTER (WHERE stage = 'lost')
FROM acquisition_prospect
WHERE created_at >= %(since)s AND (%(branch)s::bigint IS NULL OR branch_id = %(branch)s)
GROUP BY GROUPING SETS ((), (source), (branch_id), (owner_id), (referrer_id))
"""
REPORT_BY_HAND = """
SELECT a.referrer_id, sum(s.commission), count(DISTINCT a.client_id) FROM acquisition_attribution a
JOIN acquisition_referrer r ON r.id = a.referrer_id
JOIN settlement_dailystatement s ON s.client_id = a.client_id AND s.trade_date >= a.valid_from
     AND (a.valid_until IS NULL OR s.trade_date < a.valid_until)
WHERE s.trade_date >= %(start)s AND s.trade_date < %(end)s AND (%(branch)s::bigint IS NULL OR r.branch_id = %(branch)s)
GROUP BY a.referrer_id
"""


def report_month() -> datetime.date:
    return add_months(timezone.localdate().replace(day=1), -1)


def build(clients: int, prospects: int) -> None:
    pages.people_and_clients(clients)
    month = report_month()
    days = [month + datetime.timedelta(days=offset) for offset in (14, 15)]
    pages.reader(Role.HEAD_OFFICE)  # head office's bench user: the events' organiser
    with connection.cursor() as cursor:
        cursor.execute("SELECT futcrm_ensure_statement_partition(%s)", [month])
        for day in days:
            cursor.execute("""
                INSERT INTO settlement_dailystatement (trade_date, client_id, pre_balance, deposit, withdrawal,
                    close_profit, position_profit, commission, other_adjustments, balance, margin, exchange_margin,
                    available, trade_volume, position_volume, margin_call, forced_liquidation)
                SELECT %s, c.id, b.balance + b.commission, 0, 0, 0, 0, b.commission, 0, b.balance,
                       round(b.balance * 0.5, 2), 0, b.balance - round(b.balance * 0.5, 2), 1, 1, false, false
                FROM clients_client c
                CROSS JOIN LATERAL (SELECT (c.id %% 5000) * 1000.00 + 100 AS balance,
                                           (c.id %% 300) * 0.10 AS commission) b""", [day])
            cursor.execute("""
                INSERT INTO settlement_settlementday (trade_date, status, row_count, total_balance,
                    total_commission, closed_at, in_month_totals, alerts_raised)
                SELECT %s, 'closed', count(*), sum(balance), sum(commission), now(), false, 0
                FROM settlement_dailystatement WHERE trade_date = %s""", [day, day])
        # Only whole numbers and dates are put into these statements, and no parameters are passed.
        cursor.execute(PROSPECTS.replace("{prospects}", str(int(prospects))))
        cursor.execute(STEPS)
        cursor.execute(REFERRERS.format(per_branch=REFERRERS_PER_BRANCH))
        cursor.execute(ATTRIBUTIONS.format(per_branch=REFERRERS_PER_BRANCH, changed=days[1].isoformat()))
        cursor.execute(CHANGED.format(per_branch=REFERRERS_PER_BRANCH, changed=days[1].isoformat()))
        cursor.execute("SELECT id FROM auth_user WHERE username = %s", [f"bench-{Role.HEAD_OFFICE}"])
        cursor.execute(EVENTS.format(per_branch=EVENTS_PER_BRANCH, user=int(cursor.fetchone()[0])))
        cursor.execute(GUESTS_SQL.format(per_branch=EVENTS_PER_BRANCH, guests=min(GUESTS, clients)))
    prospects_at_events_and_referred()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def prospects_at_events_and_referred() -> None:
    """The prospects' part of the events and the referrers (a database built before they were here gets it too)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM acquisition_eventguest WHERE prospect_id IS NOT NULL)")
        if cursor.fetchone()[0]:
            return
        cursor.execute(PROSPECT_GUESTS.format(per_branch=EVENTS_PER_BRANCH))
        cursor.execute(PROSPECT_REFERRERS.format(per_branch=REFERRERS_PER_BRANCH))
        cursor.execute("VACUUM ANALYZE acquisition_eventguest")
        cursor.execute("VACUUM ANALYZE acquisition_prospect")


def undone(work) -> tuple[float, int]:
    with transaction.atomic():
        started = time.perf_counter()
        rows = work()
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, rows


def conversion_figures(count: int) -> None:
    """A day's new accounts, written and undone with each measurement (so each run matches the same prospects)."""
    by_id, matched = count // 2, count * 3 // 4

    def new_accounts() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(NEW_CLIENTS, {"count": count, "by_id": by_id, "matched": matched})
            return [row[0] for row in cursor.fetchall()]

    def ours():
        ids = new_accounts()
        started = time.perf_counter()
        converted = prospects_convert(ids)
        credited = attributions_open(ids)
        return time.perf_counter() - started, (converted, credited)

    def hand():
        ids = new_accounts()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(CONVERT_BY_HAND, {"clients": ids})
            rows = cursor.rowcount
        return time.perf_counter() - started, rows

    mine, theirs = [], []
    for _ in range(3):
        mine.append(undone(ours)[1])
        theirs.append(undone(hand)[1])
    seconds, (converted, credited) = min(mine)
    hand_seconds, hand_rows = min(theirs)
    print(f"  a day's {count:,} new accounts: {converted:,} prospects converted (by ID number {by_id:,}, by phone "
          f"{matched - by_id:,}) and {credited:,} accounts credited in {seconds * 1000:.0f} ms   hand-written "
          f"UPDATE … FROM {hand_rows:,} rows in {hand_seconds * 1000:.0f} ms, ratio {seconds / hand_seconds:.2f}   "
          f"the same prospects: {converted == hand_rows}")


def page_figures(requests: int) -> None:
    month = report_month()
    since = datetime.date(timezone.localdate().year, 1, 1)
    big = Branch.objects.get(code="BIG").pk
    event = Event.objects.filter(branch_id=big).order_by("-starts_at").first()
    for role in (Role.HEAD_OFFICE, Role.BRANCH_MANAGER):
        browser = pages.reader(role)
        branch = None if role == Role.HEAD_OFFICE else big
        baseline = pages.median_of(browser, reverse("admin:index"), requests)
        scope = "every branch" if branch is None else "BIG, a fifth of the clients"
        print(f"  {role} ({scope}); baseline, the admin index: {baseline * 1000:.0f} ms")
        funnel_hand = by_hand(FUNNEL_BY_HAND, {"since": since, "branch": branch}, requests)
        start, end = month, add_months(month, 1)
        report_hand = by_hand(REPORT_BY_HAND, {"start": start, "end": end, "branch": branch}, requests)
        figures = [
            ("S27 funnel dashboard (this year)", reverse("prospect-funnel"), funnel_hand),
            ("S34 referrer report (vs summing the statements)", reverse("referrer-report")
             + f"?month={month:%Y-%m}", report_hand),
            ("S34 referrer report, BIG's referrers", reverse("referrer-report") + f"?month={month:%Y-%m}&branch={big}",
             None),
            ("S34 referrer report, export (Excel)", reverse("referrer-report") + f"?month={month:%Y-%m}&format=xlsx",
             None),
            ("prospect list", reverse("admin:acquisition_prospect_changelist"), None),
            ("prospect list, stage filter", reverse("admin:acquisition_prospect_changelist") + "?stage__exact=lost",
             None),
            ("event list", reverse("admin:acquisition_event_changelist"), None),
            ("an event's page (its guest counts)", reverse("admin:acquisition_event_change", args=[event.pk]), None),
            ("event guests", reverse("admin:acquisition_eventguest_changelist"), None),
            ("investor-education records", reverse("admin:acquisition_educationrecord_changelist"), None),
            ("referrer list", reverse("admin:acquisition_referrer_changelist"), None),
            ("attributions", reverse("admin:acquisition_attribution_changelist"), None),
        ]
        for label, url, hand in figures:
            print(line(label, pages.median_of(browser, url, requests), baseline, hand))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--prospects", type=int, default=300_000)
    parser.add_argument("--reuse", action="store_true", help="keep a database an earlier run built for this size")
    parser.add_argument("--smoke", action="store_true", help="a size that runs in seconds (the test suite runs it)")
    arguments = parser.parse_args()
    requests, accounts = 20, NEW_ACCOUNTS
    if arguments.smoke:
        arguments.clients, arguments.prospects, requests, accounts = 2_000, 600, 2, 40
    name = f"futcrm_bench_acquisition_{arguments.clients}"
    if arguments.reuse and pages.existing_database(name) and Client.objects.count() == arguments.clients:
        print(f"{arguments.clients:,} clients: the database of an earlier run, migrated to this code")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM acquisition_referrermonth")  # the report's first read computes its month
        prospects_at_events_and_referred()
    else:
        use_database(name)
        started = time.perf_counter()
        build(arguments.clients, arguments.prospects)
        print(f"{arguments.clients:,} clients, {arguments.prospects:,} prospects: database built in "
              f"{time.perf_counter() - started:.0f} s")
    conversion_figures(accounts)
    month = report_month()
    started = time.perf_counter()
    written = referrer_months_compute(month)
    computed = time.perf_counter() - started
    print(f"  S34 the month's referrer figures computed (the nightly job): {written:,} referrers in {computed:.2f} s")
    page_figures(requests)


if __name__ == "__main__":
    main()
