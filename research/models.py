"""Research and client information (S18–S22, docs/rules-added.md): publications by analysts, compliance review of
each version, and their distribution to the clients they suit, one delivery record per recipient."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import Branch, Client, StaffProfile
from clients.roles import Role
from clients.scoping import BranchAdvisorScopedQuerySet, ClientScopedQuerySet, staff_profile_of
from settlement.calendar import in_trading_session


class Exchange(models.TextChoices):
    SHFE = "SHFE", _("Shanghai Futures Exchange")  # 上海期货交易所
    INE = "INE", _("Shanghai International Energy Exchange")  # 上海国际能源交易中心
    DCE = "DCE", _("Dalian Commodity Exchange")  # 大连商品交易所
    CZCE = "CZCE", _("Zhengzhou Commodity Exchange")  # 郑州商品交易所
    GFEX = "GFEX", _("Guangzhou Futures Exchange")  # 广州期货交易所
    CFFEX = "CFFEX", _("China Financial Futures Exchange")  # 中国金融期货交易所


class Product(models.Model):
    """S18: a listed futures or options product of a Chinese exchange (seeded by migration 0002, editable)."""

    class Kind(models.TextChoices):
        FUTURES = "futures", _("futures")
        OPTIONS = "options", _("options")

    exchange = models.CharField(_("exchange"), max_length=8, choices=Exchange.choices)
    code = models.CharField(_("product code"), max_length=16)
    name = models.CharField(_("name"), max_length=50)
    class DaySession(models.TextChoices):  # C5 (docs/rules-added.md; settlement/calendar.py DAY_SESSIONS)
        COMMODITY = "commodity", _("09:00–10:15, 10:30–11:30, 13:30–15:00")
        INDEX = "index", _("09:30–11:30, 13:00–15:00 (index futures and options)")
        BOND = "bond", _("09:30–11:30, 13:00–15:15 (bond futures)")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.FUTURES)
    active = models.BooleanField(_("listed"), default=True)
    day_session = models.CharField(_("day session"), max_length=10, choices=DaySession.choices,
                                   default=DaySession.COMMODITY)
    night_ends = models.TimeField(_("night session ends"), null=True, blank=True,
                                  help_text=_("empty: no night session; it opens at 21:00"))

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["exchange", "kind", "code"]
        constraints = [models.UniqueConstraint(fields=["exchange", "code", "kind"], name="product_once")]

    def __str__(self) -> str:
        return f"{self.name} {self.code}.{self.exchange}"

    def trades_at(self, moment) -> bool:
        """C5: whether the product is in one of its sessions at `moment`."""
        return in_trading_session(moment, day_session=self.day_session, night_ends=self.night_ends)


class Kind(models.TextChoices):
    """S18: the kinds of publication (seed: 日评、周评及月报, 投资方案, 交易机会提示)."""

    DAILY = "daily", _("daily comment")  # 日评
    WEEKLY = "weekly", _("weekly comment")  # 周评
    MONTHLY = "monthly", _("monthly report")  # 月报
    SPECIAL = "special", _("special report")  # 专题
    PLAN = "plan", _("investment plan")  # 投资方案
    TIP = "tip", _("trading opportunity")  # 交易机会提示


class RiskLevel(models.TextChoices):
    """S20 适当性: a publication's risk level R1–R5, sent only to clients whose risk tolerance C1–C5 is at least as
    high."""

    R1 = "R1", _("R1 low")
    R2 = "R2", _("R2 medium-low")
    R3 = "R3", _("R3 medium")
    R4 = "R4", _("R4 medium-high")
    R5 = "R5", _("R5 high")


class DisclosureText(models.Model):
    """S18: the risk disclosure appended to every version of a kind (editable by compliance)."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, unique=True)
    text = models.TextField(_("risk disclosure"))

    class Meta:
        verbose_name = _("risk disclosure")
        verbose_name_plural = _("risk disclosures")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()


class PointWord(models.Model):
    """S19: a word that, with digits next to it, gives a specific entry or exit point (买入, 卖出, 开仓, 平仓, 止损 …;
    editable by compliance)."""

    word = models.CharField(_("word"), max_length=20, unique=True)
    active = models.BooleanField(_("checked"), default=True)

    class Meta:
        verbose_name = _("point word")
        verbose_name_plural = _("point words")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class Publication(models.Model):
    """S18: a note by an analyst; its text lives in its versions, of which compliance approves one (S19). Never
    deleted (S9 retention): a publication no longer wanted is withdrawn."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        IN_REVIEW = "in_review", _("in compliance review")
        REFUSED = "refused", _("refused by compliance")
        APPROVED = "approved", pgettext_lazy("publication state", "approved")
        WITHDRAWN = "withdrawn", _("withdrawn")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    products = models.ManyToManyField(Product, blank=True, related_name="publications", verbose_name=_("products"))
    risk_level = models.CharField(_("risk level"), max_length=2, choices=RiskLevel.choices, default=RiskLevel.R3)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    approved_version = models.ForeignKey("PublicationVersion", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("approved version"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-created_at"]
        permissions = [("review_publication", _("Can review publications (compliance)")),
                       ("send_publication", _("Can send publications to clients"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.title}"


class PublicationVersion(models.Model):
    """S18: one version's text as written, never changed once written; the disclosure of its kind and the S19
    warnings are fixed on it when it is submitted for review."""

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="versions",
                                    verbose_name=_("publication"))
    number = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"))
    pdf = models.FileField(_("PDF"), upload_to="research/%Y/%m/", blank=True)
    disclosure = models.TextField(_("risk disclosure"), blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("written by"))
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("publication version")
        verbose_name_plural = _("publication versions")
        ordering = ["publication", "-number"]
        constraints = [models.UniqueConstraint(fields=["publication", "number"], name="publication_version_once")]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class ReviewDecision(models.Model):
    """S19 合规审查: who decided what on which version, when, and the warnings they saw; kept for good."""

    class Decision(models.TextChoices):
        APPROVED = "approved", pgettext_lazy("review decision", "approved")
        REFUSED = "refused", pgettext_lazy("review decision", "refused")
        WITHDRAWN = "withdrawn", pgettext_lazy("review decision", "withdrawn")  # S19: taken back, with a reason

    version = models.ForeignKey(PublicationVersion, on_delete=models.PROTECT, related_name="decisions",
                                verbose_name=_("version"))
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    warnings = models.JSONField(_("warnings seen"), default=list, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("reviewer"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.version} {self.get_decision_display()}"


class FollowUpRule(models.Model):
    """S21 当日回馈: which recipients of a kind's publication get a same-day follow-up by their advisor (seeded for
    交易机会提示: VIP tiers, key monitoring and whoever opens the link; editable)."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, unique=True)
    vip_tiers = models.BooleanField(_("VIP tiers (gold and above)"), default=True)
    key_monitoring = models.BooleanField(_("key-monitoring clients"), default=True)
    opened_link = models.BooleanField(_("clients who opened the link"), default=True)

    class Meta:
        verbose_name = _("same-day follow-up rule")
        verbose_name_plural = _("same-day follow-up rules")

    def __str__(self) -> str:
        return self.get_kind_display()


class ProductInterest(models.Model):
    """S20: a product a client is interested in, recorded in the service archive by their advisor."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="product_interests",
                               verbose_name=_("client"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product"))
    noted_at = models.DateTimeField(_("noted at"), default=timezone.now)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("product interest")
        verbose_name_plural = _("product interests")
        constraints = [models.UniqueConstraint(fields=["client", "product"], name="product_interest_once")]

    def __str__(self) -> str:
        return f"{self.client} · {self.product}"


class Distribution(models.Model):
    """S20: the approved version of a publication sent to an audience, chosen within the sender's scope (O) and
    narrowed by suitability (S20) and consent at sending time (S9); one Delivery per recipient."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="distributions",
                                    verbose_name=_("publication"))
    version = models.ForeignKey(PublicationVersion, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("version sent"))
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("branch"))
    advisor = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("advisor"))
    client_type = models.CharField(_("client type"), max_length=16, choices=Client.ClientType.choices, blank=True)
    key_monitoring_only = models.BooleanField(_("key-monitoring clients only"), default=False)
    interested_only = models.BooleanField(_("clients interested in its products only"), default=False)
    trade_date = models.DateField(_("trading day"), default=timezone.localdate)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    not_sent = models.PositiveIntegerField(_("not sent"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("sent by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.publication} · {self.trade_date}"


class Delivery(models.Model):
    """S20: one recipient of a distribution and what became of it; its signed link opens the version sent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("to send")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        NO_CONSENT = "no_consent", _("not sent: no consent")
        NO_PHONE = "no_phone", _("not sent: no phone")

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="deliveries",
                                     verbose_name=_("distribution"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("client"))
    branch = models.ForeignKey(Branch, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                               verbose_name=_("branch"))
    advisor = models.ForeignKey(StaffProfile, on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                                related_name="+", verbose_name=_("advisor"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=200, blank=True)
    sms = models.ForeignKey("service_log.SmsDelivery", on_delete=models.PROTECT, null=True, blank=True,
                            related_name="+", verbose_name=_("SMS"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("link opened at"), null=True, blank=True)

    objects = BranchAdvisorScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["distribution", "client"], name="delivery_once")]
        indexes = [models.Index(fields=["distribution", "id"], condition=Q(status="pending"),
                                name="delivery_pending"),
                   # The advisors' library counts what each scope's clients received, from these alone.
                   models.Index(fields=["distribution"], include=["status", "opened_at", "branch", "advisor"],
                                name="delivery_distribution"),
                   models.Index(fields=["branch", "distribution"], include=["status", "opened_at", "advisor"],
                                name="delivery_branch"),
                   models.Index(fields=["advisor", "distribution"], include=["status", "opened_at"],
                                name="delivery_advisor")]

    def __str__(self) -> str:
        return f"{self.distribution} → {self.client}"


class QuestionQuerySet(BranchAdvisorScopedQuerySet):
    """S22 首席分析师负责制: the chief analyst answers every client's question (and sees of the client only what the
    question page shows); everyone else sees the questions of their clients' scope (O)."""

    def visible_to(self, user):
        profile = staff_profile_of(user)
        if profile is not None and profile.role == Role.CHIEF_ANALYST:
            return self
        return super().visible_to(user)


class Question(models.Model):
    """S22: a client's question about a publication, logged by staff or sent from the publication's phone page; the
    chief analyst answers, and the client's advisor or marketer passes the answer on in a contact record (S1)."""

    class Source(models.TextChoices):
        STAFF = "staff", _("logged by staff")
        LINK = "link", _("sent from the publication's page")

    class State(models.TextChoices):
        OPEN = "open", _("waiting for the chief analyst")
        ANSWERED = "answered", _("answered, to pass on")
        PASSED_ON = "passed_on", _("passed on to the client")

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="questions",
                                    verbose_name=_("publication"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("client"))
    branch = models.ForeignKey(Branch, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                               verbose_name=_("branch"))
    advisor = models.ForeignKey(StaffProfile, on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                                related_name="+", verbose_name=_("advisor"))
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("delivery"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    text = models.TextField(pgettext_lazy("client question", "question"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("logged by"))
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=pgettext_lazy("client question", "answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    contact = models.ForeignKey("service_log.ContactRecord", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("passed on in contact"))

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("client question")
        verbose_name_plural = _("client questions")
        ordering = ["-asked_at"]
        permissions = [("answer_question", _("Can answer clients' questions (chief analyst)"))]
        indexes = [models.Index(fields=["state", "asked_at"], name="question_queue"),
                   models.Index(fields=["publication", "branch"], name="question_publication")]

    def __str__(self) -> str:
        return f"{self.publication.title}: {self.text[:30]}"
