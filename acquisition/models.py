"""Prospects (潜在客户, S24), their funnel to a first trade (S25) and account-opening appointments (S26). Personal
numbers are kept as clients' are (S9): ciphertext, a keyed hash for exact lookup, the phone's last four digits;
never the plain number."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import Branch, Client, PersonalNumbers, PiiAccessLog, StaffProfile
from clients.scoping import ScopedQuerySet


class ProspectQuerySet(ScopedQuerySet):
    """O: an advisor sees the prospects they own; branch-wide roles their branch's; head office all."""

    branch_path = "branch"
    advisor_path = "owner"


class Prospect(PersonalNumbers, models.Model):
    class Source(models.TextChoices):
        EVENT = "event", _("investor-education event")
        REFERRAL = "referral", _("referred by a client")
        INTRODUCING_BROKER = "introducing_broker", _("introducing broker")
        MARKETER = "marketer", _("marketer's own contact")
        WEBSITE = "website", _("website")
        WALK_IN = "walk_in", pgettext_lazy("prospect source", "walk-in")

    class Stage(models.TextChoices):  # S25, in funnel order
        NEW = "new", _("new lead")
        CONTACTED = "contacted", pgettext_lazy("prospect stage", "contacted")
        APPOINTMENT = "appointment", _("appointment booked")
        OPENED = "opened", _("account opened")
        FUNDED = "funded", _("funded")
        TRADED = "traded", _("traded")
        LOST = "lost", _("lost")

    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    phone_ciphertext = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_last4 = models.CharField(_("phone (last 4 digits)"), max_length=4, blank=True, editable=False)
    id_number_ciphertext = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch"))
    owner = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("owner marketer"))
    interests = models.CharField(_("interests"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.NEW)
    lost_reason = models.CharField(_("reason lost"), max_length=200, blank=True)
    client = models.OneToOneField(Client, on_delete=models.PROTECT, null=True, blank=True, related_name="prospect",
                                  verbose_name=_("client"))
    created_at = models.DateTimeField(_("first contact"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
                                   verbose_name=_("entered by"))
    opened_on = models.DateField(_("account opened on"), null=True, blank=True)
    funded_on = models.DateField(_("first deposit on"), null=True, blank=True)
    traded_on = models.DateField(_("first trade on"), null=True, blank=True)

    objects = ProspectQuerySet.as_manager()

    class Meta:
        verbose_name = _("prospect")
        verbose_name_plural = _("prospects")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["branch", "stage"], name="prospect_branch_stage"),
                   models.Index(fields=["owner", "stage"], name="prospect_owner_stage")]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone_masked or self.get_stage_display()})"


class ProspectStep(models.Model):
    """S25: every stage a prospect reached, when, by whom (none: the settlement push or the statements) and why;
    kept when the prospect becomes a client, as the client's history from first contact."""

    prospect = models.ForeignKey(Prospect, on_delete=models.CASCADE, related_name="steps",
                                 verbose_name=_("prospect"))
    stage = models.CharField(_("stage"), max_length=12, choices=Prospect.Stage.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("prospect step")
        verbose_name_plural = _("prospect steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} · {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class ProspectRevealLog(models.Model):
    """One reveal of a prospect's phone or ID number (S9: every reveal is logged). Written by acquisition.services."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("user"))
    prospect = models.ForeignKey(Prospect, on_delete=models.PROTECT, related_name="reveals",
                                 verbose_name=_("prospect"))
    field = models.CharField(_("field"), max_length=16, choices=PiiAccessLog.Field.choices)
    revealed_at = models.DateTimeField(_("revealed at"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("prospect reveal")
        verbose_name_plural = _("prospect reveals")
        ordering = ["-revealed_at"]

    def __str__(self) -> str:
        return f"{self.get_field_display()} · {timezone.localtime(self.revealed_at):%Y-%m-%d %H:%M}"


class AppointmentQuerySet(ScopedQuerySet):
    """O: an advisor sees the appointments they receive; branch-wide roles their branch's; head office all."""

    branch_path = "branch"
    advisor_path = "staff"


class Appointment(models.Model):
    """S26 预约开户: a prospect's appointment to open an account at a branch, with the member of staff who receives
    them."""

    class State(models.TextChoices):
        BOOKED = "booked", _("booked")
        DONE = "done", pgettext_lazy("appointment state", "done")
        NO_SHOW = "no_show", _("did not come")
        CANCELLED = "cancelled", pgettext_lazy("appointment state", "cancelled")

    prospect = models.ForeignKey(Prospect, on_delete=models.PROTECT, related_name="appointments",
                                 verbose_name=_("prospect"))
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch"))
    staff = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("received by"))
    starts_at = models.DateTimeField(_("time"), db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.BOOKED)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("booked by"))
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    reminder_error = models.CharField(_("reminder not sent"), max_length=200, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("account-opening appointment")
        verbose_name_plural = _("account-opening appointments")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["branch", "starts_at"], name="appointment_branch_time")]

    def __str__(self) -> str:
        return f"{self.prospect.name} · {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"
