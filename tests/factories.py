import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from clients import pii
from clients.models import Branch, Client, StaffProfile
from clients.roles import Role
from clients.services import staff_profile_save
from risk.models import Alert, AlertEvent, KeyMonitoring, RiskThresholdSet
from service_desk.models import Question, Questionnaire
from service_log.models import Complaint, ContactRecord, SmsDelivery
from settlement.models import DailyStatement, SettlementDay, TradingDay
from tiering.models import TierAssignment, TierChange, TierOverride, TierPolicy

PASSWORD = "test-password-123"


def valid_id_card(first_17: str = "11010519491231002") -> str:
    return first_17 + pii.id_card_check_character(first_17)


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    code = factory.Sequence(lambda n: f"B{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}营业部")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def make_staff(role: str, branch: Branch | None, code: str | None = None) -> StaffProfile:
    user = UserFactory()
    return staff_profile_save(StaffProfile(user=user, role=role, branch=branch, staff_code=code or user.username,
                                           full_name=f"{Role(role).label}{user.username[4:]}"))


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        skip_postgeneration_save = True

    account_no = factory.Sequence(lambda n: f"{90000000 + n}")
    name = factory.Sequence(lambda n: f"客户{n}")
    client_type = Client.ClientType.INDIVIDUAL
    branch = factory.SubFactory(BranchFactory)
    opened_on = datetime.date(2024, 3, 1)
    id_type = Client.IdType.ID_CARD

    @factory.post_generation
    def personal_data(obj, create, extracted, **kwargs):  # noqa: N805
        obj.set_phone(kwargs.get("phone", f"1380013{obj.account_no[-4:]}"))
        obj.set_id_number(kwargs.get("id_number", valid_id_card()))
        if create:
            obj.save()


class StaffFactory(factory.django.DjangoModelFactory):
    """A member of staff made through the service that keeps the profile (make_staff names the role and branch)."""

    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    role = Role.ADVISOR
    staff_code = factory.LazyAttribute(lambda profile: profile.user.username)
    full_name = factory.LazyAttribute(lambda profile: f"{Role(profile.role).label}{profile.user.username[4:]}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return staff_profile_save(model_class(*args, **kwargs))


# The settlement system's rows --------------------------------------------------------------------------------------

class TradingDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TradingDay

    date = datetime.date(2026, 11, 20)
    is_trading_day = True


class SettlementDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SettlementDay

    trade_date = datetime.date(2026, 11, 20)
    status = SettlementDay.Status.CLOSED


class DailyStatementFactory(factory.django.DjangoModelFactory):
    """A day's statement: 100,000.00 of equity, nothing moved (settlement/models.py; the partition must exist)."""

    class Meta:
        model = DailyStatement

    trade_date = datetime.date(2026, 11, 20)
    client = factory.SubFactory(ClientFactory)
    pre_balance = balance = available = Decimal("100000.00")
    deposit = withdrawal = close_profit = position_profit = commission = other_adjustments = margin = Decimal("0")


# Tiers (T) ----------------------------------------------------------------------------------------------------------

class TierPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierPolicy

    version = factory.Sequence(lambda n: n + 2)  # version 1 is the migration's
    effective_from = datetime.date(2026, 10, 1)


class TierAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierAssignment

    client = factory.SubFactory(ClientFactory)
    month = datetime.date(2026, 10, 1)
    tier = "gold"
    avg_equity = Decimal("1000000.00")
    avg_commission = Decimal("0.00")
    trading_days = 22
    decided_by = "equity>=1000000.00"
    policy = factory.LazyFunction(lambda: TierPolicy.objects.order_by("version").first())
    state = TierAssignment.State.FINAL
    computed_at = factory.LazyFunction(timezone.now)


class TierChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierChange


class TierOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierOverride

    client = factory.SubFactory(ClientFactory)
    tier = "gold"
    first_month = last_month = datetime.date(2026, 10, 1)
    reason = "测试"
    requested_by = factory.SubFactory(UserFactory)


# Risk (R) -----------------------------------------------------------------------------------------------------------

class RiskThresholdSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskThresholdSet

    version = factory.Sequence(lambda n: n + 2)  # version 1 is the migration's


class AlertFactory(factory.django.DjangoModelFactory):
    """An open risk warning of 2026-11-20, raised that evening, under the firm's thresholds in force."""

    class Meta:
        model = Alert

    client = factory.SubFactory(ClientFactory)
    trade_date = datetime.date(2026, 11, 20)
    kind = Alert.Kind.RISK_WARNING
    severity = Alert.Severity.MEDIUM
    thresholds = factory.LazyFunction(lambda: RiskThresholdSet.objects.in_force())
    raised_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda alert: alert.raised_at + datetime.timedelta(hours=24))


class AlertEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertEvent

    alert = factory.SubFactory(AlertFactory)
    action = AlertEvent.Action.ACKNOWLEDGED


class KeyMonitoringFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyMonitoring

    client = factory.SubFactory(ClientFactory)
    reason = KeyMonitoring.Reason.LARGE_LOSS
    started_on = last_trigger_on = datetime.date(2026, 11, 20)


# Service (S) --------------------------------------------------------------------------------------------------------

class ContactRecordFactory(factory.django.DjangoModelFactory):
    """A contact written as a row (the service's steps, S21's closing of tasks, are contact_record_create's)."""

    class Meta:
        model = ContactRecord

    client = factory.SubFactory(ClientFactory)
    staff = factory.SubFactory(StaffFactory)
    category = ContactRecord.Category.GUIDANCE
    summary = "电话回访"


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    client = factory.SubFactory(ClientFactory)
    channel = "phone"
    category = "service"
    description = "投诉"
    acknowledge_by = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=24))
    resolve_by = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=15))


class SmsDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SmsDelivery


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    text = "您对本次服务满意吗？"

