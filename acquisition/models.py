"""Prospects (潜在客户, S24), their funnel to a first trade (S25) and account-opening appointments (S26). Personal
numbers are kept as clients' are (S9): ciphertext, a keyed hash for exact lookup, the phone's last four digits;
never the plain number."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import Branch, Client, PersonalNumbers, PiiAccessLog, StaffProfile
from clients.roles import Role
from clients.scoping import BranchAdvisorScopedQuerySet, ScopedQuerySet


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
    # S27: the furthest funnel stage ever reached (0 新线索 … 5 已交易), kept with every step, so the dashboard counts
    # each stage from the prospects alone (a lost prospect keeps what it reached).
    reached = models.PositiveSmallIntegerField(_("furthest stage reached"), default=0, editable=False)
    lost_reason = models.CharField(_("reason lost"), max_length=200, blank=True)
    client = models.OneToOneField(Client, on_delete=models.PROTECT, null=True, blank=True, related_name="prospect",
                                  verbose_name=_("client"))
    event = models.ForeignKey("Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("event that brought them"))
    referrer = models.ForeignKey("Referrer", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("referrer"))
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
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    beyond_hourly_limit = models.BooleanField(_("beyond the hourly limit"), default=False)

    class Meta:
        verbose_name = _("prospect reveal")
        verbose_name_plural = _("prospect reveals")
        ordering = ["-revealed_at"]

    def __str__(self) -> str:
        return f"{self.get_field_display()} · {timezone.localtime(self.revealed_at):%Y-%m-%d %H:%M}"


class DuplicateLookup(models.Model):
    """S24 and issue 35: someone entered a phone or ID number that belongs to a client or prospect outside what they
    may see. The refusal names no one; the attempt is kept here for head office (who tried, when, whose number it
    was), and a user who keeps trying is stopped for an hour (acquisition.services.DUPLICATE_LOOKUPS_PER_HOUR)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("user"))
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    field = models.CharField(_("field"), max_length=16, choices=PiiAccessLog.Field.choices)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("client"))
    prospect = models.ForeignKey(Prospect, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("prospect"))

    class Meta:
        verbose_name = _("duplicate outside the scope")
        verbose_name_plural = _("duplicates outside the scope")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_field_display()} · {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


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


# S29–S31 investor-education events (投资者教育活动) ------------------------------------------------------------------

class EventQuerySet(ScopedQuerySet):
    """O: an event belongs to the branch that holds it; its advisors see it too (they invite and follow up their
    clients); head office sees all."""

    branch_path = "branch"

    def visible_to(self, user):
        profile = getattr(user, "staff_profile", None)
        if profile is not None and profile.role == Role.ADVISOR and profile.branch_id:
            return self.filter(branch_id=profile.branch_id)
        return super().visible_to(user)


class Event(models.Model):
    """S29: a seminar, salon, lecture, Q&A session or training the branch or the service centre holds."""

    class Kind(models.TextChoices):
        BRIEFING = "briefing", _("briefing (报告会)")
        SALON = "salon", _("salon")
        LECTURE = "lecture", _("lecture")
        QA = "qa", _("Q&A session")
        TRAINING = "training", pgettext_lazy("event kind", "training")

    class Topic(models.TextChoices):  # the seed's subjects of investor education
        STRATEGY = "strategy", _("futures investment strategy")
        RISK = "risk", _("risk control")
        TECHNIQUE = "technique", _("trading technique")
        NEW_PRODUCTS = "new_products", _("newly listed products and new business")
        SOFTWARE = "software", _("trading software")

    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    speakers = models.CharField(_("speakers"), max_length=200, blank=True)
    products = models.ManyToManyField("research.Product", blank=True, related_name="+",
                                      verbose_name=_("products"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("organised by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    followed_up_at = models.DateTimeField(_("follow-ups set at"), null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("investor-education event")
        verbose_name_plural = _("investor-education events")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.title} · {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def topic_labels(self) -> list[str]:
        return [str(self.Topic(topic).label) for topic in self.topics if topic in self.Topic.values]


class EventGuest(models.Model):
    """S30: one person asked to or registered for an event: a client or a prospect, with the check-in code their
    invitation carries; invited, registered (through the link or at the desk) and attended are times. Scoped
    through the branch and the advisor (a client's advisor, a prospect's owner) copied when the row is written."""

    class Sms(models.TextChoices):
        NONE = "", _("not invited by SMS")
        PENDING = "pending", pgettext_lazy("sms", "pending")
        SENT = "sent", pgettext_lazy("sms", "sent")
        FAILED = "failed", pgettext_lazy("sms", "failed")
        NO_PHONE = "no_phone", _("no phone on record")
        NO_CONSENT = "no_consent", _("no consent to marketing messages")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="guests", verbose_name=_("event"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("client"))
    prospect = models.ForeignKey(Prospect, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("prospect"))
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    branch = models.ForeignKey(Branch, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                               verbose_name=_("branch"))
    advisor = models.ForeignKey(StaffProfile, on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                                related_name="+", verbose_name=_("advisor or marketer"))
    code = models.CharField(_("check-in code"), max_length=6)
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    sms = models.CharField(_("invitation SMS"), max_length=10, choices=Sms.choices, default=Sms.NONE, blank=True)
    sms_error = models.CharField(_("SMS error"), max_length=200, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("registered by"))
    checked_in_at = models.DateTimeField(_("attended (checked in at)"), null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("checked in by"))

    objects = BranchAdvisorScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("event guest")
        verbose_name_plural = _("event guests")
        ordering = ["event", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "client"], name="event_guest_client_once"),
            models.UniqueConstraint(fields=["event", "prospect"], name="event_guest_prospect_once"),
            models.UniqueConstraint(fields=["event", "code"], name="event_guest_code_once"),
            models.CheckConstraint(condition=models.Q(client__isnull=False) | models.Q(prospect__isnull=False),
                                   name="event_guest_is_someone"),
        ]
        indexes = [models.Index(fields=["client", "checked_in_at"], name="event_guest_client_attended"),
                   models.Index(fields=["branch", "event"], name="event_guest_branch")]

    def __str__(self) -> str:
        return f"{self.name} · {self.event.title}"


class EducationRecordManager(models.Manager.from_queryset(BranchAdvisorScopedQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(checked_in_at__isnull=False)


class EducationRecord(EventGuest):
    """S31 投资者教育记录: who attended which event, when, what it taught; the attended guests, kept (never deleted,
    the event protected) as the regulator asks. A prospect's attendance becomes their client's when they convert."""

    objects = EducationRecordManager()

    class Meta:
        proxy = True
        verbose_name = _("investor-education record")
        verbose_name_plural = _("investor-education records")
        ordering = ["-checked_in_at"]


# S32–S33 referrers and the attribution of accounts (居间人, 中间介绍业务; 业绩归属) ----------------------------------

class ReferrerQuerySet(ScopedQuerySet):
    """O: a referrer belongs to a branch; its advisors see it too (to credit a prospect); head office sees all."""

    branch_path = "branch"

    def visible_to(self, user):
        profile = getattr(user, "staff_profile", None)
        if profile is not None and profile.role == Role.ADVISOR and profile.branch_id:
            return self.filter(branch_id=profile.branch_id)
        return super().visible_to(user)


class Referrer(models.Model):
    """S32: who brings accounts: an intermediary (居间人), an introducing-broker unit (中间介绍业务机构), a member of
    staff or an existing client."""

    class Kind(models.TextChoices):
        INTERMEDIARY = "intermediary", _("intermediary (居间人)")
        INTRODUCING_BROKER = "introducing_broker", _("introducing-broker unit")
        STAFF = "staff", _("member of staff")
        CLIENT = "client", _("existing client")

    code = models.CharField(_("referrer code"), max_length=20, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch"))
    staff = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("member of staff"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("client"))
    agreement_no = models.CharField(_("agreement number"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ReferrerQuerySet.as_manager()

    class Meta:
        verbose_name = _("referrer")
        verbose_name_plural = _("referrers")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AttributionQuerySet(ScopedQuerySet):
    branch_path = "client__branch"
    advisor_path = "client__advisor"


class Attribution(models.Model):
    """S32 业绩归属: to whom an account is credited, from one date until the day before the next attribution's; one
    current (open-ended) attribution per account. Written at conversion and by approved changes only (S33)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("client"))
    referrer = models.ForeignKey(Referrer, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("referrer"))
    marketer = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("marketer"))
    valid_from = models.DateField(_("credited from"))
    valid_until = models.DateField(_("credited until (exclusive)"), null=True, blank=True)
    change = models.ForeignKey("AttributionChange", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("approved change"))

    objects = AttributionQuerySet.as_manager()

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        ordering = ["client", "valid_from"]
        constraints = [models.UniqueConstraint(fields=["client"], condition=models.Q(valid_until__isnull=True),
                                               name="attribution_one_current")]
        indexes = [models.Index(fields=["referrer", "valid_from"], name="attribution_referrer")]

    def __str__(self) -> str:
        return f"{self.client} · {self.referrer or '-'} · {self.valid_from}"


class AttributionChangeQuerySet(ScopedQuerySet):
    branch_path = "client__branch"
    advisor_path = "client__advisor"


class AttributionChange(models.Model):
    """S33: a request to credit an account to another referrer and/or marketer from a date; it takes effect only
    when a second person (the branch's manager or head office, never the requester) approves it."""

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("client"))
    referrer = models.ForeignKey(Referrer, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("new referrer"))
    marketer = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("new marketer"))
    effective_on = models.DateField(_("effective from"))
    reason = models.CharField(_("reason"), max_length=300)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    objects = AttributionChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("attribution change")
        verbose_name_plural = _("attribution changes")
        ordering = ["-requested_at"]
        permissions = [("approve_attributionchange", "Can approve attribution changes")]

    def __str__(self) -> str:
        return f"{self.client} → {self.referrer or '-'} · {self.effective_on}"


class ReferrerMonth(models.Model):
    """S34: one referrer's figures for one month, as referrers.referrer_months_compute writes them (each night after
    the close, and when a month is first read): the report reads these rows, not the statements."""

    referrer = models.ForeignKey(Referrer, on_delete=models.CASCADE, related_name="+", verbose_name=_("referrer"))
    month = models.DateField(_("month"))
    opened = models.PositiveIntegerField(_("accounts opened"), default=0)
    accounts = models.PositiveIntegerField(_("accounts credited"), default=0)
    equity = models.DecimalField(_("equity"), max_digits=20, decimal_places=2, default=0)
    commission = models.DecimalField(_("commission"), max_digits=20, decimal_places=2, default=0)
    last_day = models.DateField(_("last settled day"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("referrer month")
        verbose_name_plural = _("referrer months")
        constraints = [models.UniqueConstraint(fields=["referrer", "month"], name="referrer_month_once")]
        indexes = [models.Index(fields=["month"], name="referrer_month_month")]

    def __str__(self) -> str:
        return f"{self.referrer} · {self.month:%Y-%m}"
