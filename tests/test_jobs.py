"""Nightly jobs (issue 4 item 3): a real Celery worker over Redis runs the tier recalculation under a job record;
runs of one month never overlap; a run that died leaves the previous results and is marked abandoned."""

import datetime
import threading

import pytest
from django.db import connection

from futcrm.celery import app
from futcrm.jobs import _lock_id, job_run
from futcrm.models import JobRun
from tests.factories import BranchFactory, ClientFactory
from tests.test_tiers import OCTOBER, close, statements
from tiering.models import TierAssignment
from tiering.tasks import recalculate_tiers_for_month

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_real_worker_recalculates_a_month_under_a_job_record():
    from celery.contrib.testing.worker import start_worker

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
        from tiering.services import tiers_recalculate

        progress("assign", 20)
        tiers_recalculate(OCTOBER)
        raise RuntimeError("worker lost its database")  # dies after writing, before committing

    with pytest.raises(RuntimeError):
        job_run("recalc_tiers", "tiers:2026-10", work)
    assert list(TierAssignment.objects.values_list("client", "tier", "computed_at")) == before
    failed = JobRun.objects.get(status="failed")
    assert "worker lost its database" in failed.error and failed.progress == 20
