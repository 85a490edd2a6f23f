from celery import shared_task

from service_desk.services import sla_sweep


@shared_task
def sweep_sla() -> dict:
    """S12, every minute from beat: warnings, escalations of breached deadlines, and closing week-old resolutions."""
    return sla_sweep()
