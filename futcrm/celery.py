"""The Celery app. The beat schedule is declared here, in one place (STYLE.md 7); django-celery-beat copies it
into the database where it is editable in the admin."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "futcrm.settings")

app = Celery("futcrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Later issues add the nightly jobs (tier recalculation, risk evaluation, contact plans, greetings) here.
    "heartbeat": {"task": "futcrm.tasks.heartbeat", "schedule": 300.0},
}
