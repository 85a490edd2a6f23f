"""Client records: branches, staff, clients (settlement master data + CRM fields), service archives (S6), and the
log of every reveal of personal data (S9)."""

import datetime

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients import pii
from clients.roles import Role
from clients.scoping import ClientScopedQuerySet, ScopedQuerySet, sees_everything, staff_profile_of
from clients.triggers import CLIENT_TRIGGERS

ACCOUNT_NO_PATTERN = r"^[0-9A-Za-z]{1,32}$"


class BranchQuerySet(ScopedQuerySet):
    branch_path = "pk"

    def visible_to(self, user):
        profile = staff_profile_of(user)
        if not sees_everything(user) and profile is not None and profile.role == Role.ADVISOR:
            return self.filter(pk=profile.branch_id)  # an advisor sees the branch they belong to
        return super().visible_to(user)


class Branch(models.Model):
    """营业部: a sales branch. Every client and every staff member outside head office belongs to one."""

    code = models.CharField(_("branch code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    objects = BranchQuerySet.as_manager()

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StaffProfileQuerySet(ScopedQuerySet):
    branch_path = "branch"
    advisor_path = "pk"


class StaffProfile(models.Model):
    """A member of staff: their role (domain O), branch and staff code. The user account logs in; this says who
    they are in the firm. Head-office staff may have no branch."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("login account"),
                                on_delete=models.PROTECT, related_name="staff_profile")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="staff",
                               verbose_name=_("branch"))
    staff_code = models.CharField(_("staff code"), max_length=32, unique=True)
    full_name = models.CharField(_("full name"), max_length=100)
    phone = models.CharField(_("work phone"), max_length=32, blank=True)

    objects = StaffProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["staff_code"]
        constraints = [
            models.CheckConstraint(
                name="staffprofile_branch_unless_head_office",
                condition=Q(branch__isnull=False) | Q(role__in=[Role.HEAD_OFFICE, Role.SETTLEMENT_SYSTEM, Role.ANALYST,
                                                                 Role.CHIEF_ANALYST, Role.COMPLIANCE]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.staff_code})"


class ClientQuerySet(ScopedQuerySet):
    branch_path = "branch"
    advisor_path = "advisor"

    def open(self, today: datetime.date | None = None):
        """Accounts open today (the one definition of "open"): no closing date, or one still to come."""
        return self.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today or timezone.localdate()))

    def closed(self, today: datetime.date | None = None):
        return self.filter(closed_on__lte=today or timezone.localdate())

    def search(self, term: str):
        """Admin and API search: account number, the start of the name (王, 王伟, 汇金), last 4 phone digits, or a
        whole phone / ID number (by hash). Every branch of the OR has an index, so PostgreSQL combines them."""
        term = term.strip()
        if not term:
            return self
        condition = Q(account_no=term) | Q(name__startswith=term)
        if term.isdigit() and len(term) == 4:
            condition |= Q(phone_last4=term)
        phone = pii.normalise_phone(term)
        if pii.is_valid_phone(phone):
            condition |= Q(phone_hash=pii.lookup_hash(phone))
        id_number = pii.normalise_id_number(term)
        if len(id_number) >= 6:
            condition |= Q(id_number_hash=pii.lookup_hash(id_number))
        return self.filter(condition)


class PersonalNumbers:
    """S9 for every model that keeps a person's phone and ID number (clients, prospects): Fernet ciphertext, a keyed
    hash for exact lookup and the phone's last four digits are written here, from the normalised number only."""

    def set_phone(self, phone: str) -> None:
        phone = pii.normalise_phone(phone or "")
        self.phone_ciphertext = pii.encrypt(phone) if phone else ""
        self.phone_hash = pii.lookup_hash(phone) if phone else ""
        self.phone_last4 = phone[-4:] if phone else ""

    def set_id_number(self, id_number: str) -> None:
        id_number = pii.normalise_id_number(id_number or "")
        self.id_number_ciphertext = pii.encrypt(id_number) if id_number else ""
        self.id_number_hash = pii.lookup_hash(id_number) if id_number else ""

    def decrypted_phone(self) -> str:
        """Plain phone number. Callers outside services must go through a reveal service, which checks and logs."""
        return pii.decrypt(self.phone_ciphertext)

    def decrypted_id_number(self) -> str:
        return pii.decrypt(self.id_number_ciphertext)

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.decrypted_phone()) if self.phone_ciphertext else ""

    @property
    def id_number_masked(self) -> str:
        return pii.mask_id_number(self.decrypted_id_number()) if self.id_number_ciphertext else ""


class Client(PersonalNumbers, models.Model):
    """A futures client (account). Master fields are owned by the settlement system (settlement-api.md); advisor,
    marketer, investor category, risk tolerance, consent and the archive are owned by the CRM."""

    class ClientType(models.TextChoices):
        INDIVIDUAL = "individual", _("individual")
        INSTITUTION = "institution", _("institution")

    class IdType(models.TextChoices):
        ID_CARD = "id_card", _("resident ID card")
        PASSPORT = "passport", _("passport")
        BUSINESS_LICENSE = "business_license", _("business licence")
        OTHER = "other", _("other")

    class InvestorCategory(models.TextChoices):
        ORDINARY = "ordinary", _("ordinary investor")
        PROFESSIONAL = "professional", _("professional investor")

    class RiskTolerance(models.TextChoices):
        C1 = "C1", "C1"
        C2 = "C2", "C2"
        C3 = "C3", "C3"
        C4 = "C4", "C4"
        C5 = "C5", "C5"

    # Settlement master data.
    account_no = models.CharField(_("account number"), max_length=32, unique=True,
                                  validators=[RegexValidator(ACCOUNT_NO_PATTERN)])
    name = models.CharField(_("name"), max_length=100)
    client_type = models.CharField(_("client type"), max_length=16, choices=ClientType.choices)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="clients", verbose_name=_("branch"))
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, blank=True)
    # S9: ciphertext, keyed hash for exact lookup; never the plain number.
    id_number_ciphertext = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_ciphertext = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_last4 = models.CharField(_("phone (last 4 digits)"), max_length=4, blank=True, db_index=True,
                                   editable=False)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    last_trade_date = models.DateField(_("last trade before go-live"), null=True, blank=True)
    # Derived from a valid 18-digit ID number (S5 birthdays, S6 archive).
    birth_date = models.DateField(_("birth date"), null=True, blank=True, editable=False)
    home_region = models.CharField(_("home region"), max_length=20, blank=True, editable=False)

    # CRM-owned.
    advisor = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="advised_clients", verbose_name=_("advisor"))
    marketer = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="marketed_clients", verbose_name=_("marketer"))
    investor_category = models.CharField(_("investor category"), max_length=16, choices=InvestorCategory.choices,
                                         default=InvestorCategory.ORDINARY)
    risk_tolerance = models.CharField(_("risk tolerance"), max_length=2, choices=RiskTolerance.choices, blank=True)
    marketing_opt_in = models.BooleanField(_("accepts marketing messages"), default=False)  # S9 consent
    marketing_consent_changed_at = models.DateTimeField(_("consent changed at"), null=True, blank=True,
                                                        editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ClientQuerySet.as_manager()

    class Meta:
        triggers = CLIENT_TRIGGERS  # what a change of branch, advisor or closing keeps (clients/triggers.py)
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["account_no"]
        permissions = [
            ("reveal_phone", _("Can reveal client phone numbers")),
            ("reveal_id_number", _("Can reveal client ID numbers")),
            ("assign_advisor", _("Can assign advisors to clients")),
        ]
        constraints = [
            models.CheckConstraint(name="client_account_no_format", condition=Q(account_no__regex=ACCOUNT_NO_PATTERN)),
            models.CheckConstraint(name="client_closed_after_opened",
                                   condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on"))),
        ]
        # The scope (O) of rows that belong to clients is a join on this index: with the key included, a branch's
        # clients are read from the index alone.
        indexes = [models.Index(fields=["branch", "advisor"], include=["id"], name="client_branch_advisor"),
                   # Name search is by the start of the name (search()): an index PostgreSQL uses for LIKE 'term%'
                   # whatever the collation, so a search reads the matches, not a million names (bench/pages.py).
                   models.Index(fields=["name"], opclasses=["varchar_pattern_ops"], name="client_name_prefix"),
                   # The workbench (service_log.selectors.workbench) at a million clients reads only: the closed
                   # accounts (to leave out), S3's accounts never traded, S5's birthdays of the day.
                   models.Index(fields=["closed_on"], condition=Q(closed_on__isnull=False), name="client_closed"),
                   models.Index(fields=["opened_on"], condition=Q(last_trade_date__isnull=True),
                                name="client_never_traded"),
                   models.Index(ExtractMonth("birth_date"), ExtractDay("birth_date"), name="client_birthday")]

    def __str__(self) -> str:
        return f"{self.account_no} {self.name}"

    # Personal data (S9) --------------------------------------------------------------------------------------
    def set_id_number(self, id_number: str) -> None:
        super().set_id_number(id_number)
        id_number = pii.normalise_id_number(id_number or "")
        self.birth_date = None
        self.home_region = ""
        if self.id_type == self.IdType.ID_CARD and id_number and pii.id_card_error(id_number) is None:
            self.birth_date = pii.id_card_birth_date(id_number)
            self.home_region = pii.id_card_home_region(id_number)

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None and self.closed_on <= timezone.localdate()

    def age_on(self, day: datetime.date) -> int | None:
        if self.birth_date is None:
            return None
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class ClientArchive(models.Model):
    """客户服务档案 (S6): the service archive kept for every VIP client. Birth date, age and home region come from
    the client's ID number; the rest is gathered by the advisor (seed: 初始服务阶段 1 and 3)."""

    class RiskPreference(models.TextChoices):
        CONSERVATIVE = "conservative", _("conservative")
        BALANCED = "balanced", _("balanced")
        AGGRESSIVE = "aggressive", _("aggressive")

    # Fields that make an archive complete (S6 completeness).
    COMPLETENESS_FIELDS = ("serial_number", "total_investable_assets", "trading_experience_years",
                           "trading_habits", "risk_preference", "return_expectation")

    client = models.OneToOneField(Client, on_delete=models.PROTECT, related_name="archive", verbose_name=_("client"))
    serial_number = models.CharField(_("archive serial number"), max_length=32, unique=True, null=True, blank=True)
    total_investable_assets = models.DecimalField(_("total investable assets"), max_digits=17, decimal_places=2,
                                                  null=True, blank=True, validators=[MinValueValidator(0)])
    trading_experience_years = models.PositiveSmallIntegerField(_("years of trading experience"), null=True,
                                                                blank=True)
    trading_habits = models.TextField(_("trading habits"), blank=True)
    risk_preference = models.CharField(_("risk preference"), max_length=16, choices=RiskPreference.choices,
                                       blank=True)
    return_expectation = models.CharField(_("return expectation"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()
    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service archive")
        verbose_name_plural = _("service archives")
        constraints = [
            models.CheckConstraint(name="archive_assets_not_negative",
                                   condition=Q(total_investable_assets__isnull=True)
                                   | Q(total_investable_assets__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.serial_number or '-'} {self.client}"

    @classmethod
    def complete(cls) -> Q:
        """S6: every one of COMPLETENESS_FIELDS filled in, as a filter."""
        condition = Q()
        for name in cls.COMPLETENESS_FIELDS:
            condition &= Q(**{f"{name}__isnull": False})
            if isinstance(cls._meta.get_field(name), models.CharField | models.TextField):
                condition &= ~Q(**{name: ""})
        return condition

    @property
    def completeness(self) -> float:
        """Share of COMPLETENESS_FIELDS filled in, 0.0 to 1.0 (S6)."""
        filled = sum(1 for name in self.COMPLETENESS_FIELDS if getattr(self, name) not in (None, ""))
        return filled / len(self.COMPLETENESS_FIELDS)


class PiiAccessLog(models.Model):
    """One reveal of a client's ID or phone number (S9: every reveal is logged). Written by clients.services only."""

    class Field(models.TextChoices):
        PHONE = "phone", _("phone number")
        ID_NUMBER = "id_number", _("ID number")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("user"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="pii_reveals",
                               verbose_name=_("client"))
    field = models.CharField(_("field"), max_length=16, choices=Field.choices)
    revealed_at = models.DateTimeField(_("revealed at"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    beyond_hourly_limit = models.BooleanField(_("beyond the hourly limit"), default=False)

    objects = ClientScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-revealed_at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.client} {self.field}"
