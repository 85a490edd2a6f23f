#!/usr/bin/env python
"""Benchmark (issue 18 item 8): a trading tip to 500,000 recipients at 1,000,000 clients.

* S20's audience and delivery rows (research.services.deliveries_write, one INSERT … SELECT from the audience's
  queryset) beside a hand-written INSERT … SELECT of the same rows, best of 3, each undone before the next;
* the SMS sent in batches through a local HTTP gateway (core.sms.HttpBackend against a server in this process that
  answers every 40th request with 503 once, so retries are exercised), beside the same batches posted straight to the
  gateway; then the sending run again (a retried job) beside nothing to do;
* S4's evening count (information_gaps_write) and its report page, head office and a branch manager, median of 20
  requests after one that warms caches, target < 300 ms, ratio to the admin index and beside a hand-written query;
  the advisors' library and a publication's page, and BIG's manager's workbench.

    .venv/bin/python bench/research.py [--clients 1000000] [--reuse] [--smoke]

The clients are bench/pages.py's (40 branches, BIG with a fifth of them, ten advisors a branch), with one final
month of tiers, half of them suited to an R3 tip (C3–C5), nine in ten consenting, 99 % with a phone (10,000 phone
numbers, encrypted as S9 stores them). The benchmark's own embedded PostgreSQL (.data/bench)."""

import argparse
import datetime
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FUTCRM_DATA_DIR", str(ROOT / ".data" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "futcrm.settings")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

import bench.pages as pages  # noqa: E402
from bench.service_desk import by_hand, line  # noqa: E402
from bench.tiers import use_database  # noqa: E402
from clients.models import Branch, Client, StaffProfile  # noqa: E402
from clients.pii import encrypt, lookup_hash  # noqa: E402
from clients.roles import Role  # noqa: E402
from clients.services import staff_profile_save  # noqa: E402
from core.sms import HttpBackend, SmsMessage  # noqa: E402
from research.models import Delivery, Distribution, Kind, Product  # noqa: E402
from research.services import (  # noqa: E402
    BATCH,
    deliveries_write,
    distribution_send,
    publication_create,
    publication_review,
    publication_submit,
)
from service_log.models import FollowUpTask, SmsDelivery  # noqa: E402
from service_log.services import information_gaps_write  # noqa: E402

PHONES = 10_000

CLIENTS = f"""
UPDATE clients_client c SET
    risk_tolerance = CASE WHEN c.id % 2 = 0 THEN (ARRAY['C3','C4','C5'])[1 + (c.id / 2) % 3]
                          ELSE (ARRAY['C1','C2'])[1 + (c.id / 2) % 2] END,
    marketing_opt_in = abs(hashtext(c.id::text || '-consent')) % 10 <> 3,
    phone_ciphertext = CASE WHEN abs(hashtext(c.id::text || '-phone')) % 100 = 7 THEN '' ELSE p.ciphertext END,
    phone_hash = CASE WHEN abs(hashtext(c.id::text || '-phone')) % 100 = 7 THEN '' ELSE p.hash END
FROM bench_phone p WHERE p.n = c.id % {PHONES}
"""

TIERS = f"""
INSERT INTO tiering_tierassignment (client_id, month, tier, previous_tier, avg_equity, avg_commission, trading_days,
    decided_by, policy_id, state, computed_at, branch_id, advisor_id)
SELECT c.id, %s, {pages.TIER_OF}, {pages.TIER_OF}, (c.id %% 5000) * 1000.00, (c.id %% 300) * 1.00, 21,
       'equity>=1000.00', (SELECT id FROM tiering_tierpolicy ORDER BY version LIMIT 1), 'final', now(), c.branch_id,
       c.advisor_id
FROM clients_client c
"""

DELIVERIES_BY_HAND = """
INSERT INTO research_delivery (distribution_id, client_id, branch_id, advisor_id, status, attempts, error)
SELECT %(distribution)s, c.id, c.branch_id, c.advisor_id, 'pending', 0, '' FROM clients_client c
WHERE c.risk_tolerance IN ('C3', 'C4', 'C5') AND (c.closed_on IS NULL OR c.closed_on > %(day)s)
"""

TIERED_BY_HAND = """
INSERT INTO research_delivery (distribution_id, client_id, branch_id, advisor_id, status, attempts, error)
SELECT %(distribution)s, c.id, c.branch_id, c.advisor_id, 'pending', 0, '' FROM clients_client c
JOIN tiering_tierassignment t ON t.client_id = c.id AND t.month = %(month)s AND t.state = 'final'
WHERE c.risk_tolerance IN ('C3', 'C4', 'C5') AND (c.closed_on IS NULL OR c.closed_on > %(day)s)
  AND c.branch_id = %(branch)s AND t.tier IN ('diamond', 'platinum', 'gold')
"""

COVERAGE_BY_HAND = """
SELECT b.code, b.name, sum(v.opted_in), sum(v.uncovered) FROM service_log_informationcoverage v
JOIN clients_branch b ON b.id = v.branch_id
WHERE v.trade_date = %(day)s AND (%(branch)s::bigint IS NULL OR v.branch_id = %(branch)s)
GROUP BY b.code, b.name ORDER BY 4 DESC, 1
"""


def build(clients: int) -> None:
    pages.people_and_clients(clients)
    month = timezone.localdate().replace(day=1)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_phone (n int PRIMARY KEY, ciphertext text, hash text)")
        numbers = [(n, f"139{n:08d}") for n in range(PHONES)]
        cursor.executemany("INSERT INTO bench_phone VALUES (%s, %s, %s)",
                           [(n, encrypt(phone), lookup_hash(phone)) for n, phone in numbers])
        cursor.execute(CLIENTS)
        cursor.execute("DROP TABLE bench_phone")
        cursor.execute(TIERS, [month, month.isoformat(), month.isoformat()])
        cursor.execute("""INSERT INTO tiering_tiermonth (month, policy_id, state, trading_days, last_day, clients,
                              computed_at)
                          VALUES (%s, (SELECT id FROM tiering_tierpolicy ORDER BY version LIMIT 1), 'final', 21, NULL,
                                  (SELECT count(*) FROM clients_client), now())""", [month])
        cursor.execute("VACUUM ANALYZE")


def person(role: str, username: str):
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        staff_profile_save(StaffProfile(user=user, role=role, staff_code=username.upper(), full_name=username))
    return user


def approved_tip():
    """S18–S19 as in the Show: an analyst's tip on gold, approved by compliance (not the author)."""
    analyst, compliance = person(Role.ANALYST, "bench-analyst"), person(Role.COMPLIANCE, "bench-compliance")
    gold = Product.objects.filter(code__iexact="au").values_list("pk", flat=True)
    publication = publication_create(user=analyst, kind=Kind.TIP, title="沪金日内机会提示",
                                     body="黄金短线偏强，注意风险，控制仓位。", product_ids=list(gold), risk_level="R3")
    version = publication_submit(user=analyst, publication_id=publication.pk)
    publication_review(user=compliance, publication_id=publication.pk, version_id=version.pk, decision="approved")
    publication.refresh_from_db()
    return publication


def distribution_of(publication, sender) -> Distribution:
    """The distribution as distribution_create writes it, without queueing its sending: this process sends it."""
    return Distribution.objects.create(publication=publication, version_id=publication.approved_version_id,
                                       trade_date=timezone.localdate(), created_by=sender)


def undone(work) -> tuple[float, int]:
    """`work()` timed inside a transaction that is then rolled back: the rows it wrote are gone again."""
    with transaction.atomic():
        started = time.perf_counter()
        rows = work()
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, rows


def delivery_figures(distribution: Distribution, day: datetime.date) -> None:
    """The whole suited firm (head office's tip, no narrowing) and gold-and-above of BIG (the Show's audience)."""
    tiered = Distribution.objects.create(publication=distribution.publication, version=distribution.version,
                                         tiers=["diamond", "platinum", "gold"], branch=Branch.objects.get(code="BIG"),
                                         trade_date=day, created_by=distribution.created_by)
    params = {"distribution": tiered.pk, "day": day, "month": day.replace(day=1), "branch": tiered.branch_id}
    for label, chosen, sql in [("every suited client", distribution, DELIVERIES_BY_HAND),
                               ("gold and above of BIG", tiered, TIERED_BY_HAND)]:
        def by_hand_insert(sql=sql, chosen=chosen):
            with connection.cursor() as cursor:
                cursor.execute(sql, {**params, "distribution": chosen.pk})
                return cursor.rowcount
        ours, hands = [], []
        for _ in range(3):
            ours.append(undone(lambda chosen=chosen: deliveries_write(chosen)))
            hands.append(undone(by_hand_insert))
        (seconds, rows), (hand, hand_rows) = min(ours), min(hands)
        print(f"  audience and delivery rows, {label}: {rows:,} recipients in {seconds:.2f} s "
              f"({rows / seconds:,.0f} rows/s)   hand-written INSERT … SELECT {hand_rows:,} rows in {hand:.2f} s, "
              f"ratio {seconds / hand:.2f}   the same rows: {rows == hand_rows}")


class Gateway(BaseHTTPRequestHandler):
    """A local SMS gateway: /batch answers one id per message; every 40th request gets 503 (the retry succeeds)."""
    lock = threading.Lock()
    requests = refused = 0

    def do_POST(self):  # noqa: N802 - BaseHTTPRequestHandler's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with Gateway.lock:
            Gateway.requests += 1
            refuse = Gateway.requests % 40 == 0
        if refuse:
            Gateway.refused += 1
            self.send_response(503)
            self.end_headers()
            return
        count = len(body["messages"])
        answer = json.dumps({"ids": [f"gw-{n}" for n in range(count)]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def gateway() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.SMS_BACKEND, settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN = "core.sms.HttpBackend", url, "bench"
    settings.SMS_GATEWAY_ATTEMPTS = 3
    return url


def sending_figures(distribution: Distribution) -> None:
    def progress(step, percent):
        if percent % 10 == 0 and percent not in shown:
            shown.add(percent)
            print(f"\r    sending [{'#' * (percent // 5):<20}] {percent:3d} %", end="", flush=True)
    shown: set[int] = set()
    before_requests, before_refused = Gateway.requests, Gateway.refused
    started = time.perf_counter()
    counts = distribution_send(distribution.pk, progress)
    seconds = time.perf_counter() - started
    print()
    requests, refused = Gateway.requests - before_requests, Gateway.refused - before_refused
    sms = SmsDelivery.objects.filter(sent_on=distribution.trade_date).count()
    tasks = FollowUpTask.objects.filter(source="research", source_key=str(distribution.pk)).count()
    by_status = dict(Delivery.objects.filter(distribution=distribution).values_list("status").annotate(
        n=Count("pk")).order_by())
    print(f"  sending: {counts['recipients']:,} deliveries ({', '.join(f'{k} {v:,}' for k, v in by_status.items())}) "
          f"in {seconds:.1f} s ({counts['sent'] / seconds:,.0f} messages/s); {requests:,} gateway requests in batches "
          f"of {BATCH}, {refused} answered 503 and retried; {sms:,} SMS records; {tasks:,} follow-up tasks (S21)")
    sample = ["【期货公司】沪金日内机会提示 https://crm.example.com/r/12345:abcdefghijklmnop 退订回T"] * BATCH
    backend, batches = HttpBackend(), -(-counts["sent"] // BATCH)
    started = time.perf_counter()
    for _ in range(batches):
        backend.send_many([SmsMessage(phone="13900000000", text=text) for text in sample])
    straight = time.perf_counter() - started
    print(f"    the same {batches:,} batches posted straight to the gateway: {straight:.1f} s, "
          f"ratio {seconds / straight:.1f}")
    before_requests = Gateway.requests
    started = time.perf_counter()
    again = distribution_send(distribution.pk)
    print(f"  sending run again (a retried job): {time.perf_counter() - started:.2f} s, "
          f"{again['sent']:,} sent as before, {Gateway.requests - before_requests} gateway requests; the "
          f"{again['not_sent']:,} not sendable (no consent, no phone) are not tried again")


def page_figures(publication, day: datetime.date, requests: int) -> None:
    started = time.perf_counter()
    gaps = information_gaps_write(day)
    print(f"  S4 evening count: {gaps:,} opted-in clients without information on {day} in "
          f"{time.perf_counter() - started:.2f} s (the job after the trading day)")
    big = Branch.objects.get(code="BIG").pk
    for role in (Role.HEAD_OFFICE, Role.BRANCH_MANAGER):
        browser = pages.reader(role)
        branch = None if role == Role.HEAD_OFFICE else big
        baseline = pages.median_of(browser, reverse("admin:index"), requests)
        scope = "every branch" if branch is None else "BIG, a fifth of the clients"
        print(f"  {role} ({scope}); baseline, the admin index: {baseline * 1000:.0f} ms")
        hand = by_hand(COVERAGE_BY_HAND, {"day": day, "branch": branch}, requests)
        figures = [
            ("S4 coverage report", reverse("information-coverage") + f"?day={day:%Y-%m-%d}", hand),
            ("advisors' library", reverse("research-library"), None),
            ("library, received by my clients", reverse("research-library") + "?received=1", None),
            ("library, the tip's page", reverse("research-library-publication", args=[publication.pk]), None),
        ]
        if role == Role.BRANCH_MANAGER:
            figures.append(("workbench (the day's follow-ups)", reverse("workbench"), None))
        for label, url, by_hand_seconds in figures:
            print(line(label, pages.median_of(browser, url, requests), baseline, by_hand_seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep a database an earlier run built for this size")
    parser.add_argument("--smoke", action="store_true", help="a size that runs in seconds (the test suite runs it)")
    arguments = parser.parse_args()
    requests = 20
    if arguments.smoke:
        arguments.clients, requests = 2_000, 2
    name = f"futcrm_bench_research_{arguments.clients}"
    if arguments.reuse and pages.existing_database(name) and Client.objects.count() == arguments.clients:
        print(f"{arguments.clients:,} clients: the database of an earlier run, migrated to this code")
        with connection.cursor() as cursor:  # an earlier run's tip and its traces
            cursor.execute("TRUNCATE research_delivery, research_question, service_log_followuptask, "
                           "service_log_smsdelivery, service_log_informationgap, service_log_informationcoverage "
                           "CASCADE")
    else:
        use_database(name)
        started = time.perf_counter()
        build(arguments.clients)
        print(f"{arguments.clients:,} clients: database built in {time.perf_counter() - started:.0f} s")
    day = timezone.localdate()
    publication = approved_tip()
    pages.reader(Role.HEAD_OFFICE)  # head office's bench user, the sender (its scope: every client)
    distribution = distribution_of(publication, get_user_model().objects.get(username=f"bench-{Role.HEAD_OFFICE}"))
    gateway()
    delivery_figures(distribution, day)
    sending_figures(distribution)
    page_figures(publication, day, requests)


if __name__ == "__main__":
    main()
