"""Work that must not be lost (STYLE.md 7, in the style of Healthchecks' `sendalerts`): a row written in the same
transaction as its cause, then claimed by a conditional UPDATE and run under a job record. Enqueueing a task at
commit is only the fast path; the periodic sweep runs whatever the queue never delivered.

The floors above say what runs: `owed_work_sweep(runners)` takes a mapping from job names to functions, each
taking the OwedWork row and returning the JobRun of its work (core.jobs.job_run)."""

import datetime
import logging
import traceback
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.utils import timezone

from core.models import JobRun, OwedWork

logger = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-step; the step may be claimed again. Every step is
# one transaction under job_run, so a step taken over from a dead worker starts from the previous result.
CLAIM_LEASE = datetime.timedelta(minutes=15)
# A step that failed waits before its next attempt: 1, 2, 4 … minutes after each failure, at most an hour, so a
# day that keeps failing is retried all day without filling the logs every minute.
RETRY_AFTER_MAX = datetime.timedelta(hours=1)


def retry_delay(attempts: int) -> datetime.timedelta:
    return min(datetime.timedelta(minutes=2 ** max(attempts - 1, 0)), RETRY_AFTER_MAX)

Runner = Callable[[OwedWork], JobRun]

CLAIM = f"""
UPDATE {OwedWork._meta.db_table} AS owed SET claimed_at = %(now)s, attempts = owed.attempts + 1
WHERE owed.id = %(id)s AND owed.done_at IS NULL
  AND (owed.claimed_at IS NULL OR owed.claimed_at < %(lease_cutoff)s)
  AND (owed.not_before IS NULL OR owed.not_before <= %(now)s)
  AND (owed.follows_id IS NULL
       OR EXISTS (SELECT 1 FROM {OwedWork._meta.db_table} AS before
                  WHERE before.id = owed.follows_id AND before.done_at IS NOT NULL))
"""


def work_owe(job: str, key: str, *, arguments: dict | None = None, follows: OwedWork | None = None) -> OwedWork:
    """Record that `job` is owed for `key`, in the caller's transaction (its cause commits with it, or neither
    does). Work already owed and not done yet for the same job and key is owed once."""
    if not connection.in_atomic_block:
        raise RuntimeError("work_owe belongs in the transaction of the change that owes the work")
    owed, _created = OwedWork.objects.get_or_create(
        job=job, key=key, done_at=None, defaults={"arguments": arguments or {}, "follows": follows})
    return owed


def owed_work_claim(owed_id: int) -> bool:
    """Claim one owed row for this worker; False if it is done, claimed by a live worker, or waits for the step
    it follows. Two workers racing for the same row: exactly one UPDATE matches."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(CLAIM, {"id": owed_id, "now": now, "lease_cutoff": now - CLAIM_LEASE})
        return cursor.rowcount == 1


def _release(owed: OwedWork, **fields) -> None:
    OwedWork.objects.filter(pk=owed.pk).update(claimed_at=None, **fields)


def owed_work_run(owed: OwedWork, runner: Runner) -> JobRun | None:
    """Run a claimed row. Done when its job run succeeded; released for the next sweep when it failed or when
    another run of the same job was still going (skipped)."""
    try:
        run = runner(owed)
    except Exception:
        logger.exception("owed work %s %s failed; the next sweep retries it", owed.job, owed.key)
        owed.refresh_from_db(fields=["attempts"])
        _release(owed, last_error=traceback.format_exc()[-4000:],
                 not_before=timezone.now() + retry_delay(owed.attempts))
        return None
    if run.status == JobRun.Status.SUCCEEDED:
        OwedWork.objects.filter(pk=owed.pk).update(done_at=timezone.now(), last_run=run, last_error="", not_before=None)
    else:
        _release(owed, last_run=run)
    return run


def owed_work_sweep(runners: dict[str, Runner], *, ids: Iterable[int] | None = None) -> dict:
    """Claim and run every owed row whose job is in `runners` (only `ids`, when given: the fast path of one
    commit), again and again while a step that others follow has just been done. Outside any transaction: each
    step commits on its own. Returns how many steps were done and how many failed or were put off."""
    if connection.in_atomic_block:
        raise RuntimeError("owed_work_sweep runs each step in its own transaction: call it outside one")
    done = failed = 0
    tried: set[int] = set()
    while True:
        pending = OwedWork.objects.filter(done_at__isnull=True, job__in=list(runners)).exclude(pk__in=tried)
        if ids is not None:
            pending = pending.filter(pk__in=list(ids))
        progressed = False
        for owed in pending.order_by("pk"):
            if not owed_work_claim(owed.pk):
                continue
            tried.add(owed.pk)
            run = owed_work_run(owed, runners[owed.job])
            if run is not None and run.status == JobRun.Status.SUCCEEDED:
                done += 1
                progressed = True
            else:
                failed += 1
        if not progressed:
            return {"done": done, "not_done": failed}


def queue_after_commit(send: Callable[[], object], what: str) -> None:
    """The fast path: enqueue once the transaction commits. A broker that cannot be reached then is logged, not
    raised: the owed rows are committed and the periodic sweep runs them once the broker is back."""

    def enqueue():
        try:
            send()
        except Exception:  # kombu's OperationalError, a refused connection, a DNS failure …
            logger.warning("could not queue %s; the owed-work sweep will run it", what, exc_info=True)

    transaction.on_commit(enqueue)


def owe_and_queue(job: str, key: str, *, what: str, arguments: dict | None = None) -> OwedWork:
    """The one way a change owes a job (STYLE.md 7): written in the change's transaction (work_owe), queued once it
    commits (owed_queue); `what` names it in the log if the broker is down then."""
    owed = work_owe(job, key, arguments=arguments)
    owed_queue([owed], what)
    return owed


def owed_queue(owed: list[OwedWork], what: str, *, queue: str | None = None) -> None:
    """Queue owed rows of the current transaction (a chain, several months) for the worker once it commits; on
    `queue` when the work has a worker of its own (the intraday evaluation: nightly jobs never delay it)."""
    # Local: core.tasks imports this module for the sweep it runs.
    from core.tasks import run_owed_work

    ids = [step.pk for step in owed]
    queue_after_commit(lambda: run_owed_work.apply_async((ids,), queue=queue), what)

