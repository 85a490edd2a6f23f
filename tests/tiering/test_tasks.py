"""Nightly jobs (issue 4 item 3): a real Celery worker over Redis runs the tier recalculation under a job record;
runs of one month never overlap; a run that died (a worker process really killed, too) leaves the previous results
and is marked abandoned by the next run, which completes."""

import datetime
import os
import subprocess
import sys
import threading
import time

import psycopg2
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

from clients.models import Client
from core.env import database_url
from core.jobs import _lock_id, job_run
from core.models import JobRun
from futcrm.celery import app
from tests.factories import BranchFactory, ClientFactory
from tests.fixtures.tiering import OCTOBER, close, statements
from tiering.models import TierAssignment
from tiering.services import tiers_recalculate
from tiering.tasks import recalculate_tiers_for_month

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_real_worker_recalculates_a_month_under_a_job_record():

    client = ClientFactory(branch=BranchFactory(), opened_on=datetime.date(2020, 1, 6))
    statements(client, OCTOBER, "1000000.00")
    close(OCTOBER)
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        status = recalculate_tiers_for_month.delay("2026-10-01").get(timeout=60)
    assert status == "succeeded"
    run = JobRun.objects.get(key="tiers:2026-10")
    assert (run.status, run.progress, run.rows) == ("succeeded", 100, 1)
    assert run.finished_at >= run.started_at
    assert TierAssignment.objects.get(client=client).tier == "gold"


def test_two_runs_of_one_month_never_overlap():
    holder_ready, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_lock_id("tiers:2026-10")])
        holder_ready.set()
        release.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_id("tiers:2026-10")])
        connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    holder_ready.wait(30)
    try:
        run = job_run("recalc_tiers", "tiers:2026-10", lambda progress: pytest.fail("must not run"))
    finally:
        release.set()
        holder.join()
    assert run.status == "skipped"


def test_a_dead_run_is_marked_abandoned_and_the_next_one_completes():
    JobRun.objects.create(job="recalc_tiers", key="tiers:2026-10")  # its worker was killed: still "running"
    run = job_run("recalc_tiers", "tiers:2026-10", lambda progress: {"rows": 7})
    assert run.status == "succeeded" and run.rows == 7
    assert JobRun.objects.get(key="tiers:2026-10", status="abandoned").finished_at is not None


def test_a_failing_run_keeps_the_previous_results_and_records_the_error():
    client = ClientFactory(branch=BranchFactory(), opened_on=datetime.date(2020, 1, 6))
    statements(client, OCTOBER, "1000000.00")
    close(OCTOBER)
    recalculate_tiers_for_month("2026-10-01")
    before = list(TierAssignment.objects.values_list("client", "tier", "computed_at"))

    def work(progress):

        progress("assign", 20)
        tiers_recalculate(OCTOBER)
        raise RuntimeError("worker lost its database")  # dies after writing, before committing

    with pytest.raises(RuntimeError):
        job_run("recalc_tiers", "tiers:2026-10", work)
    assert list(TierAssignment.objects.values_list("client", "tier", "computed_at")) == before
    failed = JobRun.objects.get(status="failed")
    assert "worker lost its database" in failed.error and failed.progress == 20


def _wait_for(condition, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"waited {seconds} s for {what}")


def test_a_worker_killed_mid_run_leaves_the_previous_result_and_the_next_run_completes():
    """Issue 4 item 3, with a real kill: a worker process is SIGKILLed after it has written the month's new rows
    but before its run commits. The previous result stays as it was, and the next run completes."""
    first = ClientFactory(branch=BranchFactory(), opened_on=datetime.date(2020, 1, 6))
    second = ClientFactory(branch=first.branch, opened_on=datetime.date(2026, 11, 2))  # not yet a client in October
    statements(first, OCTOBER, "1000000.00")
    statements(second, OCTOBER, "12000000.00")
    close(OCTOBER)
    recalculate_tiers_for_month("2026-10-01")
    before = list(TierAssignment.objects.values_list("client", "tier", "computed_at"))
    assert [(client, tier) for client, tier, _ in before] == [(first.pk, "gold")]
    Client.objects.filter(pk=second.pk).update(opened_on=datetime.date(2020, 1, 6))

    # The run will stop at its T12 step, after writing the assignments, until this transaction lets it go.
    blocker = psycopg2.connect(**connection.get_connection_params())
    queue = "futcrm-test-killed-worker"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "futcrm.test_settings",
           "DATABASE_URL": database_url(connection.settings_dict),
           "REDIS_URL": settings.REDIS_URL}
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "futcrm", "worker", "--pool", "solo",
                               "--loglevel", "WARNING", "--queues", queue, "--without-gossip", "--without-mingle"],
                              cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE tiering_tierchange IN ACCESS EXCLUSIVE MODE")
        recalculate_tiers_for_month.apply_async(args=["2026-10-01"], queue=queue)

        def waiting_on_the_lock():
            with blocker.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE relation = 'tiering_tierchange'::regclass"
                               " AND NOT granted")
                return cursor.fetchone()[0]

        _wait_for(waiting_on_the_lock, "the worker's run to reach its T12 step")
        running = JobRun.objects.get(key="tiers:2026-10", status="running")
        assert running.step == "tier changes" and running.progress == 90

        worker.kill()  # SIGKILL: no clean-up of any kind
        worker.wait(timeout=30)
        blocker.rollback()  # the dead worker's statement goes on, finds no client to answer, and its backend aborts

        def run_lock_free():
            with blocker.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_id("tiers:2026-10")])
                free = cursor.fetchone()[0]
                if free:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_id("tiers:2026-10")])
            blocker.rollback()
            return free

        _wait_for(run_lock_free, "the dead worker's database session to end")
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
        blocker.close()
        # The killed task was never acknowledged (acks_late); don't leave it for a later worker to redeliver.
        broker.delete(queue, "unacked", "unacked_index")
        broker.close()

    assert list(TierAssignment.objects.values_list("client", "tier", "computed_at")) == before
    assert JobRun.objects.get(key="tiers:2026-10", status="running").pk == running.pk  # nobody closed its record

    assert recalculate_tiers_for_month("2026-10-01") == "succeeded"
    assert dict(TierAssignment.objects.values_list("client", "tier")) == {first.pk: "gold", second.pk: "diamond"}
    assert JobRun.objects.get(pk=running.pk).status == "abandoned"
