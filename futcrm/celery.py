"""The Celery app. The beat schedule is declared here, in one place (STYLE.md 7); django-celery-beat copies it
into the database where it is editable in the admin."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "futcrm.settings")

app = Celery("futcrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "heartbeat": {"task": "core.tasks.heartbeat", "schedule": 300.0},
    # Whatever a close or a push owes and the queue did not deliver (Redis down at the commit, a dead worker).
    "owed-work-sweep": {"task": "core.tasks.run_owed_work", "schedule": 60.0},
    # I2–I8: a snapshot's evaluation the intraday queue never received (Redis down at the push), on its own queue.
    "intraday-sweep": {"task": "core.tasks.run_owed_work", "kwargs": {"jobs": ["intraday_evaluation"]},
                       "options": {"queue": "intraday"}, "schedule": 10.0},
    # I9: raw snapshots kept for 5 trading days.
    "intraday-prune": {"task": "risk.tasks.prune_intraday_snapshots", "schedule": crontab(hour=4, minute=0)},
    # A5: a return visit for each cause that has none yet (resolved complaints, forced liquidations, closings).
    "return-visits-owe": {"task": "visits.tasks.owe_return_visits", "schedule": 300.0},
    # R6: overdue alerts escalate to the branch risk officer.
    "alerts-escalate-overdue": {"task": "risk.tasks.escalate_overdue_alerts", "schedule": 300.0},
    # S7: late complaints escalate to the branch manager.
    "complaints-escalate-late": {"task": "service_log.tasks.escalate_late_complaints", "schedule": 900.0},
    # S12: ticket deadlines near are warned, breached ones escalate to the exceptions team.
    "tickets-sla-sweep": {"task": "service_desk.tasks.sweep_sla", "schedule": 60.0},
    # S15: survey invitations written but not sent yet (the broker was away when they were queued).
    "survey-invitations-send": {"task": "service_desk.tasks.send_survey_invitations", "schedule": 60.0},
    # S17: head office's firm-wide KPI months, so no reader waits for them; the finished ones again every night.
    "firm-kpis": {"task": "service_desk.tasks.refresh_firm_kpis", "schedule": 60.0},
    "firm-kpis-finished": {"task": "service_desk.tasks.refresh_firm_kpis", "kwargs": {"finished": True},
                           "schedule": crontab(hour=3, minute=30)},
    # S4: who received no information today, after the evening's messages (trading days only).
    "information-coverage": {"task": "service_log.tasks.count_information_coverage",
                             "schedule": crontab(hour=23, minute=45)},
    # S25: converted prospects to 已入金 / 已交易 from the day's statements.
    "prospects-progress": {"task": "acquisition.tasks.progress_prospects", "schedule": crontab(hour=23, minute=30)},
    # S26: the next trading day's account-opening appointments reminded by SMS.
    "appointment-reminders": {"task": "acquisition.tasks.send_appointment_reminders",
                              "schedule": crontab(hour=18, minute=0)},
    # S34: the referrer report's figures of this month and the last, after the evening's close.
    "referrer-months": {"task": "acquisition.tasks.compute_referrer_months", "schedule": crontab(hour=23, minute=45)},
    # S31: the attendees of the events that ended followed up (their advisors' tasks, the owners' notices).
    "events-follow-up": {"task": "acquisition.tasks.follow_up_events", "schedule": crontab(minute="*/15")},
    # S5: birthday greetings for VIP clients, every morning at 09:00.
    "birthday-greetings": {"task": "service_log.tasks.send_birthday_greetings",
                           "schedule": crontab(hour=9, minute=0)},
    # T1–T9: the current month provisionally and the previous month until final, every night (Asia/Shanghai).
    "tiers-nightly": {"task": "tiering.tasks.recalculate_tiers_nightly", "schedule": crontab(hour=2, minute=0)},
    # S2: the week's contact plans built again from their sources, after the tiers.
    "contact-plan-week": {"task": "service_log.tasks.rebuild_contact_plan_week",
                          "schedule": crontab(hour=2, minute=30)},
    # Domain O: the scope copies of alerts and contacts (clients/sql.py) set right where a race left them behind.
    "scope-copies": {"task": "service_log.tasks.repair_scope_copies", "schedule": crontab(hour=3, minute=0)},
}
