"""Service writes: sending SMS from templates with a delivery record (R7, S3–S5), in-app notifications."""

from django.conf import settings

from clients.models import Client
from futcrm.errors import DomainError
from futcrm.sms import SmsError, SmsMessage, get_backend
from service_log.models import MessageTemplate, Notification, SmsDelivery


def sms_send(*, client: Client, template_code: str, context: dict, alert=None) -> SmsDelivery:
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
        return SmsDelivery.objects.create(client=client, template=template, alert=alert, text=text,
                                          status=SmsDelivery.Status.FAILED, error=str(error))
    return SmsDelivery.objects.create(client=client, template=template, alert=alert, text=text,
                                      status=SmsDelivery.Status.SENT, gateway_id=gateway_id)


def notification_create(*, user, text: str, link: str = "") -> Notification:
    return Notification.objects.create(recipient=user, text=text[:300], link=link)
