from celery import shared_task

from risk.services import alerts_escalate_overdue


@shared_task
def escalate_overdue_alerts() -> int:
    """R6, every five minutes from beat. (A closed day's evaluation is owed work: backoffice/workflows.py.)"""
    return alerts_escalate_overdue()


@shared_task
def prune_intraday_snapshots() -> int:
    """I9, every night: raw snapshots older than 5 trading days."""
    from core.jobs import job_run
    from risk.intraday import intraday_prune

    return job_run("intraday_prune", "intraday-prune", lambda progress: {"rows": intraday_prune()}).rows or 0
