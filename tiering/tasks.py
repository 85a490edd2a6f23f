"""Thin Celery tasks (STYLE.md 7): take a month, run the service under a job record."""

import datetime

from celery import shared_task
from django.utils import timezone

from tiering.cards import cards_compute_as_job
from tiering.services import tiers_recalculate_as_job


@shared_task
def recalculate_tiers_for_month(month: str) -> str:
    """Queued when a settlement day closes: the month of that day, provisional until all its days close (T9)."""
    return tiers_recalculate_as_job(datetime.date.fromisoformat(month)).status


@shared_task
def recalculate_tiers_nightly() -> list[str]:
    """Beat, every night: the current month (provisional) and the previous one, which becomes final once all its
    trading days are closed; then the same months' contribution cards (T13, issue 16 item 6)."""
    this_month = timezone.localdate().replace(day=1)
    previous_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    months = (previous_month, this_month)
    return ([tiers_recalculate_as_job(month).status for month in months]
            + [cards_compute_as_job(month).status for month in months])
