from celery import shared_task

from service_desk.kpis import firm_kpis_refresh
from service_desk.services import sla_sweep
from service_desk.surveys import survey_invitations_send


@shared_task
def sweep_sla() -> dict:
    """S12, every minute from beat: warnings, escalations of breached deadlines, and closing week-old resolutions."""
    return sla_sweep()


@shared_task
def send_survey_invitations() -> dict:
    """S15: the invitations owed, queued when they are written and swept every minute from beat (so none is lost
    when the broker was away at the commit)."""
    return survey_invitations_send()


@shared_task
def refresh_firm_kpis(finished: bool = False) -> list[str]:
    """S17, every minute from beat (finished=True nightly): head office's firm-wide months, so no reader waits."""
    return firm_kpis_refresh(finished=finished)
