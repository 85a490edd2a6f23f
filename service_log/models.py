"""Service operations (domain S). S1 contact records so far; the rest arrives with the service-operations issue."""

import datetime
import re

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.models import Client, StaffProfile
from clients.scoping import BranchAdvisorScopedQuerySet, ClientScopedQuerySet
from clients.triggers import scope_copy_trigger
from service_log import triggers
from tiering.models import Card, Tier


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
    # S1: a follow-up is open while no later contact with the client exists; kept by a trigger on this table
    # (service_log/sql.py, FOLLOW_UP_OPEN), whoever writes the contacts.
    follow_up_open = models.BooleanField(_("follow-up open"), default=False, db_default=False, editable=False)
    alert = models.ForeignKey("risk.Alert", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="contacts", verbose_name=_("risk alert"))
    # Domain O: the client's branch and advisor, copied and kept by triggers (clients/sql.py), for the scope.
    branch = models.ForeignKey("clients.Branch", verbose_name=_("branch"),
                               on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                               related_name="+", editable=False, db_index=False)
    advisor = models.ForeignKey(StaffProfile, verbose_name=_("advisor"),
                                on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                                related_name="+", editable=False, db_index=False)

    objects = BranchAdvisorScopedQuerySet.as_manager()

    class Meta:
        triggers = [scope_copy_trigger(), triggers.CONTACT_PLAN_COUNT, triggers.FOLLOW_UP_OPEN]  # O, S2, S1
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        ordering = ["-contacted_at"]
        indexes = [models.Index(fields=["client", "-contacted_at"], name="contact_client_recent"),
                   # The workbench's follow-ups (S1) read only the open ones (follow_up_open), from this index alone.
                   models.Index(fields=["branch", "next_follow_up"], include=["client", "advisor"],
                                condition=models.Q(follow_up_open=True), name="contact_follow_up_open")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.contacted_at):%Y-%m-%d %H:%M} {self.get_channel_display()}"


class MessageTemplate(models.Model):
    """An SMS text with {placeholders}, editable in the admin (R7 margin-call notice; S3 welcome; S5 greetings)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    body = models.TextField(_("text"), help_text=_("Placeholders: {name}, {account}, {trade_date}, "
                                                   "{risk_degree}, {hotline}"))
    marketing = models.BooleanField(_("marketing message"), default=False,
                                    help_text=_("Marketing messages go only to clients who opted in (S9); "
                                                "statutory notices go to everyone."))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return self.name


class SmsDelivery(models.Model):
    """One SMS to a client, with its delivery status. The text is kept; the phone number is not (S9)."""

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="sms", verbose_name=_("client"))
    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, verbose_name=_("template"))
    sent_on = models.DateField(_("sent on"), default=timezone.localdate, db_index=True)
    alert = models.ForeignKey("risk.Alert", on_delete=models.PROTECT, null=True, blank=True, related_name="sms",
                              verbose_name=_("risk alert"))
    broadcast = models.ForeignKey("Broadcast", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="deliveries", verbose_name=_("broadcast"))
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    gateway_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("SMS delivery")
        verbose_name_plural = _("SMS deliveries")
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["alert", "template"], condition=models.Q(status="sent"),
                                               name="sms_one_sent_per_alert_template")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} · {timezone.localtime(self.sent_at):%Y-%m-%d %H:%M}"

    @property
    def text_for_staff(self) -> str:
        """The message as sent, its client's signed link said as "(link)": staff never open a client's link."""
        return re.sub(r"https?://\S+", gettext("(link)"), self.text)


class Notification(models.Model):
    """An in-app message to a member of staff (R7: the advisor learns of a margin call in the CRM)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name=_("recipient"))
    text = models.CharField(_("text"), max_length=300)
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text


class ContactPlanRule(models.Model):
    """S2: the weekly minimum of outbound contacts per tier, and for clients on the key-monitoring list (R3).
    Defaults: 3 for the VIP tiers and for key monitoring (seed: 一周要跟大客户、重点客户主动沟通3~5次),
    none otherwise."""

    KEY_MONITORING = "key_monitoring"
    # T by default; the contribution cards when their policy says the plans follow them (T14, S2).
    SEGMENTS = [*Tier.choices, *Card.choices, (KEY_MONITORING, _("key monitoring"))]

    segment = models.CharField(_("tier or list"), max_length=20, unique=True, choices=SEGMENTS)
    weekly_minimum = models.PositiveSmallIntegerField(_("outbound contacts per week, at least"))

    class Meta:
        triggers = [triggers.CONTACT_PLAN_RULES]  # S2
        verbose_name = _("contact plan rule")
        verbose_name_plural = _("contact plan rules")
        ordering = ["segment"]

    def __str__(self) -> str:
        return gettext("%(segment)s: %(minimum)s a week") % {"segment": self.get_segment_display(),
                                                               "minimum": self.weekly_minimum}


class Complaint(models.Model):
    """S7 投诉: received, acknowledged within 24 hours, resolved within 15 days (defaults), with root cause,
    resolution and any compensation. Late complaints escalate to the branch manager."""

    ACKNOWLEDGE_WITHIN = datetime.timedelta(hours=24)
    RESOLVE_WITHIN = datetime.timedelta(days=15)

    class Channel(models.TextChoices):
        PHONE = "phone", _("phone")
        COUNTER = "counter", _("counter")
        EMAIL = "email", _("email")
        LETTER = "letter", _("letter")
        REGULATOR = "regulator", _("regulator / association")
        OTHER = "other", _("other")

    class Category(models.TextChoices):
        SERVICE = "service", _("service attitude")
        TRADING_SYSTEM = "trading_system", _("trading system")
        FEES = "fees", _("fees and commission")
        RISK_CONTROL = "risk_control", _("margin call / forced liquidation")
        ACCOUNT = "account", _("account and funds")
        ADVICE = "advice", _("investment advice")
        OTHER = "other", _("other")

    class Severity(models.TextChoices):
        LOW = "low", _("low")
        MEDIUM = "medium", _("medium")
        HIGH = "high", _("high")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        RESOLVED = "resolved", _("resolved")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("client"))
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    resolve_by = models.DateTimeField(_("resolve by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    root_cause = models.CharField(_("root cause"), max_length=200, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    compensation = models.DecimalField(_("compensation"), max_digits=17, decimal_places=2, default=0)
    handled_by = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="complaints", verbose_name=_("handled by"))
    escalated = models.BooleanField(_("escalated"), default=False)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(name="complaint_compensation_not_negative", condition=models.Q(compensation__gte=0)),
            models.CheckConstraint(name="complaint_resolved_with_cause",
                                   condition=~models.Q(status="resolved") | (~models.Q(root_cause="")
                                                                             & ~models.Q(resolution=""))),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.get_category_display()} {timezone.localtime(self.received_at):%Y-%m-%d}"

    @property
    def is_late(self) -> bool:
        now = timezone.now()
        return (self.status == self.Status.RECEIVED and self.acknowledge_by < now) or (
            self.status != self.Status.RESOLVED and self.resolve_by < now)


class SurveyResponse(models.Model):
    """S8 满意度: one client's answer to a survey round, scored 1–5. A score of 2 or less creates a follow-up."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="survey_responses",
                               verbose_name=_("client"))
    survey = models.CharField(_("survey"), max_length=100, help_text=_("e.g. 2026 Q4 satisfaction"))
    score = models.PositiveSmallIntegerField(_("score (1–5)"))
    comment = models.TextField(_("comment"), blank=True)
    advisor = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("advisor at the time"))
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    follow_up = models.ForeignKey(ContactRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("follow-up"))
    # S15: an answer through an invitation names it ("invitation 12"): a client answers a questionnaire sent after
    # each ticket once per invitation. Typed in by staff: empty, once per client and survey.
    reference = models.CharField(_("reference"), max_length=40, blank=True, default="", db_default="", editable=False)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-answered_at"]
        constraints = [
            models.CheckConstraint(name="survey_score_1_to_5", condition=models.Q(score__gte=1, score__lte=5)),
            models.UniqueConstraint(fields=["client", "survey", "reference"], name="survey_one_answer_per_client"),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.survey}: {self.score}"


class Broadcast(models.Model):
    """S4 每日信息: a message sent to every opted-in client in the sender's scope (S9), one delivery record per
    recipient. The daily-information rule is at least one broadcast each trading day."""

    text = models.TextField(_("text"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("sent by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    trade_date = models.DateField(_("for trading day"), default=timezone.localdate, db_index=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    delivered = models.PositiveIntegerField(_("delivered"), default=0)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.trade_date} {self.text[:30]}"


class ContactPlanWeek(models.Model):
    """S2 for one planned client in one week (issue 15 item 2): its weekly minimum and the outbound contacts so far,
    kept by the writes that change them (service_log/sql.py, migration 0021), so the service dashboard and the
    workbench read a week's rows instead of every assignment, list entry and contact. Scoped like its client (O)
    through the branch and advisor copied onto the row."""

    week_start = models.DateField(_("week of"))
    client = models.ForeignKey(Client, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                               verbose_name=_("client"))
    branch = models.ForeignKey("clients.Branch", verbose_name=_("branch"),
                               on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    advisor = models.ForeignKey(StaffProfile, verbose_name=_("advisor"),
                                on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                                related_name="+")
    tier = models.CharField(_("tier or card"), max_length=16, choices=[*Tier.choices, *Card.choices], null=True)
    key_monitoring = models.BooleanField(_("key monitoring"))
    weekly_minimum = models.PositiveSmallIntegerField(_("outbound contacts per week, at least"))
    outbound = models.IntegerField(_("outbound contacts this week"))

    objects = BranchAdvisorScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("weekly contact plan")
        verbose_name_plural = _("weekly contact plans")
        constraints = [models.UniqueConstraint(fields=["week_start", "client"], name="contact_plan_one_per_week")]
        indexes = [models.Index(fields=["week_start", "branch", "advisor"], name="contact_plan_week_scope")]

    def __str__(self) -> str:
        return f"{self.week_start} {self.client_id}: {self.outbound}/{self.weekly_minimum}"


class ContactPlanWeekBuilt(models.Model):
    """A week whose ContactPlanWeek rows have been built (on first read, or by beat); from then on the writes keep
    them."""

    week_start = models.DateField(primary_key=True)
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = _("weekly contact plan built")
        verbose_name_plural = _("weekly contact plans built")

    def __str__(self) -> str:
        return f"{self.week_start}"


class FollowUpTask(models.Model):
    """S21 (docs/rules-added.md): a call owed to a client by a deadline, from a floor above (a trading tip's same-day
    feedback, 当日回馈; an event's attendees). The first contact record (S1) with the client at or after the task
    was set closes it (services.follow_up_tasks_close, called by every writer of a contact). Scoped like its client (O)
    through the branch and advisor copied onto it when it is set."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("client"))
    branch = models.ForeignKey("clients.Branch", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                               verbose_name=_("branch"))
    advisor = models.ForeignKey(StaffProfile, on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                                related_name="+", verbose_name=_("advisor"))
    class Source(models.TextChoices):
        RESEARCH = "research", _("a research note or tip sent")
        QUESTION = "question", _("a client's question answered")
        EVENT = "event", _("an education event attended")

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_key = models.CharField(_("source reference"), max_length=40)
    reason = models.CharField(_("what to follow up"), max_length=300)
    link = models.CharField(_("link"), max_length=200, blank=True)
    set_at = models.DateTimeField(_("set at"), default=timezone.now)
    due_at = models.DateTimeField(_("due by"))
    contact = models.ForeignKey(ContactRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("closed by contact"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = BranchAdvisorScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        constraints = [models.UniqueConstraint(fields=["source", "source_key", "client"], name="follow_up_task_once")]
        indexes = [models.Index(fields=["client", "set_at"], condition=models.Q(contact__isnull=True),
                                name="follow_up_task_open"),
                   models.Index(fields=["advisor", "due_at"], name="follow_up_task_advisor"),
                   models.Index(fields=["branch", "due_at"], name="follow_up_task_branch")]

    def __str__(self) -> str:
        return f"{self.client} · {self.reason[:30]}"


class InformationGap(models.Model):
    """S4 coverage (issue 18 item 4): an opted-in open client with a phone who received no information SMS on a
    trading day, written by the job after that day (service_log.services.information_gaps_write). The report
    reads InformationCoverage, one row per day, branch and advisor."""

    trade_date = models.DateField(_("trading day"))
    client = models.ForeignKey(Client, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                               verbose_name=_("client"))
    branch = models.ForeignKey("clients.Branch", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                               verbose_name=_("branch"))
    advisor = models.ForeignKey(StaffProfile, on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                                related_name="+", verbose_name=_("advisor"))

    objects = BranchAdvisorScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("client without information")
        verbose_name_plural = _("clients without information")
        constraints = [models.UniqueConstraint(fields=["trade_date", "client"], name="information_gap_once")]
        indexes = [models.Index(fields=["trade_date", "advisor", "client"], name="information_gap_advisor"),
                   models.Index(fields=["trade_date", "branch", "client"], name="information_gap_branch")]

    def __str__(self) -> str:
        return f"{self.trade_date} {self.client}"


class InformationCoverage(models.Model):
    """S4 coverage per trading day, branch and advisor: the opted-in clients and how many received nothing."""

    trade_date = models.DateField(_("trading day"))
    branch = models.ForeignKey("clients.Branch", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                               verbose_name=_("branch"))
    advisor = models.ForeignKey(StaffProfile, on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                                related_name="+", verbose_name=_("advisor"))
    opted_in = models.PositiveIntegerField(_("opted-in clients"))
    uncovered = models.PositiveIntegerField(_("received nothing"))

    objects = BranchAdvisorScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("information coverage")
        verbose_name_plural = _("information coverage")
        indexes = [models.Index(fields=["trade_date", "branch"], name="information_coverage_day")]

    def __str__(self) -> str:
        return f"{self.trade_date} {self.branch_id}/{self.advisor_id}"
