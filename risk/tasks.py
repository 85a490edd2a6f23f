from celery import shared_task

from risk.services import alerts_escalate_overdue


@shared_task
def escalate_overdue_alerts() -> int:
    """R6, every five minutes from beat. (A closed day's evaluation is owed work: backoffice/workflows.py.)"""
    return alerts_escalate_overdue()
