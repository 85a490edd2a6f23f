from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

from core.owed import owed_work_sweep


@shared_task
def heartbeat() -> str:
    """Proves beat → broker → worker → Redis works; the admin's health line reads the timestamp."""
    now = timezone.now().isoformat()
    cache.set("futcrm:heartbeat", now, timeout=None)
    return now


@shared_task
def run_owed_work(owed_ids: list[int] | None = None, jobs: list[str] | None = None) -> dict:
    """Run owed work (core/owed.py): the rows one commit owes (queued after it), or every row owed (beat, every
    minute: whatever the queue never delivered). The runners are named by the roof's settings
    (OWED_WORK_RUNNERS), so this floor knows no job of the floors above."""
    runners = import_string(settings.OWED_WORK_RUNNERS)
    if jobs is not None:  # a queue's own sweep (the intraday evaluation's, every few seconds)
        runners = {job: runner for job, runner in runners.items() if job in jobs}
    return owed_work_sweep(runners, ids=owed_ids)
