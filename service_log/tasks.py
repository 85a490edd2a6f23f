from celery import shared_task
from django.utils import timezone

from service_log.services import (
    birthday_greetings_send,
    broadcast_send,
    complaints_escalate_late,
    contact_plan_week_rebuild,
    holiday_greetings_send,
    information_gaps_write,
    scope_copies_repair,
    welcome_messages_send,
)
from settlement.models import TradingDay


@shared_task
def send_welcome_messages(client_ids: list[int]) -> int:
    """S3: the welcome SMS for accounts that just arrived through the settlement push (queued after commit)."""
    return welcome_messages_send(client_ids)


@shared_task
def send_broadcast(broadcast_id: int) -> int:
    """S4: queued when a broadcast is created; re-running skips those already sent to."""
    return broadcast_send(broadcast_id)


@shared_task
def send_birthday_greetings() -> int:
    """S5, every morning: birthday and holiday greetings to VIP clients who agreed to such messages (S9)."""
    return birthday_greetings_send() + holiday_greetings_send()


@shared_task
def escalate_late_complaints() -> int:
    """S7, every 15 minutes from beat."""
    return complaints_escalate_late()


@shared_task
def rebuild_contact_plan_week() -> str:
    """S2, every night: the current week's contact plans built again from their sources (service_log/sql.py)."""
    return contact_plan_week_rebuild().isoformat()


@shared_task
def repair_scope_copies() -> int:
    """Domain O, every night: rows' copies of their client's branch and advisor set right where a race left them."""
    return scope_copies_repair()


@shared_task
def count_information_coverage() -> int:
    """S4, every evening after the day and night sessions' information is out: today's opted-in clients who got
    nothing, if today is a trading day (the report and the workbench read them)."""
    today = timezone.localdate()
    if not TradingDay.objects.trading().filter(date=today).exists():
        return 0
    return information_gaps_write(today)
