import datetime

from celery import shared_task
from django.utils import timezone

from acquisition.events import events_follow_up
from acquisition.referrers import referrer_months_compute
from acquisition.services import appointment_reminders_send, prospects_progress


@shared_task
def progress_prospects() -> int:
    """S25, every evening: converted prospects to 已入金 / 已交易 from the statements."""
    return prospects_progress()


@shared_task
def send_appointment_reminders() -> int:
    """S26, every evening: tomorrow's account-opening appointments reminded by SMS."""
    return appointment_reminders_send()


@shared_task
def follow_up_events() -> int:
    """S31, every quarter hour: the attendees of the events that ended followed up."""
    return events_follow_up()


@shared_task
def compute_referrer_months() -> int:
    """S34, every night after the close: this month's and last month's referrer figures."""
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    return referrer_months_compute(last_month) + referrer_months_compute(this_month)
