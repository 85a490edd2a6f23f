"""Running a job under a record (STYLE.md 7: thin tasks, singletons guarded in the database)."""

import contextlib
import hashlib
import traceback
from collections.abc import Callable

import psycopg2
import psycopg2.extensions
from django.db import connection, transaction
from django.utils import timezone

from core.models import JobRun


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def _session_lock(key: str):
    """A session-level advisory lock held for the whole run; None if another run of the key holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_id(key)])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_id(key)])


def job_run(job: str, key: str, work: Callable[[Callable[[str, int], None]], dict], *, atomic: bool = True) -> JobRun:
    """Run `work(progress)` as job `key`, recording start, end, progress, rows and errors. A second run of the same
    key while one is running is recorded as skipped; a `running` record whose worker died is marked abandoned.
    The work is one transaction unless `atomic=False`: work that talks to the outside world as it goes (SMS) keeps
    what each step has written, so a run after a failure sends nothing twice."""
    if connection.in_atomic_block or connection.connection is not None and (
        connection.connection.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_IDLE
    ):
        raise RuntimeError("job_run must be called outside a transaction: its record is written as it goes")
    with _session_lock(key) as acquired:
        if not acquired:
            return JobRun.objects.create(job=job, key=key, status=JobRun.Status.SKIPPED, finished_at=timezone.now())
        # Holding the lock means no other run of this key is alive: a leftover `running` record is from a dead one.
        JobRun.objects.filter(key=key, status=JobRun.Status.RUNNING).update(
            status=JobRun.Status.ABANDONED, finished_at=timezone.now()
        )
        run = JobRun.objects.create(job=job, key=key)

        progress_connection = psycopg2.connect(**connection.get_connection_params())
        progress_connection.autocommit = True

        def progress(step: str, percent: int) -> None:
            # On a connection of its own, outside the work's transaction, so the admin shows it as it happens.
            with progress_connection.cursor() as cursor:
                cursor.execute(f"UPDATE {JobRun._meta.db_table} SET step = %s, progress = %s WHERE id = %s",
                               [step[:100], min(max(percent, 0), 100), run.pk])

        try:
            if atomic:
                with transaction.atomic():
                    result = work(progress)
            else:
                result = work(progress)
        except Exception:
            JobRun.objects.filter(pk=run.pk).update(status=JobRun.Status.FAILED, error=traceback.format_exc(),
                                                    finished_at=timezone.now())
            raise
        finally:
            progress_connection.close()
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.SUCCEEDED, progress=100, step="", rows=result.get("rows"), result=result,
            finished_at=timezone.now(),
        )
        run.refresh_from_db()
        return run
