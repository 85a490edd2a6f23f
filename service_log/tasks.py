from celery import shared_task


@shared_task
def escalate_late_complaints() -> int:
    """S7, every 15 minutes from beat."""
    from service_log.services import complaints_escalate_late

    return complaints_escalate_late()
