from celery import shared_task

from acquisition.events import events_follow_up
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
