from celery import shared_task

from visits.services import visits_owe


@shared_task
def owe_return_visits() -> int:
    """A5, every five minutes from beat: a visit for each cause that has none yet (resolved complaints, forced
    liquidations, closing accounts; new accounts are owed at once by the client push's workflow)."""
    return visits_owe()
