"""Service operations (domain S). S1 contact records so far; the rest arrives with the service-operations issue."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client, StaffProfile
from clients.scoping import ClientScopedQuerySet


class ContactRecord(models.Model):
    """S1 服务记录: one contact with a client, optionally answering a risk alert (R5) or a complaint."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("phone")
        SMS = "sms", _("SMS")
        WECHAT = "wechat", _("WeChat")
        EMAIL = "email", _("email")
        VISIT = "visit", _("visit")
        EVENT = "event", _("event")
        OTHER = "other", _("other")

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("outbound")
        INBOUND = "inbound", _("inbound")

    class Category(models.TextChoices):
        RISK_NOTICE = "risk_notice", _("risk notice")
        GUIDANCE = "guidance", _("market/trading guidance")
        ACCOUNT_SERVICE = "account_service", _("account service")
        EDUCATION = "education", _("education")
        GREETING = "greeting", _("greeting")
        COMPLAINT = "complaint", _("complaint")
        SURVEY = "survey", _("survey")
        ONBOARDING = "onboarding", _("onboarding")
        OTHER = "other", _("other")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("client"))
    staff = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, related_name="contacts",
                              verbose_name=_("staff member"))
    contacted_at = models.DateTimeField(_("contacted at"), default=timezone.now, db_index=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.PHONE)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices,
                                 default=Direction.OUTBOUND)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    summary = models.TextField(_("summary"))
    outcome = models.TextField(_("outcome"), blank=True)
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    alert = models.ForeignKey("risk.Alert", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="contacts", verbose_name=_("risk alert"))

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        ordering = ["-contacted_at"]
        indexes = [models.Index(fields=["client", "-contacted_at"], name="contact_client_recent")]

    def __str__(self) -> str:
        return f"{self.client_id} {self.contacted_at:%Y-%m-%d %H:%M} {self.channel}"
