from celery import shared_task

from acquisition.services import prospects_progress


@shared_task
def progress_prospects() -> int:
    """S25, every evening: converted prospects to 已入金 / 已交易 from the statements."""
    return prospects_progress()
