"""The day-close workflow (issue 12 item 3): a close owes its work in its own transaction; the work runs exactly
once, whether the queue delivers it, Redis was down at the commit, or two sweeps race for it."""

import datetime
import logging
import threading
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.utils import timezone

from backoffice.workflows import OWED_WORK_RUNNERS
from clients.roles import Role
from core.models import JobRun, OwedWork
from core.owed import owed_work_claim, owed_work_sweep
from core.tasks import run_owed_work
from futcrm.celery import app
from risk.models import Alert
from settlement.services import DAY_CLOSE_CHAIN, DAY_CLOSE_TIERS
from tests.factories import make_staff
from tests.settlement_helpers import Api, statement_row, token_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

STEPS = [*DAY_CLOSE_CHAIN, DAY_CLOSE_TIERS]
JOB_KEYS = {"risk_evaluation": "risk:2026-11-20", "margin_call_notices": "notices:2026-11-20",
            "key_monitoring": "key-monitoring:2026-11-20", "risk_levels": "risk-levels:2026-11",
            "tier_recalculation": "tiers:2026-11"}


@pytest.fixture
def closable_day(two_accounts_pushed):
    return two_accounts_pushed


def _owed():
    return {owed.job: owed for owed in OwedWork.objects.all()}


def test_redis_down_at_the_close_loses_nothing_and_the_work_runs_once_it_is_back(closable_day, own_redis, caplog):
    api, totals = closable_day
    own_redis.stop()  # Redis goes down just before the settlement system closes the day

    with caplog.at_level(logging.WARNING, logger="core.owed"):
        response = api.close(**totals)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    assert "could not queue the work of closing 2026-11-20" in caplog.text
    owed = _owed()
    assert sorted(owed) == sorted(STEPS)  # every step the close owes is written down, none claimed
    assert all(step.claimed_at is None and step.done_at is None for step in owed.values())
    assert [owed[job].follows_id for job in DAY_CLOSE_CHAIN] == [None, *(owed[job].pk for job in DAY_CLOSE_CHAIN[:-1])]
    assert not Alert.objects.exists() and not JobRun.objects.exists()

    own_redis.start()  # Redis is back; beat's sweep reaches a real worker through it
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        assert run_owed_work.delay().get(timeout=60) == {"done": 5, "not_done": 0}
        assert run_owed_work.delay().get(timeout=60) == {"done": 0, "not_done": 0}  # a second sweep: nothing

    owed = _owed()
    assert all(step.done_at is not None and step.attempts == 1 for step in owed.values())
    runs = list(JobRun.objects.values_list("key", "status"))
    assert sorted(runs) == sorted((key, "succeeded") for key in JOB_KEYS.values())  # each step ran exactly once
    assert {owed[job].last_run.key for job in STEPS} == set(JOB_KEYS.values())
    assert list(Alert.objects.values_list("client__account_no", "kind")) == [("8001", "risk_warning")]
    assert api.status().json()["alerts_raised"] == 1


def test_the_queue_runs_the_owed_work_at_once_when_redis_is_up(closable_day, own_redis):
    api, totals = closable_day
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        assert api.close(**totals).status_code == 200
        deadline = time.monotonic() + 60
        while OwedWork.objects.filter(done_at__isnull=True).exists():
            assert time.monotonic() < deadline, list(OwedWork.objects.values("job", "last_error"))
            time.sleep(0.2)
    assert JobRun.objects.filter(status="succeeded").count() == 5
    assert Alert.objects.count() == 1


def _in_threads(count: int, target) -> list:
    """Run `target()` in `count` threads released together; each closes its own database connection."""
    barrier, results, errors = threading.Barrier(count), [None] * count, []

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = target()
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_two_sweeps_racing_run_each_step_once(closable_day, own_redis):
    api, totals = closable_day
    own_redis.stop()  # nothing is delivered by the queue: only the two sweeps below run the work
    assert api.close(**totals).status_code == 200

    results = _in_threads(2, lambda: owed_work_sweep(OWED_WORK_RUNNERS))

    assert sum(result["done"] for result in results) == 5
    assert all(step.done_at is not None and step.attempts == 1 for step in _owed().values())
    assert JobRun.objects.count() == 5 and not JobRun.objects.exclude(status="succeeded").exists()
    assert Alert.objects.count() == 1


def test_only_one_of_many_racing_claims_wins(closable_day, own_redis):
    api, totals = closable_day
    own_redis.stop()
    assert api.close(**totals).status_code == 200
    first = _owed()["risk_evaluation"]

    claims = _in_threads(8, lambda: owed_work_claim(first.pk))

    assert claims.count(True) == 1
    first.refresh_from_db()
    assert first.attempts == 1 and first.claimed_at is not None


def test_a_step_waits_for_the_one_it_follows_and_a_failure_is_retried(closable_day, own_redis):
    api, totals = closable_day
    own_redis.stop()
    assert api.close(**totals).status_code == 200
    owed = _owed()
    assert not owed_work_claim(owed["margin_call_notices"].pk)  # R7 waits for R2's alerts

    calls = []

    def failing_once(step):
        calls.append(step.job)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return OWED_WORK_RUNNERS[step.job](step)

    runners = {job: failing_once for job in DAY_CLOSE_CHAIN}
    assert owed_work_sweep(runners) == {"done": 0, "not_done": 1}  # the chain stops at its failed first step
    evaluation = OwedWork.objects.get(job="risk_evaluation")
    assert evaluation.done_at is None and evaluation.claimed_at is None and "went away" in evaluation.last_error
    waits = evaluation.not_before - timezone.now()
    assert datetime.timedelta(seconds=50) < waits <= datetime.timedelta(minutes=1)  # 1 minute after a first failure
    assert owed_work_sweep(runners) == {"done": 0, "not_done": 0}  # not before its time
    OwedWork.objects.filter(pk=evaluation.pk).update(not_before=timezone.now())  # the minute has passed
    assert owed_work_sweep(runners) == {"done": 4, "not_done": 0}  # the next sweep retries it, then the chain
    assert OwedWork.objects.get(job="risk_evaluation").attempts == 2
    assert OwedWork.objects.filter(done_at__isnull=True).get().job == DAY_CLOSE_TIERS  # not in these runners


def test_every_step_a_close_owes_has_a_runner():
    assert set(STEPS) <= set(OWED_WORK_RUNNERS)


def test_the_sweep_is_on_beat_every_minute():
    assert app.conf.beat_schedule["owed-work-sweep"] == {"task": "core.tasks.run_owed_work", "schedule": 60.0}


def test_retries_wait_longer_after_each_failure_up_to_an_hour():
    from core.owed import retry_delay

    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 8, 20)] == [1, 2, 4, 8, 60, 60, 60]


def test_a_reopened_days_alerts_follow_its_corrected_statements(two_accounts_pushed, own_redis, client):
    """Issue 13 item 6 (R2): the old rows' alerts used to stay, and the new close raised none."""
    api, totals = two_accounts_pushed
    own_redis.stop()
    assert api.close(**totals).status_code == 200
    owed_work_sweep(OWED_WORK_RUNNERS)
    warning = Alert.objects.get()
    assert (warning.client.account_no, warning.kind, warning.status) == ("8001", "risk_warning", "open")

    head_office = Api(client, token_for(make_staff(Role.HEAD_OFFICE, None, "HQ").user, "settlement:write"))

    def correct(rows):
        assert head_office.reopen().status_code == 200
        assert api.push(rows).status_code == 200
        total = sum(Decimal(row["balance"]) for row in rows)
        assert api.close(row_count=2, total_balance=f"{total:.2f}", total_commission="12.50").status_code == 200
        assert owed_work_sweep(OWED_WORK_RUNNERS)["not_done"] == 0

    # 8001's margin was wrong (no risk after all); 8002 is in fact at 120 %: a margin call.
    correct([statement_row("8001", commission="12.50"), statement_row("8002", margin="120000.00")])
    by_account = {(alert.client.account_no, alert.kind): alert for alert in Alert.objects.all()}
    assert {key: alert.status for key, alert in by_account.items()} == {
        ("8001", "risk_warning"): "withdrawn", ("8002", "margin_call"): "open"}
    event = by_account["8001", "risk_warning"].events.get()
    assert (event.action, event.note) == ("withdrawn", "当日结算数据已更正，预警条件不再成立（R2）")
    assert api.status().json()["alerts_raised"] == 1  # the withdrawn one no longer counts
    assert Alert.objects.unfinished().count() == 1

    # Corrected once more, back to the first figures: the warning is raised again, its history kept.
    correct([statement_row("8001", commission="12.50", margin="90000.00"), statement_row("8002")])
    warning.refresh_from_db()
    assert warning.status == "open" and list(warning.events.values_list("action", flat=True).order_by("at", "id")) \
        == ["withdrawn", "raised_again"]
    assert Alert.objects.get(client__account_no="8002").status == "withdrawn"


def test_a_resolved_alert_stays_resolved_when_its_day_is_corrected(two_accounts_pushed, own_redis, client):
    api, totals = two_accounts_pushed
    own_redis.stop()
    assert api.close(**totals).status_code == 200
    owed_work_sweep(OWED_WORK_RUNNERS)
    Alert.objects.update(status="resolved", resolution_note="client added margin")
    head_office = Api(client, token_for(make_staff(Role.HEAD_OFFICE, None, "HQ").user, "settlement:write"))
    assert head_office.reopen().status_code == 200
    assert api.push([statement_row("8001", commission="12.50"), statement_row("8002")]).status_code == 200
    assert api.close(**totals).status_code == 200
    owed_work_sweep(OWED_WORK_RUNNERS)
    assert Alert.objects.get().status == "resolved"
