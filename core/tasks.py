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
def run_owed_work(owed_ids: list[int] | None = None) -> dict:
    """Run owed work (core/owed.py): the rows one commit owes (queued after it), or every row owed (beat, every
    minute: whatever the queue never delivered). The runners are named by the roof's settings
    (OWED_WORK_RUNNERS), so this floor knows no job of the floors above."""
    return owed_work_sweep(import_string(settings.OWED_WORK_RUNNERS), ids=owed_ids)
