import datetime

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clients.models import Client, StaffProfile
from clients.roles import Role
from clients.scoping import sees_everything, staff_profile_of
from core.approvals import draft_save, second_person_approve
from core.dates import add_months
from core.errors import DomainError
from core.tabular import column_word, date_cell, read_table
from risk import sql
from risk.models import INTRADAY_KINDS, Alert, AlertEvent, ClientRiskThresholds, KeyMonitoring, RiskThresholdSet
from settlement.models import TradingDay

WITHDRAWN_REASON = "当日结算数据已更正，预警条件不再成立（R2）"  # shown on the alert's history
RAISED_AGAIN_REASON = "当日结算数据已更正，预警条件再次成立（R2）"


@transaction.atomic
def alerts_evaluate(trade_date: datetime.date, *, now: datetime.datetime | None = None) -> int:
    """R2: raise the alerts of one trade date in one set-based pass; re-running raises nothing new (the unique
    (client, trade date, kind) makes a repeat a no-op). A day evaluated before (reopened, its statements replaced)
    is brought in line with its statements: unresolved alerts whose condition no longer holds are withdrawn, with
    an event saying why, and a withdrawn one whose condition holds again is raised again. Returns how many alerts
    were raised (or raised again) now."""
    thresholds = RiskThresholdSet.objects.in_force()
    if thresholds is None:
        raise RuntimeError("No approved risk thresholds (R8): approve a version before evaluating risk.")
    parameters = {"trade_date": trade_date, "thresholds_id": thresholds.pk, "now": now or timezone.now(),
                  "reason": WITHDRAWN_REASON, "reason_again": RAISED_AGAIN_REASON}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('futcrm:risk-evaluation'), hashtext(%s))",
                       [trade_date.isoformat()])
        if Alert.objects.filter(trade_date=trade_date).exclude(kind__in=INTRADAY_KINDS).exists():  # evaluated before
            cursor.execute(sql.WITHDRAW_ALERTS, parameters)
        cursor.execute(sql.RAISE_ALERTS, parameters)
        return cursor.fetchone()[0]


# R5/R6 workflow -----------------------------------------------------------------------------------------------
# open → acknowledged → contacted (with a contact record, S1) → resolved (with a note); escalation at any step
# before resolution sends the alert to the branch risk officer.
ACTING_ROLES = {Role.ADVISOR, Role.RISK_OFFICER, Role.BRANCH_MANAGER, Role.HEAD_OFFICE}


def _alert_for(user, alert_id: int) -> Alert:


    profile = staff_profile_of(user)
    if not (sees_everything(user) or (profile is not None and profile.role in ACTING_ROLES)):
        raise PermissionDenied
    alert = Alert.objects.visible_to(user).select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise PermissionDenied
    return alert


def _move(alert: Alert, *, expected: set[str], to: str, user, note: str = "") -> Alert:

    if alert.status not in expected:
        raise DomainError(f"An alert that is {alert.status} cannot become {to}.", code="forbidden_transition",
                          field="status")
    alert.status = to
    alert.save(update_fields=["status", "resolution_note"])
    AlertEvent.objects.create(alert=alert, action=to, actor=user, note=note)
    return alert


class Step:
    """R5's steps as the alert page offers them (issue 14 item 4), in the workflow's order."""
    ACKNOWLEDGE, CONTACT, RESOLVE, ESCALATE = "acknowledge", "contact", "resolve", "escalate"


def alert_steps_open_to(user, alert: Alert) -> list[str]:
    """R5: the steps `user` may take on `alert` now. Acknowledge an open alert; log a contact on an open or
    acknowledged one (an open one is acknowledged in the same step, service_log.services); resolve a contacted one
    with a note; escalate any unfinished one not escalated yet. Only the roles that work alerts (ACTING_ROLES, head
    office) take steps, and a contact needs the right to log contacts (S1)."""
    profile = staff_profile_of(user)
    if not (sees_everything(user) or (profile is not None and profile.role in ACTING_ROLES)):
        return []
    steps = []
    if alert.status == Alert.Status.OPEN:
        steps.append(Step.ACKNOWLEDGE)
    if alert.status in {Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED} and user.has_perm(
            "service_log.add_contactrecord"):
        steps.append(Step.CONTACT)
    if alert.status == Alert.Status.CONTACTED:
        steps.append(Step.RESOLVE)
    if alert.status not in {Alert.Status.RESOLVED, Alert.Status.WITHDRAWN} and not alert.escalated:
        steps.append(Step.ESCALATE)
    return steps


@transaction.atomic
def alert_acknowledge(*, user, alert_id: int) -> Alert:
    return _move(_alert_for(user, alert_id), expected={Alert.Status.OPEN}, to=Alert.Status.ACKNOWLEDGED, user=user)


@transaction.atomic
def alert_record_contact(*, user, alert_id: int, contact) -> Alert:
    """R5: contacted needs a contact record (S1) with the alert's client, linked to the alert."""
    alert = _alert_for(user, alert_id)
    if contact.client_id != alert.client_id:
        raise DomainError("The contact record is for another client.", code="other_client", field="contact")
    contact.alert = alert
    contact.save(update_fields=["alert"])
    return _move(alert, expected={Alert.Status.ACKNOWLEDGED}, to=Alert.Status.CONTACTED, user=user,
                 note=f"contact record {contact.pk}")


@transaction.atomic
def alert_resolve(*, user, alert_id: int, note: str) -> Alert:

    if not note.strip():
        raise DomainError("Resolving an alert needs a note.", code="note_required", field="note")
    alert = _alert_for(user, alert_id)
    alert.resolution_note = note.strip()
    return _move(alert, expected={Alert.Status.CONTACTED}, to=Alert.Status.RESOLVED, user=user, note=note.strip())


def _branch_risk_officer(alert: Alert) -> StaffProfile | None:
    """R5's fallback for one alert (sql.R5_BRANCH_RISK_OFFICERS)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM ({sql.R5_BRANCH_RISK_OFFICERS}) AS officer WHERE branch_id = %s",
                       [alert.client.branch_id])
        row = cursor.fetchone()
    return StaffProfile.objects.get(pk=row[0]) if row else None


@transaction.atomic
def alert_escalate(*, user, alert_id: int, note: str = "") -> Alert:
    """R5: escalate to the branch risk officer (by hand; overdue alerts escalate by themselves, R6)."""
    alert = _alert_for(user, alert_id)
    if alert.status in {Alert.Status.RESOLVED, Alert.Status.WITHDRAWN} or alert.escalated:
        raise DomainError("Only an unresolved alert that is not escalated yet can be escalated.",
                          code="forbidden_transition", field="status")
    alert.escalated = True
    alert.assigned_to = _branch_risk_officer(alert) or alert.assigned_to
    alert.save(update_fields=["escalated", "assigned_to"])
    AlertEvent.objects.create(alert=alert, action=AlertEvent.Action.ESCALATED, actor=user, note=note)
    return alert


ESCALATE_OVERDUE = f"""
WITH officers AS ({sql.R5_BRANCH_RISK_OFFICERS}
), overdue AS (
    UPDATE risk_alert AS alert SET escalated = true,
        assigned_to_id = coalesce((SELECT officer.id FROM officers officer
                                   JOIN clients_client client ON client.branch_id = officer.branch_id
                                   WHERE client.id = alert.client_id), alert.assigned_to_id)
    WHERE alert.status IN ('open', 'acknowledged') AND NOT alert.escalated AND alert.due_at < %(now)s
    RETURNING alert.id
)
INSERT INTO risk_alertevent (alert_id, action, actor_id, at, note)
SELECT id, 'escalated', NULL, %(now)s, 'overdue (R6)' FROM overdue
"""

@transaction.atomic
def alerts_escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """R6: alerts not contacted by their deadline escalate to the branch risk officer, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(ESCALATE_OVERDUE, {"now": now or timezone.now()})
        return cursor.rowcount


# R3 key monitoring, R4 risk levels -------------------------------------------------------------------------------

@transaction.atomic
def key_monitoring_update(trade_date) -> None:
    """R3 after a day's alerts: join on a trigger, refresh, and leave after 20 quiet trading days."""
    month_start = trade_date.replace(day=1)
    first_trading_day = TradingDay.objects.between(month_start, trade_date).values_list("date", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(sql.KEY_MONITORING_TRIGGERS, {"trade_date": trade_date})
        if first_trading_day == trade_date:
            cursor.execute(sql.KEY_MONITORING_IDLE, {"trade_date": trade_date, "month_start": month_start,
                                                     "idle_from": add_months(trade_date, -2)})
        cursor.execute(sql.KEY_MONITORING_QUIET, {"trade_date": trade_date})


@transaction.atomic
def key_monitoring_end(*, user, entry_id: int, note: str):
    """R3: leave the list by hand, with a reason."""
    if not note.strip():
        raise DomainError("Removing a client from key monitoring needs a reason.", field="note")
    entry = KeyMonitoring.objects.visible_to(user).select_for_update().filter(pk=entry_id, ended_on__isnull=True)
    entry = entry.first()
    if entry is None or not user.has_perm("risk.change_keymonitoring"):
        raise PermissionDenied
    entry.ended_on = timezone.localdate()
    entry.end_reason = entry.EndReason.MANUAL
    entry.ended_by = user
    entry.note = note.strip()
    entry.save()
    return entry


KEY_MONITORING_COLUMNS = {
    "account_no": ("account_no", "资金账号", "账号", "客户账号"),
    "reason": ("reason", "原因", "监控原因", "列入原因"),
    "started_on": ("started_on", "since", "列入日期", "开始日期", "监控开始日期"),
    "last_trigger_on": ("last_trigger_on", "last trigger", "最近触发日期"),
    "note": ("note", "备注", "说明"),
}
OPTIONAL_KEY_MONITORING_COLUMNS = ("last_trigger_on", "note")


def _reason_of(text: str) -> tuple[str, str]:
    """A reason as the settlement department wrote it: a code, or a label in English or Chinese (大额出入金 …); any
    other words are kept as the note of an entry added by hand."""
    words = text.strip()
    for reason in KeyMonitoring.Reason:
        with translation.override("zh-hans"):
            chinese = str(reason.label)
        if words.lower() in {reason.value, str(reason.label).lower()} or words == chinese:
            return reason.value, ""
    return KeyMonitoring.Reason.MANUAL, words


@transaction.atomic
def key_monitoring_import(*, user, data: bytes, filename: str) -> list[KeyMonitoring]:
    """R3 (issue 16 item 5): the settlement department's list from before go-live (CR上线前由结算部提供客户名单),
    from CSV or Excel: account_no, reason, started_on, and optionally last_trigger_on and note. All or nothing:
    every bad row is named with its field (one DomainError naming them all). Only clients the user may see (O).
    R3's 20 quiet trading days count from last_trigger_on, which is the import's day when the list does not name one
    (the CRM knows no trigger from before it)."""
    checked = _key_monitoring_check(user=user, data=data, filename=filename)
    problems = [problem for row in checked for problem in row["problems"]]
    if problems:
        raise DomainError(" ".join(problems[:50]) + (f" … ({len(problems)})" if len(problems) > 50 else ""),
                          field="file", code="invalid_rows", status=400)
    return KeyMonitoring.objects.bulk_create([row["entry"] for row in checked])


def key_monitoring_rows(*, user, data: bytes, filename: str, commit: bool, progress=None) -> list[dict]:
    """The same list for the admin's import page (core.imports): every row with its problems, written only when
    `commit` and no row has one."""
    checked = _key_monitoring_check(user=user, data=data, filename=filename)
    if commit and not any(row["problems"] for row in checked):
        KeyMonitoring.objects.bulk_create([row["entry"] for row in checked])
    return checked


def _key_monitoring_check(*, user, data: bytes, filename: str) -> list[dict]:
    if not user.has_perm("risk.add_keymonitoring"):
        raise PermissionDenied
    rows = read_table(data, filename, columns=KEY_MONITORING_COLUMNS, optional=OPTIONAL_KEY_MONITORING_COLUMNS)
    today = timezone.localdate()
    accounts = [values["account_no"] for _number, values in rows]
    clients = {client.account_no: client
               for client in Client.objects.visible_to(user).filter(account_no__in=accounts)}
    listed = set(KeyMonitoring.objects.filter(client__in=clients.values(), ended_on__isnull=True)
                 .values_list("client__account_no", flat=True))
    checked, seen = [], {}
    for number, values in rows:
        problems = []
        checked.append({"row": number, "values": values, "problems": problems, "entry": None})

        def problem(message, number=number, problems=problems, **values):
            problems.append(message % {"row": number, **values})

        account = values["account_no"]
        client = clients.get(account)
        if not account:
            problem(_("Row %(row)s: %(field)s is required."), field=column_word("account_no"))
        elif client is None:
            problem(_("Row %(row)s: account_no %(account)s is not a client you may see."), account=account)
        elif account in seen:
            problem(_("Row %(row)s: account_no %(account)s appears again (first in row %(first)s)."),
                    account=account, first=seen[account])
        elif account in listed:
            problem(_("Row %(row)s: account_no %(account)s is on the key-monitoring list already."), account=account)
        seen.setdefault(account, number)
        if not values["reason"]:
            problem(_("Row %(row)s: %(field)s is required."), field=column_word("reason"))
        dates = {}
        for field in ("started_on", "last_trigger_on"):
            if not values[field]:
                continue
            try:
                dates[field] = date_cell(values[field])
            except ValueError:
                problem(_("Row %(row)s: %(field)s %(value)s is not a date (YYYY-MM-DD)."), field=column_word(field),
                        value=repr(values[field]))
                continue
            if dates[field] > today:
                problem(_("Row %(row)s: %(field)s %(value)s is in the future."), field=column_word(field),
                        value=dates[field])
        if not values["started_on"]:
            problem(_("Row %(row)s: %(field)s is required."), field=column_word("started_on"))
        started, last = dates.get("started_on"), dates.get("last_trigger_on", today)
        if started and "last_trigger_on" in dates and last < started:
            problem(_("Row %(row)s: last_trigger_on is before started_on."))
        if problems:
            continue
        reason, words = _reason_of(values["reason"])
        note = "；".join(part for part in (words, values["note"].strip()) if part)
        checked[-1]["entry"] = KeyMonitoring(client=client, reason=reason, started_on=started, last_trigger_on=last,
                                             note=note[:2000])
    if not checked:
        raise DomainError(_("The file has no rows."), field="file", code="empty", status=400)
    return checked


@transaction.atomic
def risk_levels_compute(month) -> int:
    """R4 for every client with positions or risk events in the month; re-running gives the same levels."""
    month = month.replace(day=1)
    with connection.cursor() as cursor:
        cursor.execute(sql.RISK_LEVELS, {"month": month, "next_month": add_months(month, 1),
                                         "three_months_start": add_months(month, -2), "now": timezone.now()})
        return cursor.rowcount


# R8: thresholds are versioned and approved like T10 ------------------------------------------------------------

@transaction.atomic
def risk_thresholds_draft_save(*, user, thresholds: RiskThresholdSet) -> RiskThresholdSet:
    """R8: a new firm-wide version (or an edit of a draft) is the author's draft until a second person approves."""
    permission = "risk.add_riskthresholdset" if thresholds.pk is None else "risk.change_riskthresholdset"
    return draft_save(thresholds, user=user, permission=permission)


@transaction.atomic
def risk_thresholds_approve(*, user, thresholds: RiskThresholdSet) -> RiskThresholdSet:
    return second_person_approve(RiskThresholdSet.objects.select_for_update().get(pk=thresholds.pk), user=user,
                                 approver_is_head_office=sees_everything(user),
                                 permission="risk.change_riskthresholdset")


@transaction.atomic
def client_risk_thresholds_propose(*, user, client_id: int, reason: str, **values):
    """A new per-client version (draft); empty values fall back to the firm-wide thresholds."""
    client = Client.objects.visible_to(user).filter(pk=client_id).first()
    if client is None or not user.has_perm("risk.add_clientriskthresholds"):
        raise PermissionDenied
    if not reason.strip():
        raise DomainError("A reason is required.", field="reason")
    version = (ClientRiskThresholds.objects.filter(client=client).aggregate(Max("version"))["version__max"] or 0) + 1
    return ClientRiskThresholds.objects.create(client=client, version=version, reason=reason.strip(), author=user,
                                               **values)


@transaction.atomic
def client_risk_thresholds_approve(*, user, thresholds):

    return second_person_approve(ClientRiskThresholds.objects.select_for_update().get(pk=thresholds.pk), user=user,
                                 approver_is_head_office=sees_everything(user),
                                 permission="risk.change_clientriskthresholds")
