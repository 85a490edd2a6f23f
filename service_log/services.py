"""Service writes: sending SMS from templates with a delivery record (R7, S3–S5), in-app notifications."""

from django.conf import settings

from clients.models import Client
from futcrm.errors import DomainError
from futcrm.sms import SmsError, SmsMessage, get_backend
from service_log.models import MessageTemplate, Notification, SmsDelivery


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


# S7 complaints ----------------------------------------------------------------------------------------------------

def complaint_register(*, user, client_id: int, channel: str, category: str, description: str,
                       severity: str = "medium", received_at=None):
    """Record a complaint with its deadlines (acknowledge ≤ 24 h, resolve ≤ 15 days from receipt, S7)."""
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from clients.scoping import staff_profile_of
    from service_log.models import Complaint

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
    from django.core.exceptions import PermissionDenied

    from service_log.models import Complaint

    complaint = Complaint.objects.visible_to(user).select_for_update().filter(pk=complaint_id).first()
    if complaint is None or not user.has_perm("service_log.change_complaint"):
        raise PermissionDenied
    return complaint


def complaint_acknowledge(*, user, complaint_id: int):
    from django.db import transaction
    from django.utils import timezone

    with transaction.atomic():
        complaint = _complaint_for(user, complaint_id)
        if complaint.status != complaint.Status.RECEIVED:
            raise DomainError("Only a received complaint can be acknowledged.", code="forbidden_transition")
        complaint.status, complaint.acknowledged_at = complaint.Status.ACKNOWLEDGED, timezone.now()
        complaint.save(update_fields=["status", "acknowledged_at"])
        return complaint


def complaint_resolve(*, user, complaint_id: int, root_cause: str, resolution: str, compensation=0):
    from decimal import Decimal, InvalidOperation

    from django.db import transaction
    from django.utils import timezone

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
    from django.db.models import Q
    from django.urls import reverse
    from django.utils import timezone

    from clients.models import StaffProfile
    from service_log.models import Complaint

    now = timezone.now()
    late = Complaint.objects.filter(escalated=False).filter(
        Q(status=Complaint.Status.RECEIVED, acknowledge_by__lt=now) | Q(resolve_by__lt=now, status__in=[
            Complaint.Status.RECEIVED, Complaint.Status.ACKNOWLEDGED])).select_related("client")
    count = 0
    for complaint in late:
        managers = StaffProfile.objects.filter(branch_id=complaint.client.branch_id, role="branch_manager")
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
    from django.utils import timezone

    from tiering.models import VIP_TIERS

    today = today or timezone.localdate()
    born_today = (Client.objects.with_current_tier(today)
                  .filter(current_tier__in=VIP_TIERS, marketing_opt_in=True, closed_on__isnull=True,
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
    """Record an answer (1–5) for a client the user may see; a low score creates a follow-up contact for the
    client's advisor, due the next day, on the workbench."""
    import datetime

    from django.core.exceptions import PermissionDenied
    from django.db import transaction
    from django.utils import timezone

    from clients.scoping import staff_profile_of
    from service_log.models import ContactRecord, SurveyResponse

    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise DomainError("A score is a whole number from 1 to 5.", field="score")
    if not survey.strip():
        raise DomainError("Name the survey.", field="survey")
    client = Client.objects.visible_to(user).filter(pk=client_id).first()
    if client is None or not user.has_perm("service_log.add_surveyresponse"):
        raise PermissionDenied
    with transaction.atomic():
        if SurveyResponse.objects.filter(client=client, survey=survey.strip()).exists():
            raise DomainError(f"{client} has answered {survey} already.", code="duplicate", field="survey")
        response = SurveyResponse.objects.create(client=client, survey=survey.strip(), score=score,
                                                 comment=comment.strip(), advisor=client.advisor)
        if score <= LOW_SCORE:
            response.follow_up = ContactRecord.objects.create(
                client=client, staff=client.advisor or staff_profile_of(user), category=ContactRecord.Category.SURVEY,
                summary=f"满意度回访：{survey} 评分 {score}。{comment}".strip(), outcome="",
                next_follow_up=timezone.localdate() + datetime.timedelta(days=1),
            )  # fmt: skip
            response.save(update_fields=["follow_up"])
    return response


# S4 daily information ---------------------------------------------------------------------------------------------

def broadcast_create(*, user, text: str):
    """A broadcast to every opted-in, open client in the sender's scope with a phone number (S9)."""
    from django.core.exceptions import PermissionDenied

    from service_log.models import Broadcast

    if not user.has_perm("service_log.add_broadcast"):
        raise PermissionDenied
    if not text.strip():
        raise DomainError("A broadcast needs a text.", field="text")
    return Broadcast.objects.create(text=text.strip(), created_by=user)


def broadcast_send(broadcast_id: int) -> int:
    """Send a broadcast, one delivery record per recipient; a recipient already sent to is skipped (re-runnable).
    Consent is checked now, at sending time: an opt-out takes effect at once (S9)."""
    from django.contrib.auth import get_user_model

    from service_log.models import Broadcast

    broadcast = Broadcast.objects.get(pk=broadcast_id)
    sender = get_user_model().objects.get(pk=broadcast.created_by_id)
    recipients = (Client.objects.visible_to(sender).filter(marketing_opt_in=True, closed_on__isnull=True)
                  .exclude(phone_ciphertext="").exclude(sms__broadcast=broadcast))
    for client in recipients.iterator():
        sms_send(client=client, template_code="daily_info", context={"text": broadcast.text}, broadcast=broadcast)
    deliveries = SmsDelivery.objects.filter(broadcast=broadcast)
    Broadcast.objects.filter(pk=broadcast.pk).update(recipients=deliveries.count(),
                                                     delivered=deliveries.filter(status=SmsDelivery.Status.SENT).count())
    return deliveries.count()


def holiday_greetings_send(today=None) -> int:
    """S5: on the first day of a public holiday (the trading calendar's note names it), opted-in VIP clients get the
    holiday greeting, once."""
    import datetime

    from django.utils import timezone

    from settlement.models import TradingDay
    from tiering.models import VIP_TIERS

    today = today or timezone.localdate()
    day = TradingDay.objects.filter(date=today).first()
    previous = TradingDay.objects.filter(date=today - datetime.timedelta(days=1)).first()
    if day is None or not day.note or (previous is not None and previous.note == day.note):
        return 0
    recipients = (Client.objects.with_current_tier_in(VIP_TIERS, today)
                  .filter(marketing_opt_in=True, closed_on__isnull=True)
                  .exclude(sms__template__code="holiday", sms__sent_on=today))
    return sum(sms_send(client=client, template_code="holiday", context={"holiday": day.note}, sent_on=today).status
               == SmsDelivery.Status.SENT for client in recipients)
