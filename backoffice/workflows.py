"""The workflows that cross apps, written down in one place (docs/architecture.md).

**The day-close workflow.** settlement_day_close records, in the close's own transaction, the work a closed day
owes (settlement.services.DAY_CLOSE_CHAIN and DAY_CLOSE_TIERS); this module runs each step under a job record:

    risk_evaluation      R2  the day's alerts (and the day's alerts_raised in its summary)
      → margin_call_notices  R7  SMS to the clients, notification and email to their advisors
      → key_monitoring       R3  join, refresh, leave after 20 quiet trading days
      → risk_levels          R4  the month's risk levels
    tier_recalculation   T1–T9 the day's month, provisional until all its days are closed (waits for nothing)

**The client-arrived workflow.** A settlement push that brings new accounts owes their prospects' conversion (S25),
their return visits (A5) and their welcome SMS (S3).

**Broadcasts.** A broadcast (S4) owes its sending.

**Research distributions.** A distribution of an approved publication (S20) owes its sending: delivery rows in
one INSERT … SELECT, SMS in batches, then S21's same-day follow-up tasks.

**Event invitations.** An event's invitations (S30) owe their sending, in batches like a distribution's.

**Calendar changes.** A calendar day changed (settlement/calendar.py, C4) owes the graded months whose windows hold
it; an approved re-grading (T10) owes the months from its own on. Both end in tier_recalculation steps.

Each step is queued when its cause commits (the fast path) and found by the sweep every minute otherwise
(core.tasks.run_owed_work, core/owed.py): Redis down at a close loses nothing, and two sweeps never run a step twice.
"""

import datetime

from django.utils.translation import gettext_lazy as _

from acquisition.events import INVITATIONS_SEND, invitations_send
from acquisition.referrers import attributions_open
from acquisition.services import prospects_convert
from core.imports import IMPORT_RUN, import_upload_run
from core.jobs import job_run
from core.models import JobRun, OwedWork
from research.services import DISTRIBUTION_SEND, distribution_send
from risk.intraday import intraday_day_close, intraday_evaluate
from risk.selectors import alerts_raised_on
from risk.services import alerts_evaluate, key_monitoring_update, risk_levels_compute
from service_desk.services import service_intervals_rebuild
from service_log.services import BROADCAST_SEND, broadcast_send, margin_call_notices_send, welcome_messages_send
from settlement.calendar import CALENDAR_CHANGED
from settlement.clients_push import CLIENTS_ARRIVED
from settlement.intraday import INTRADAY_EVALUATION
from settlement.models import SettlementDay
from settlement.services import DAY_CLOSE_CHAIN, DAY_CLOSE_TIERS
from tiering.services import tiers_owe_after_calendar_change, tiers_recalculate_as_job
from visits.services import visits_owe


def _day(owed: OwedWork) -> datetime.date:
    return datetime.date.fromisoformat(owed.key)


def risk_evaluation_run(trade_date: datetime.date) -> JobRun:
    """R2 for one closed day; the day's summary then says how many alerts it has. Re-running raises nothing new."""

    def work(progress):
        progress("alerts", 10)
        raised = alerts_evaluate(trade_date)
        progress("the session's summary", 60)
        summarised = intraday_day_close(trade_date)  # I9: after R2, whose alerts the intraday ones link to
        total = alerts_raised_on(trade_date)
        SettlementDay.objects.filter(trade_date=trade_date).update(alerts_raised=total)
        return {"rows": raised, "raised_now": raised, "alerts_raised": total, "intraday_summaries": summarised}

    return job_run("evaluate_risk", f"risk:{trade_date}", work)


def margin_call_notices_run(trade_date: datetime.date) -> JobRun:
    """R7, each notice committed as it is sent (atomic=False), so a retry after a failure sends nothing twice."""

    def work(progress):
        progress("notices", 10)
        counts = margin_call_notices_send(trade_date)
        return {**counts, "rows": counts["sms_sent"]}

    return job_run("margin_call_notices", f"notices:{trade_date}", work, atomic=False)


def key_monitoring_run(trade_date: datetime.date) -> JobRun:
    def work(progress):
        progress("key monitoring", 10)
        key_monitoring_update(trade_date)
        return {}

    return job_run("key_monitoring", f"key-monitoring:{trade_date}", work)


def risk_levels_run(trade_date: datetime.date) -> JobRun:
    def work(progress):
        progress("risk levels", 10)
        return {"rows": risk_levels_compute(trade_date)}

    return job_run("risk_levels", f"risk-levels:{trade_date:%Y-%m}", work)


def intraday_evaluation_run(owed: OwedWork) -> JobRun:
    """I2–I8 for one snapshot (settlement/intraday.py owes it; the `intraday` queue runs it)."""
    trading_day = datetime.date.fromisoformat(owed.arguments["trading_day"])
    sequence = int(owed.arguments["sequence"])

    def work(progress):
        counts = intraday_evaluate(trading_day, sequence)
        return {**counts, "rows": counts["raised"] + counts["raised_again"] + counts["eased"]}

    return job_run("intraday_evaluation", f"intraday:{trading_day}#{sequence}", work)


def welcome_run(client_ids: list[int], key: str) -> JobRun:
    """New accounts: their prospects converted first (S25: the owner becomes the marketer) and credited (S32), their
    return visits owed (A5), then the welcome SMS."""
    def work(progress):
        progress("prospects", 5)
        converted = prospects_convert(client_ids)
        credited = attributions_open(client_ids)  # S32: to the prospect's referrer and the marketer
        visits = visits_owe(client_ids)  # A5: the new account's return visit, on the workbench at once
        progress("welcome SMS", 10)
        return {"rows": welcome_messages_send(client_ids), "prospects": converted, "attributions": credited,
                "return_visits": visits}

    return job_run("welcome_sms", f"welcome:{key}", work, atomic=False)


def calendar_changed_run(owed: OwedWork) -> JobRun:
    """C4: the calendar days changed owe the graded months whose windows hold them (each its own owed step)."""
    days = [datetime.date.fromisoformat(day) for day in owed.arguments["days"]]

    def work(progress):
        progress("months", 10)
        rows = len(tiers_owe_after_calendar_change(days, cause=f"calendar-{owed.pk}"))
        progress("service hours", 60)
        service_intervals_rebuild()  # S12: the tickets' clock and deadlines follow the calendar
        return {"rows": rows}

    return job_run("calendar_changed", f"calendar:{owed.key}", work)


def broadcast_run(broadcast_id: int) -> JobRun:
    def work(progress):
        progress("sending", 10)
        return {"rows": broadcast_send(broadcast_id)}

    return job_run("broadcast", f"broadcast:{broadcast_id}", work, atomic=False)


def distribution_run(distribution_id: int) -> JobRun:
    def work(progress):
        return {"rows": distribution_send(distribution_id, progress)["recipients"]}

    return job_run("research_distribution", f"distribution:{distribution_id}", work, atomic=False)


def invitations_run(event_id: int) -> JobRun:
    def work(progress):
        return {"rows": invitations_send(event_id, progress)["sent"]}

    return job_run("event_invitations", f"invitations:{event_id}", work, atomic=False)


DAY_CLOSE_STEPS = {
    "risk_evaluation": risk_evaluation_run,
    "margin_call_notices": margin_call_notices_run,
    "key_monitoring": key_monitoring_run,
    "risk_levels": risk_levels_run,
}

# settings.OWED_WORK_RUNNERS: what runs each kind of owed work (core/owed.py).
OWED_WORK_RUNNERS = {
    **{job: (lambda owed, step=step: step(_day(owed))) for job, step in DAY_CLOSE_STEPS.items()},
    DAY_CLOSE_TIERS: lambda owed: tiers_recalculate_as_job(datetime.date.fromisoformat(owed.arguments["month"])),
    CLIENTS_ARRIVED: lambda owed: welcome_run(owed.arguments["client_ids"], owed.key),
    BROADCAST_SEND: lambda owed: broadcast_run(int(owed.key)),
    DISTRIBUTION_SEND: lambda owed: distribution_run(int(owed.key)),
    INVITATIONS_SEND: lambda owed: invitations_run(int(owed.key)),
    CALENDAR_CHANGED: calendar_changed_run,
    IMPORT_RUN: import_upload_run,
    INTRADAY_EVALUATION: intraday_evaluation_run,
}

# What a person reads for each kind of owed work (the admin's list of owed work).
OWED_WORK_LABELS = {
    "risk_evaluation": _("risk evaluation (R2)"),
    "margin_call_notices": _("margin-call notices (R7)"),
    "key_monitoring": _("key monitoring (R3)"),
    "risk_levels": _("risk levels (R4)"),
    DAY_CLOSE_TIERS: _("tier recalculation (T1–T9)"),
    CLIENTS_ARRIVED: _("new accounts: prospects converted and credited, return visits owed, welcome SMS (S25, S32, "
                       "A5, S3)"),
    BROADCAST_SEND: _("sending a broadcast (S4)"),
    DISTRIBUTION_SEND: _("sending research to clients (S20)"),
    INVITATIONS_SEND: _("sending an event's invitations (S30)"),
    CALENDAR_CHANGED: _("graded months after a calendar change (C4)"),
    IMPORT_RUN: _("a large list checked or imported"),
    INTRADAY_EVALUATION: _("intraday risk of a snapshot (I2–I8)"),
}


# …and for each job's runs (the admin's job records): the job names given to core.jobs.job_run.
JOB_RUN_LABELS = {
    "recalc_tiers": _("tier recalculation (T1–T9)"),
    "evaluate_risk": _("risk evaluation (R2)"),
    "margin_call_notices": _("margin-call notices (R7)"),
    "key_monitoring": _("key monitoring (R3)"),
    "risk_levels": _("risk levels (R4)"),
    "welcome_sms": _("new accounts: prospects converted and credited, return visits owed, welcome SMS (S25, S32, "
                     "A5, S3)"),
    "broadcast": _("sending a broadcast (S4)"),
    "research_distribution": _("sending research to clients (S20)"),
    "event_invitations": _("sending an event's invitations (S30)"),
    "calendar_changed": _("graded months after a calendar change (C4)"),
    "contribution_cards": _("contribution cards (T13)"),
    "import": _("a large list checked or imported"),
    "intraday_evaluation": _("intraday risk of a snapshot (I2–I8)"),
    "intraday_prune": _("old intraday snapshots pruned (I9)"),
}


def day_close_risk_steps_run(trade_date: datetime.date) -> list[JobRun]:
    """The day-close chain's risk steps for one day, now and in order (evaluate_risk, tests); each under its job
    record. The owed rows of a close are what the sweep runs; this is for a day evaluated by hand."""
    return [DAY_CLOSE_STEPS[job](trade_date) for job in DAY_CLOSE_CHAIN]
