from celery import shared_task
from django.core.cache import cache
from django.utils import timezone


@shared_task
def heartbeat() -> str:
    """Proves beat → broker → worker → Redis works; the admin's health line reads the timestamp."""
    now = timezone.now().isoformat()
    cache.set("futcrm:heartbeat", now, timeout=None)
    return now
