"""The service desk (S11–S13, docs/rules-added.md): tickets (工单) from the hotline and the other channels, the SLA
targets counted on the trading calendar's service hours, and the call-centre's call events."""

import datetime
import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from clients import pii
from clients.models import Branch, Client, StaffProfile
from clients.roles import Role
from clients.scoping import (
    BRANCH_WIDE_ROLES,
    ClientScopedQuerySet,
    ScopedQuerySet,
    sees_everything,
    staff_profile_of,
)
from service_desk import triggers


class TicketCategory(models.Model):
    """S11: what a ticket is about (交易软件, 银期转账, 出入金, 追保/强平, 开销户, 行情/研究, 建议, 其他), editable in
    the admin."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)
    active = models.BooleanField(_("in use"), default=True)
    survey = models.ForeignKey("Questionnaire", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("survey after resolution"),
                               help_text=_("S15: the client is invited by SMS when a ticket of this category is "
                                           "resolved; empty: no invitation"))

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Priority(models.TextChoices):
    URGENT = "urgent", _("urgent")
    HIGH = "high", _("high")
    NORMAL = "normal", _("normal")
    LOW = "low", _("low")


class SlaTarget(models.Model):
    """S12: the first-response and resolution targets of one category at one priority, in service minutes (minutes
    inside the service hours of trading days), and how long before a deadline its owner is warned."""

    category = models.ForeignKey(TicketCategory, on_delete=models.CASCADE, related_name="sla_targets",
                                 verbose_name=_("category"))
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response within (service minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (service minutes)"))
    warn_minutes = models.PositiveIntegerField(_("warn this many service minutes before a deadline"), default=30)

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["category__position", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="sla_one_per_category_priority"),
            models.CheckConstraint(name="sla_targets_positive", condition=Q(first_response_minutes__gt=0)
                                   & Q(resolution_minutes__gte=models.F("first_response_minutes"))),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.get_priority_display()}"


class ServiceWindow(models.Model):
    """S12 服务时间: a stretch of service hours on every trading day (e.g. 08:30–15:30), or in the evening of one
    (the night session's hotline, e.g. 21:00–02:30, ending the next morning when it ends before it starts). A night
    window is open only in the evening of a trading day whose next weekday is a trading day: the exchanges hold no
    night session before a holiday."""

    name = models.CharField(_("name"), max_length=50)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"), help_text=_("earlier than the start: the next morning"))
    night_session = models.BooleanField(_("night session"), default=False,
                                        help_text=_("open only when the next weekday is a trading day"))
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("service window")
        verbose_name_plural = _("service hours")
        ordering = ["starts"]
        constraints = [models.CheckConstraint(name="service_window_not_empty", condition=~Q(starts=models.F("ends")))]

    def __str__(self) -> str:
        return f"{self.name} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def minutes_of_day(self) -> tuple[int, int]:
        start = self.starts.hour * 60 + self.starts.minute
        end = self.ends.hour * 60 + self.ends.minute
        return start, end + (24 * 60 if end <= start else 0)

    def clean(self):
        if self.starts == self.ends:
            raise ValidationError({"ends": gettext("A window must end at another time than it starts.")})
        start, end = self.minutes_of_day()
        for other in ServiceWindow.objects.filter(active=True).exclude(pk=self.pk):
            other_start, other_end = other.minutes_of_day()
            # Compared on the same day and shifted by a day either way: a night window reaches the next morning.
            if any(start < other_end + shift and other_start + shift < end for shift in (-1440, 0, 1440)):
                raise ValidationError(gettext("Service windows may not overlap: %(other)s.") % {"other": other})


class ServiceInterval(models.Model):
    """S12's clock: one row per open stretch of service time, built from the trading calendar and the service
    windows (service_desk/sql.py, INTERVALS_REBUILD). `clock_before` is the service seconds of every earlier
    stretch, so a deadline "N service minutes after t" is two index lookups."""

    starts_at = models.DateTimeField(primary_key=True)
    ends_at = models.DateTimeField()
    clock_before = models.DecimalField(max_digits=20, decimal_places=6, unique=True)

    class Meta:
        verbose_name = _("service interval")
        verbose_name_plural = _("service intervals")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}–{timezone.localtime(self.ends_at):%H:%M}"


class Team(models.Model):
    """A team tickets are queued to. The exceptions team (异常问题处理组) takes the tickets that breach an SLA (S12)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    handles_exceptions = models.BooleanField(_("exceptions team (异常问题处理组)"), default=False)
    members = models.ManyToManyField(StaffProfile, blank=True, related_name="teams", verbose_name=_("members"))

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["handles_exceptions"], condition=Q(handles_exceptions=True),
                                               name="team_one_exceptions_team")]

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(ScopedQuerySet):
    """Domain O for tickets: the client's scope through the copies of its branch and advisor (kept by triggers,
    service_desk/sql.py), or, before a caller is known, the branch of the desk that took the call. A ticket's
    owner sees it too, wherever its client is."""

    branch_path = "branch"
    advisor_path = "advisor"

    def visible_to(self, user):
        if sees_everything(user):
            return self
        profile = staff_profile_of(user)
        if profile is None:
            return self.none()
        if profile.role == Role.ADVISOR:
            return self.filter(Q(advisor=profile) | Q(owner=profile))
        if profile.role in BRANCH_WIDE_ROLES and profile.branch_id:
            return self.filter(Q(branch_id=profile.branch_id) | Q(owner=profile))
        return self.none()

    def unfinished(self):
        """Spelled as the queue indexes' predicate, so PostgreSQL uses them."""
        return self.filter(state__in=[Ticket.State.NEW, Ticket.State.IN_PROGRESS, Ticket.State.WAITING])


def ticket_reference() -> str:
    """A ticket's public reference: Q and eight characters with no look-alikes (32^8 of them)."""
    return "Q" + "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))


class Ticket(models.Model):
    """S11 工单: one question or request from a client (or a caller not known yet), from the call to its solution.
    新建 → 处理中 → 待客户 → 已解决 → 已关闭; a resolved or closed ticket may be reopened. Its SLA deadlines (S12) are
    written by service_desk/sql.py whenever what they depend on changes."""

    class Channel(models.TextChoices):
        HOTLINE = "hotline", _("hotline")
        WECHAT = "wechat", _("WeChat")
        EMAIL = "email", _("email")
        WEB = "web", _("web")
        WALK_IN = "walk_in", _("walk-in")

    class State(models.TextChoices):
        NEW = "new", pgettext_lazy("ticket state", "new")
        IN_PROGRESS = "in_progress", pgettext_lazy("ticket state", "in progress")
        WAITING = "waiting", pgettext_lazy("ticket state", "waiting for the client")
        RESOLVED = "resolved", pgettext_lazy("ticket state", "resolved")
        CLOSED = "closed", pgettext_lazy("ticket state", "closed")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets",
                               verbose_name=_("client"))
    # S9 for a caller not matched yet: ciphertext, keyed hash (matched later, S11) and the last four digits.
    caller_phone = models.TextField(blank=True, editable=False)
    caller_phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    caller_phone_last4 = models.CharField(_("caller's number, last 4"), max_length=4, blank=True, editable=False)
    # S11: what the client is told (the survey page, the suggestion box's reply): random, so it says nothing of how
    # many tickets there are (GD0000124 did, issue 35 finding 11); staff find a ticket by it.
    reference = models.CharField(_("reference"), max_length=10, unique=True, default=ticket_reference,
                                 editable=False)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.HOTLINE)
    category = models.ForeignKey(TicketCategory, on_delete=models.PROTECT, related_name="tickets",
                                 verbose_name=_("category"))
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.NEW)
    owner = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="tickets_owned", verbose_name=_("owner"))
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets",
                             verbose_name=_("team"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("opened by"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    resolution = models.TextField(_("resolution"), blank=True)
    # S12, written by service_desk/sql.py (DEADLINES): NULL when the calendar does not reach that far yet.
    waiting_since = models.DateTimeField(_("waiting for the client since"), null=True, blank=True)
    paused_seconds = models.DecimalField(max_digits=20, decimal_places=6, default=0, editable=False)
    # S17: service seconds from the opening to the first response, and to the resolution less the pauses, written
    # by a trigger (service_desk/sql.py MEASURE) when those times change.
    first_response_seconds = models.IntegerField(_("first response took (service seconds)"), null=True,
                                                 editable=False)
    resolution_seconds = models.IntegerField(_("resolution took (service seconds)"), null=True, editable=False)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True, editable=False)
    first_response_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True, editable=False)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_response_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_response_breached_at = models.DateTimeField(_("first response breached at"), null=True, blank=True,
                                                      editable=False)
    resolution_breached_at = models.DateTimeField(_("resolution breached at"), null=True, blank=True, editable=False)
    # Links (S11): the R2 alert or the S7 complaint a ticket is about, and the S1 contacts logged on it.
    alert = models.ForeignKey("risk.Alert", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets",
                              verbose_name=_("risk alert"))
    complaint = models.OneToOneField("service_log.Complaint", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="ticket", verbose_name=_("complaint"))
    contacts = models.ManyToManyField("service_log.ContactRecord", blank=True, related_name="tickets",
                                      verbose_name=_("contact records"))
    # Domain O: the client's branch and advisor (triggers, service_desk/sql.py); the desk's branch before a caller
    # is known.
    branch = models.ForeignKey(Branch, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True,
                               related_name="+", editable=False, verbose_name=_("branch"))
    advisor = models.ForeignKey(StaffProfile, verbose_name=_("advisor"),
                                on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                                blank=True, related_name="+", editable=False, db_index=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        triggers = [triggers.TICKET_SCOPE_COPY, triggers.TICKET_MEASURE]  # O, S17
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-opened_at"]
        permissions = [("reveal_caller_phone", _("Can reveal an unknown caller's whole number")),
                       ("view_service_kpis", _("Can see the service KPIs and staff scorecards"))]
        constraints = [
            models.CheckConstraint(name="ticket_resolved_has_time", condition=~Q(state__in=["resolved", "closed"])
                                   | Q(resolved_at__isnull=False)),
            models.CheckConstraint(name="ticket_waiting_has_time", condition=~Q(state="waiting")
                                   | Q(waiting_since__isnull=False)),
        ]
        indexes = [
            # The queue: unfinished tickets of a branch, soonest resolution deadline first.
            models.Index(fields=["branch", "resolution_due"], name="ticket_queue",
                         condition=Q(state__in=["new", "in_progress", "waiting"])),
            models.Index(fields=["owner", "resolution_due"], name="ticket_owner_queue",
                         condition=Q(state__in=["new", "in_progress", "waiting"])),
            models.Index(fields=["resolution_due"], name="ticket_queue_everyone",
                         condition=Q(state__in=["new", "in_progress", "waiting"])),
            # The SLA sweep (S12) reads only what is still to warn or to breach.
            models.Index(fields=["first_response_due"], name="ticket_first_response_open",
                         condition=Q(first_response_at__isnull=True, first_response_breached_at__isnull=True)),
            models.Index(fields=["resolution_due"], name="ticket_resolution_open",
                         condition=Q(state__in=["new", "in_progress"], resolution_breached_at__isnull=True)),
            models.Index(fields=["resolved_at"], name="ticket_resolved_to_close", condition=Q(state="resolved")),
            models.Index(fields=["caller_phone_hash"], name="ticket_unknown_caller",
                         condition=Q(client__isnull=True)),
            models.Index(fields=["client", "-opened_at"], name="ticket_client_recent"),
            # S17's months, read by index-only scans: the tickets opened in one, and those resolved in one. (The
            # opened index also orders the queue's view of every ticket, newest first.)
            models.Index(fields=["opened_at"], name="ticket_opened",
                         include=["owner", "team", "branch", "first_response_seconds"]),
            models.Index(fields=["resolved_at"], name="ticket_resolved", condition=Q(resolved_at__isnull=False),
                         include=["owner", "team", "branch", "resolution_seconds", "resolution_due", "reopened"]),
        ]

    def __str__(self) -> str:
        return gettext("Ticket %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        return f"GD{self.pk or 0:07d}"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.RESOLVED, self.State.CLOSED}

    def set_caller_phone(self, phone: str) -> None:
        self.caller_phone = pii.encrypt(phone)
        self.caller_phone_hash = pii.lookup_hash(phone)
        self.caller_phone_last4 = phone[-4:]

    @property
    def caller_masked(self) -> str:
        return f"*******{self.caller_phone_last4}" if self.caller_phone_last4 else ""

    def deadline_state(self, now: datetime.datetime | None = None) -> str:
        """For the queue's colour: breached, warned, paused or on time."""
        if self.is_finished:
            return ""
        if self.state == self.State.WAITING:
            return "paused"
        if self.first_response_breached_at or self.resolution_breached_at:
            return "breached"
        if self.first_response_warned_at and not self.first_response_at or self.resolution_warned_at:
            return "warned"
        return "on_time"


class Article(models.Model):
    """S14 知识库: an answer the desk gives again and again (trading software, 银期转账, 追保, 强平 …), by category.
    Its text is its versions; the current one is what a reply attaches and what the search reads."""

    category = models.ForeignKey(TicketCategory, on_delete=models.PROTECT, related_name="articles",
                                 verbose_name=_("category"))
    current = models.ForeignKey("ArticleVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("current version"))
    active = models.BooleanField(_("in use"), default=True)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("knowledge-base article")
        verbose_name_plural = _("knowledge base")
        permissions = [("view_knowledge_report", _("Can see which articles are used and which questions have none"))]
        indexes = [GinIndex(fields=["search_vector"], name="article_search")]

    def __str__(self) -> str:
        return self.current.title if self.current_id else gettext("Article %(id)s") % {"id": self.pk}


class ArticleVersion(models.Model):
    """S14: one version of an article, never changed once written; a reply names the version it gave."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="versions",
                                verbose_name=_("article"))
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    keywords = models.CharField(_("keywords"), max_length=200, blank=True,
                                help_text=_("the words clients use, e.g. 强平 爆仓 for forced liquidation"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("written by"))
    written_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_once")]

    def __str__(self) -> str:
        return gettext("%(title)s (version %(number)s)") % {"title": self.title, "number": self.number}


class TicketEvent(models.Model):
    """A ticket's history: replies to the client, internal notes, moves between states, assignment, the call events,
    and the SLA sweep's warnings and escalations (S12)."""

    class Kind(models.TextChoices):
        OPENED = "opened", pgettext_lazy("ticket event", "ticket opened")
        REPLY = "reply", _("reply to the client")
        NOTE = "note", _("internal note")
        STATE = "state", _("state changed")
        ASSIGNED = "assigned", _("assigned")
        CALL = "call", _("call")
        LINKED = "linked", _("linked")
        COMPLAINT = "complaint", _("became a complaint")
        WARNED = "warned", _("SLA warning")
        BREACHED = "breached", _("SLA breached, escalated")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    text = models.TextField(_("text"), blank=True)
    from_state = models.CharField(_("state before"), max_length=12, choices=Ticket.State.choices, blank=True)
    to_state = models.CharField(_("state after"), max_length=12, choices=Ticket.State.choices, blank=True)
    article = models.ForeignKey(ArticleVersion, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="replies", verbose_name=_("knowledge-base article"))

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket history")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_ticket")]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class TicketCall(models.Model):
    """S13: one call from the call-centre system (POST /api/v1/service/calls), the ticket it opened or updated, and
    its recording's reference. The call id makes a repeated event (answered, then ended) update the same row."""

    call_id = models.CharField(_("call id"), max_length=100, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="calls", verbose_name=_("ticket"))
    called_line = models.CharField(_("line called"), max_length=40)
    staff = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, related_name="+", verbose_name=_("answered by"))
    at = models.DateTimeField(_("at"))
    recording_ref = models.CharField(_("recording"), max_length=300, blank=True)
    clients_matched = models.PositiveSmallIntegerField(_("clients with the caller's number"))

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.call_id


class Questionnaire(models.Model):
    """S15 满意度评测: a questionnaire clients answer themselves through a signed link. Its first 1–5 question is the
    S8 score (results by advisor, branch and tier; 2 or less: a follow-up)."""

    title = models.CharField(_("title"), max_length=100, unique=True,
                             help_text=_("also the survey's name in the satisfaction results"))
    intro = models.TextField(_("introduction"), blank=True)
    active = models.BooleanField(_("in use"), default=True)
    valid_days = models.PositiveSmallIntegerField(_("link valid for (days)"), default=7)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(name="questionnaire_valid_1_to_90",
                                              condition=Q(valid_days__gte=1, valid_days__lte=90))]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SCALE = "scale", _("score 1–5")
        CHOICE = "choice", _("one of the choices")
        TEXT = "text", _("free text")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions",
                                      verbose_name=_("questionnaire"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCALE)
    text = models.CharField(_("question"), max_length=200)
    choices = models.TextField(_("choices"), blank=True, help_text=_("one per line, for a question of choices"))
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "position", "pk"]

    def __str__(self) -> str:
        return self.text

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self):
        if self.kind == self.Kind.CHOICE and len(self.choice_list()) < 2:
            raise ValidationError({"choices": gettext("A question of choices needs two choices or more.")})


class SurveyInvitation(models.Model):
    """S15: one client invited to answer one questionnaire, by SMS with a signed link (service_desk/surveys.py).
    The row is written before anything is sent: the sender job finds what is owed by `sent_at` empty. The link
    works until `expires_at` and once: `answered_at` is set by the answer that claims it."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="invitations",
                                      verbose_name=_("questionnaire"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="survey_invitations",
                               verbose_name=_("client"))
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="survey_invitations", verbose_name=_("ticket"))
    nonce = models.CharField(max_length=32, unique=True, editable=False)
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("invited by"))
    expires_at = models.DateTimeField(_("link expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sms = models.ForeignKey("service_log.SmsDelivery", on_delete=models.PROTECT, null=True, blank=True,
                            related_name="+", verbose_name=_("SMS"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["ticket"], condition=Q(ticket__isnull=False),
                                               name="survey_invitation_once_per_ticket")]
        indexes = [models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True),
                                name="survey_invitation_owed")]

    def __str__(self) -> str:
        return f"{self.questionnaire} · {self.client}"


class SurveyAnswer(models.Model):
    """S15: one invitation's answer to one question."""

    invitation = models.ForeignKey(SurveyInvitation, on_delete=models.PROTECT, related_name="answers",
                                   verbose_name=_("survey invitation"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers",
                                 verbose_name=_("question"))
    score = models.PositiveSmallIntegerField(_("score (1–5)"), null=True, blank=True)
    choice = models.CharField(_("choice"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["invitation", "question"], name="survey_answer_once"),
            models.CheckConstraint(name="survey_answer_score_1_to_5",
                                   condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.score or self.choice or self.text[:40]}"
