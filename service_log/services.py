"""Service writes: sending SMS from templates with a delivery record (R7, S3–S5), in-app notifications."""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from clients.models import Client, StaffProfile
from clients.roles import Role
from clients.scoping import staff_profile_of
from clients.sql import scope_copies_repair_sql
from core.errors import DomainError
from core.owed import owe_and_queue
from core.sms import SmsError, SmsMessage, get_backend
from risk.models import Alert
from risk.services import alert_acknowledge, alert_record_contact
from service_log import sql
from service_log.models import (
    Broadcast,
    Complaint,
    ContactPlanWeekBuilt,
    ContactRecord,
    FollowUpTask,
    MessageTemplate,
    Notification,
    SmsDelivery,
    SurveyResponse,
)
from settlement.models import TradingDay
from tiering.models import VIP_TIERS
from tiering.selectors import in_current_tiers, with_current_tier


def sms_send(*, client: Client, template_code: str, context: dict, alert=None, broadcast=None,
             sent_on=None) -> SmsDelivery:
    """Render the template for the client and send it. Marketing templates need the client's consent (S9);
    statutory notices do not. Every attempt is recorded, sent or failed."""
    template = MessageTemplate.objects.get(code=template_code)
    if template.marketing and not client.marketing_opt_in:
        raise DomainError(f"{client} has not agreed to marketing messages.", code="no_consent")
    phone = client.decrypted_phone()
    if not phone:
        raise DomainError(f"{client} has no phone number.", code="no_phone")
    values = {"name": client.name, "account": client.account_no, "hotline": settings.SERVICE_HOTLINE, **context}
    text = template.body.format_map(values)
    try:
        gateway_id = get_backend().send(SmsMessage(phone=phone, text=text))
    except SmsError as error:
        return SmsDelivery.objects.create(client=client, template=template, alert=alert, broadcast=broadcast,
                                          text=text, status=SmsDelivery.Status.FAILED, error=str(error),
                                          **({"sent_on": sent_on} if sent_on else {}))
    return SmsDelivery.objects.create(client=client, template=template, alert=alert, broadcast=broadcast, text=text,
                                      status=SmsDelivery.Status.SENT, gateway_id=gateway_id,
                                      **({"sent_on": sent_on} if sent_on else {}))


def notification_create(*, user, text: str, link: str = "") -> Notification:
    return Notification.objects.create(recipient=user, text=text[:300], link=link)


# S1 contact records, R5 "a contact answers an alert" ----------------------------------------------------------------

CONTACT_FIELDS = ("contacted_at", "channel", "direction", "category", "summary", "outcome", "next_follow_up")


@transaction.atomic
def contact_record_create(*, user, client_id: int, staff_id: int | None = None, alert_id: int | None = None,
                          **fields) -> ContactRecord:
    """S1: log a contact with a client the user may see. The staff member defaults to the user and must be one
    the user may see; a linked alert must be visible to the user and be the same client's (domain O, for every
    entry point: the client page, the contacts list, the API). Linked to an acknowledged alert, the contact
    answers it (R5, contact_record_answer_alert). Returns the contact; `contact.alert_not_answered` says why a
    linked alert did not move, or is None."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise DomainError(f"Unknown contact field(s): {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    if not user.has_perm("service_log.add_contactrecord"):
        raise PermissionDenied
    client = Client.objects.visible_to(user).filter(pk=client_id).first()
    if client is None:
        raise PermissionDenied
    if staff_id is None:
        staff = staff_profile_of(user)
        if staff is None:
            raise DomainError("Name the member of staff who made the contact.", field="staff")
    else:
        staff = StaffProfile.objects.visible_to(user).filter(pk=staff_id).first()
        if staff is None:
            raise PermissionDenied
    alert = None
    if alert_id is not None:
        alert = Alert.objects.visible_to(user).filter(pk=alert_id).first()
        if alert is None:
            raise PermissionDenied
        if alert.client_id != client.pk:
            raise DomainError("The alert is another client's.", code="other_client", field="alert")
    contact = ContactRecord(client=client, staff=staff, alert=alert, **fields)
    contact.full_clean()
    contact.save()
    follow_up_tasks_close(contact=contact)
    contact.alert_not_answered = contact_record_answer_alert(user=user, contact=contact)
    return contact


def follow_up_tasks_close(*, contact: ContactRecord) -> int:
    """S21: a contact with a client closes the client's open follow-up tasks set at or before it (to the minute, as
    tasks are set); a task set later than the contact stays open. Every writer of a contact calls this (the service
    above, a survey's follow-up contact). Returns how many it closed."""
    return FollowUpTask.objects.filter(client_id=contact.client_id, contact__isnull=True,
                                       set_at__lte=contact.contacted_at).update(contact=contact,
                                                                                done_at=contact.contacted_at)


def contact_record_answer_alert(*, user, contact: ContactRecord) -> str | None:
    """R5: a contact linked to an open or acknowledged alert moves it to "contacted"; an open one is acknowledged in
    the same step (issue 14: one click for the person on the phone). Returns None when it moved (or when no alert
    is linked), else why not, in words for the person: the alert is past that step, or their role may not act on
    alerts."""
    if contact.alert_id is None:
        return None
    alert = Alert.objects.get(pk=contact.alert_id)
    try:
        if alert.status == Alert.Status.OPEN:
            alert = alert_acknowledge(user=user, alert_id=alert.pk)
        if alert.status != Alert.Status.ACKNOWLEDGED:
            return gettext("%(alert)s is %(status)s already: the contact is kept and linked, the alert stays as it "
                           "was.") % {"alert": alert, "status": alert.get_status_display()}
        alert_record_contact(user=user, alert_id=alert.pk, contact=contact)
    except PermissionDenied:
        return gettext("%(alert)s: your role does not work risk alerts; the contact is kept and linked, and the "
                       "alert's owner moves it on.") % {"alert": alert}
    except DomainError as error:
        return f"{alert}: {error.message}"
    return None


# S7 complaints ----------------------------------------------------------------------------------------------------

def complaint_register(*, user, client_id: int, channel: str, category: str, description: str,
                       severity: str = "medium", received_at=None):
    """Record a complaint with its deadlines (acknowledge ≤ 24 h, resolve ≤ 15 days from receipt, S7)."""
    client = Client.objects.visible_to(user).filter(pk=client_id).first()
    if client is None or not user.has_perm("service_log.add_complaint"):
        raise PermissionDenied
    if not description.strip():
        raise DomainError("Describe the complaint.", field="description")
    received_at = received_at or timezone.now()
    return Complaint.objects.create(
        client=client, channel=channel, category=category, severity=severity, description=description.strip(),
        received_at=received_at, acknowledge_by=received_at + Complaint.ACKNOWLEDGE_WITHIN,
        resolve_by=received_at + Complaint.RESOLVE_WITHIN, handled_by=staff_profile_of(user),
    )  # fmt: skip


def _complaint_for(user, complaint_id: int):


    complaint = Complaint.objects.visible_to(user).select_for_update().filter(pk=complaint_id).first()
    if complaint is None or not user.has_perm("service_log.change_complaint"):
        raise PermissionDenied
    return complaint


def complaint_acknowledge(*, user, complaint_id: int):

    with transaction.atomic():
        complaint = _complaint_for(user, complaint_id)
        if complaint.status != complaint.Status.RECEIVED:
            raise DomainError("Only a received complaint can be acknowledged.", code="forbidden_transition")
        complaint.status, complaint.acknowledged_at = complaint.Status.ACKNOWLEDGED, timezone.now()
        complaint.save(update_fields=["status", "acknowledged_at"])
        return complaint


def complaint_resolve(*, user, complaint_id: int, root_cause: str, resolution: str, compensation=0):


    if not root_cause.strip() or not resolution.strip():
        raise DomainError("A resolved complaint needs its root cause and resolution.", field="root_cause")
    try:
        compensation = Decimal(str(compensation))
    except InvalidOperation:
        raise DomainError("Compensation must be an amount.", field="compensation") from None
    if compensation < 0 or compensation != compensation.quantize(Decimal("0.01")):
        raise DomainError("Compensation must be an amount in yuan and fen, not negative.", field="compensation")
    with transaction.atomic():
        complaint = _complaint_for(user, complaint_id)
        if complaint.status != complaint.Status.ACKNOWLEDGED:
            raise DomainError("Acknowledge the complaint before resolving it.", code="forbidden_transition")
        complaint.status, complaint.resolved_at = complaint.Status.RESOLVED, timezone.now()
        complaint.root_cause, complaint.resolution = root_cause.strip(), resolution.strip()
        complaint.compensation = compensation
        complaint.save()
        return complaint


def complaints_escalate_late() -> int:
    """S7: complaints past a deadline escalate to their branch manager (in-app notification), once."""
    now = timezone.now()
    late = Complaint.objects.filter(escalated=False).filter(
        Q(status=Complaint.Status.RECEIVED, acknowledge_by__lt=now) | Q(resolve_by__lt=now, status__in=[
            Complaint.Status.RECEIVED, Complaint.Status.ACKNOWLEDGED])).select_related("client")
    count = 0
    for complaint in late:
        managers = StaffProfile.objects.filter(branch_id=complaint.client.branch_id, role=Role.BRANCH_MANAGER)
        for manager in managers.select_related("user"):
            notification_create(user=manager.user, text=f"投诉超时：{complaint}",
                                link=reverse("admin:service_log_complaint_change", args=[complaint.pk]))
        Complaint.objects.filter(pk=complaint.pk).update(escalated=True)
        count += 1
    return count


# S3 welcome, S5 greetings -----------------------------------------------------------------------------------------

def welcome_messages_send(client_ids: list[int]) -> int:
    """S3: one welcome SMS per new account (not marketing: sent whatever the consent), never twice."""
    sent = 0
    for client in Client.objects.filter(pk__in=client_ids).exclude(sms__template__code="welcome",
                                                                   sms__status=SmsDelivery.Status.SENT):
        try:
            delivery = sms_send(client=client, template_code="welcome", context={})
        except DomainError:
            continue  # no phone number on file: the onboarding call (workbench) still reaches them
        sent += delivery.status == SmsDelivery.Status.SENT
    return sent


def birthday_greetings_send(today=None) -> int:
    """S5: VIP clients (current tier) born on this day, opted in to such messages (S9), once a day."""
    today = today or timezone.localdate()
    born_today = (with_current_tier(Client.objects.open(today), today)
                  .filter(current_tier__in=VIP_TIERS, marketing_opt_in=True,
                          birth_date__month=today.month, birth_date__day=today.day)
                  .exclude(sms__template__code="birthday", sms__sent_on=today))
    sent = 0
    for client in born_today:
        sent += sms_send(client=client, template_code="birthday", context={},
                         sent_on=today).status == SmsDelivery.Status.SENT
    return sent


# S8 surveys -------------------------------------------------------------------------------------------------------

LOW_SCORE = 2  # S8: a score ≤ 2 creates a follow-up


def survey_response_record(*, user, client_id: int, survey: str, score: int, comment: str = ""):
    """Record an answer (1–5) typed in by staff for a client the user may see (once per client and survey)."""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise DomainError("A score is a whole number from 1 to 5.", field="score")
    if not survey.strip():
        raise DomainError("Name the survey.", field="survey")
    client = Client.objects.visible_to(user).filter(pk=client_id).first()
    if client is None or not user.has_perm("service_log.add_surveyresponse"):
        raise PermissionDenied
    return survey_response_write(client=client, survey=survey, score=score, comment=comment,
                                 follow_up_staff=staff_profile_of(user))


@transaction.atomic
def survey_response_write(*, client: Client, survey: str, score: int, comment: str = "", reference: str = "",
                          follow_up_staff=None) -> SurveyResponse:
    """S8: an answer, typed in by staff or given by the client through an invitation (S15, `reference`). A low
    score creates a follow-up contact for the client's advisor (else `follow_up_staff`), due the next day, on the
    workbench."""
    if SurveyResponse.objects.filter(client=client, survey=survey.strip(), reference=reference).exists():
        raise DomainError(f"{client} has answered {survey} already.", code="duplicate", field="survey")
    response = SurveyResponse.objects.create(client=client, survey=survey.strip(), score=score,
                                             comment=comment.strip(), advisor=client.advisor, reference=reference)
    staff = client.advisor or follow_up_staff
    if score <= LOW_SCORE and staff is not None:
        response.follow_up = ContactRecord.objects.create(
            client=client, staff=staff, category=ContactRecord.Category.SURVEY,
            summary=f"满意度回访：{survey} 评分 {score}。{comment}".strip(), outcome="",
            next_follow_up=timezone.localdate() + datetime.timedelta(days=1),
        )  # fmt: skip
        follow_up_tasks_close(contact=response.follow_up)
        response.save(update_fields=["follow_up"])
    return response


# S4 daily information ---------------------------------------------------------------------------------------------

# The job a new broadcast owes (backoffice/workflows.py runs it): written with the broadcast, queued at commit.
BROADCAST_SEND = "broadcast_send"


@transaction.atomic
def broadcast_create(*, user, text: str):
    """A broadcast to every opted-in, open client in the sender's scope with a phone number (S9). Its sending is
    owed with it and queued once it commits."""
    if not user.has_perm("service_log.add_broadcast"):
        raise PermissionDenied
    if not text.strip():
        raise DomainError("A broadcast needs a text.", field="text")
    broadcast = Broadcast.objects.create(text=text.strip(), created_by=user)
    owe_and_queue(BROADCAST_SEND, str(broadcast.pk), what=f"the sending of broadcast {broadcast.pk}")
    return broadcast


def broadcast_send(broadcast_id: int) -> int:
    """Send a broadcast, one delivery record per recipient; a recipient already sent to is skipped (re-runnable).
    Consent is checked now, at sending time: an opt-out takes effect at once (S9)."""
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    sender = get_user_model().objects.get(pk=broadcast.created_by_id)
    recipients = (Client.objects.visible_to(sender).open().filter(marketing_opt_in=True)
                  .exclude(phone_ciphertext="").exclude(sms__broadcast=broadcast))
    for client in recipients.iterator():
        sms_send(client=client, template_code="daily_info", context={"text": broadcast.text}, broadcast=broadcast)
    deliveries = SmsDelivery.objects.filter(broadcast=broadcast)
    Broadcast.objects.filter(pk=broadcast.pk).update(recipients=deliveries.count(),
                                                     delivered=deliveries.filter(status=SmsDelivery.Status.SENT).count())
    return deliveries.count()


def information_gaps_write(day: datetime.date) -> int:
    """S4 coverage of one trading day: the opted-in clients who received no information SMS that day, per branch
    and advisor; re-running rewrites the day (the job after each trading day, and on demand). Returns the count."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.INFORMATION_GAPS_CLEAR, {"day": day})
        cursor.execute(sql.INFORMATION_GAPS, {"day": day})
        cursor.execute("SELECT count(*) FROM service_log_informationgap WHERE trade_date = %s", [day])
        return cursor.fetchone()[0]


def follow_up_tasks_set(*, source: str, source_key: str, client_ids, reason: str, due_at: datetime.datetime,
                        link: str = "") -> int:
    """S21: one open follow-up task per client for what `source`/`source_key` names (a trading tip's distribution,
    an event), for the client's advisor (copied with the branch for the scope, O); set again, nothing changes.
    Set to the minute, as people log a contact's time: a call logged in the minute the tip went out closes it.
    Written in one INSERT … SELECT; returns how many were new."""
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO service_log_followuptask (client_id, branch_id, advisor_id, source, source_key, reason, link,
                                                  set_at, due_at)
            SELECT c.id, c.branch_id, c.advisor_id, %s, %s, %s, %s, date_trunc('minute', now()), %s
            FROM clients_client c WHERE c.id = ANY(%s)
            ON CONFLICT (source, source_key, client_id) DO NOTHING""",
                       [source, source_key, reason[:300], link, due_at, list(client_ids)])
        return cursor.rowcount


def holiday_greetings_send(today=None) -> int:
    """S5: on the first day of a public holiday (the trading calendar's note names it), opted-in VIP clients get the
    holiday greeting, once."""
    today = today or timezone.localdate()
    day = TradingDay.objects.filter(date=today).first()
    previous = TradingDay.objects.filter(date=today - datetime.timedelta(days=1)).first()
    if day is None or not day.note or (previous is not None and previous.note == day.note):
        return 0
    recipients = (in_current_tiers(Client.objects.all(), VIP_TIERS, today)
                  .open(today).filter(marketing_opt_in=True)
                  .exclude(sms__template__code="holiday", sms__sent_on=today))
    return sum(sms_send(client=client, template_code="holiday", context={"holiday": day.note}, sent_on=today).status
               == SmsDelivery.Status.SENT for client in recipients)


# R7 (risk notices): the floor above risk, because the notice is an SMS and a notification ------------------

def margin_call_notices_send(trade_date) -> dict:
    """R7: for each margin-call alert of the day not yet notified, the client gets the margin-call SMS (statutory,
    whatever their marketing consent, S9) and the assigned staff member an in-app notification and an email.
    Running it again sends nothing twice."""
    counts = {"sms_sent": 0, "sms_failed": 0, "staff_notified": 0}
    pending = (Alert.objects.filter(trade_date=trade_date, kind=Alert.Kind.MARGIN_CALL)
               .exclude(sms__status=SmsDelivery.Status.SENT).select_related("client", "assigned_to__user"))
    for alert in pending:
        degree = f"{alert.risk_degree:.2%}" if alert.risk_degree is not None else "—"
        try:
            delivery = sms_send(client=alert.client, template_code="margin_call", alert=alert,
                                context={"trade_date": trade_date.isoformat(), "risk_degree": degree})
        except DomainError:
            counts["sms_failed"] += 1
            continue
        counts["sms_sent" if delivery.status == SmsDelivery.Status.SENT else "sms_failed"] += 1
        staff = alert.assigned_to.user if alert.assigned_to else None
        if staff is not None and not alert.sms.exclude(pk=delivery.pk).exists():  # first attempt only
            text = f"追加保证金：{alert.client} {trade_date} 风险度 {degree}，请在 {alert.due_at:%H:%M} 前联系客户。"
            notification_create(user=staff, text=text,
                                link=reverse("admin:risk_alert_change", args=[alert.pk]))
            if staff.email:
                send_mail("追加保证金预警", text, None, [staff.email], fail_silently=True)
            counts["staff_notified"] += 1
    return counts


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week (S2 counts a week from Monday, local time)."""
    return day - datetime.timedelta(days=day.weekday())


def contact_plan_week_ensure(today: datetime.date) -> datetime.date:
    """S2: `today`'s week of ContactPlanWeek rows, built by the first reader (one build, whoever comes second waits
    for it); from then on the writes keep it (service_log/sql.py). Returns the week's Monday."""
    week = week_of(today)
    if not ContactPlanWeekBuilt.objects.filter(week_start=week).exists():  # a read on every page; a write once
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql.CLAIM_WEEK, [week])
            if cursor.fetchone():
                cursor.execute(sql.REBUILD_WEEK, [week])
    return week


def contact_plan_week_rebuild(today: datetime.date | None = None) -> datetime.date:
    """S2, every night from beat: the current week built again from its sources, which also takes in what only
    the passing of time changes (an account closed with a date ahead, the month an override starts)."""
    week = week_of(today or timezone.localdate())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.CLAIM_WEEK, [week])  # marks the week built if nobody read it yet; built once either way
        cursor.execute(sql.REBUILD_WEEK, [week])
    return week


# Domain O: the tables whose rows carry a copy of their client's branch and advisor (clients/sql.py).
TABLES_WITH_SCOPE_COPIES = ["risk_alert", "service_log_contactrecord", "tiering_tierassignment",
                            "tiering_contributioncard"]


def scope_copies_repair() -> int:
    """Every night from beat: rows whose copies of their client's branch and advisor fell behind (a reassignment
    committed while the row was being inserted, clients/sql.py) are set from their client. Returns how many."""
    repaired = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for table in TABLES_WITH_SCOPE_COPIES:
            cursor.execute(scope_copies_repair_sql(table))
            repaired += cursor.rowcount
    return repaired
