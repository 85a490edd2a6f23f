"""The advisor workbench (issue 6 item 9; S2, S3, S6, R5, T12): what is due today, within the user's scope."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import ClientArchive
from clients.roles import Role
from risk.models import Alert, KeyMonitoring, RiskThresholdSet
from service_log.models import ContactRecord
from service_log.selectors import workbench
from tests.tiering.test_services import OCTOBER, close, statements
from tiering.services import tiers_recalculate

TODAY = datetime.date(2026, 11, 25)  # a Wednesday


@pytest.fixture
def gold_clients(world):
    """'own' and 'other_branch' are gold in October (final): on the VIP contact plan."""
    for name in ("own", "other_branch"):
        statements(world["clients"][name], OCTOBER, "1000000.00", trade_volume=1)
    close(OCTOBER)
    tiers_recalculate(OCTOBER)
    return world


def test_vip_contact_plan_counts_outbound_contacts_this_week(gold_clients):

    world = gold_clients
    own, advisor = world["clients"]["own"], world["staff"][Role.ADVISOR]
    work = workbench(advisor.user, TODAY)
    assert [(item["client"], item["done"], item["minimum"]) for item in work["plan_due"]] == [(own, 0, 3)]
    monday = timezone.make_aware(datetime.datetime(2026, 11, 23, 10))
    for hours in range(3):
        ContactRecord.objects.create(client=own, staff=advisor, category="guidance", summary="market view",
                                     contacted_at=monday + datetime.timedelta(hours=hours))
    ContactRecord.objects.create(client=own, staff=advisor, category="guidance", summary="last week",
                                 contacted_at=monday - datetime.timedelta(days=1))
    assert workbench(advisor.user, TODAY)["plan_due"] == []


def test_key_monitoring_puts_any_client_on_the_plan(world):

    colleague = world["clients"]["colleague"]
    KeyMonitoring.objects.create(client=colleague, reason="large_loss", started_on=TODAY, last_trigger_on=TODAY)
    due = workbench(world["staff"][Role.SERVICE_STAFF].user, TODAY)["plan_due"]
    assert [item["client"] for item in due] == [colleague]
    assert workbench(world["staff"][Role.ADVISOR].user, TODAY)["plan_due"] == []  # not the advisor's client


def test_onboarding_calls_every_three_trading_days_until_the_first_trade(world):

    own, advisor = world["clients"]["own"], world["staff"][Role.ADVISOR]
    assert own not in workbench(advisor.user, TODAY)["onboarding"]  # opened in 2024: dormancy, not onboarding
    own.opened_on = datetime.date(2026, 11, 2)
    own.save()
    assert own in workbench(advisor.user, TODAY)["onboarding"]
    ContactRecord.objects.create(client=own, staff=advisor, category="onboarding", summary="welcome call",
                                 contacted_at=timezone.make_aware(datetime.datetime(2026, 11, 23, 9)))
    assert own not in workbench(advisor.user, TODAY)["onboarding"]
    assert own in workbench(advisor.user, datetime.date(2026, 11, 27))["onboarding"]  # 3 trading days later


def test_vip_archives_and_follow_ups_and_alerts(gold_clients, login):
    world = gold_clients
    own, advisor = world["clients"]["own"], world["staff"][Role.ADVISOR]
    ContactRecord.objects.create(client=own, staff=advisor, category="guidance", summary="call back",
                                 contacted_at=timezone.make_aware(datetime.datetime(2026, 11, 20, 9)),
                                 next_follow_up=TODAY)
    now = timezone.now()
    Alert.objects.create(client=own, trade_date=TODAY, kind="margin_call", severity="high",
                         thresholds=RiskThresholdSet.objects.get(), raised_at=now, due_at=now)

    work = workbench(advisor.user, TODAY)
    assert work["incomplete_archives"] == [own]
    assert [contact.client for contact in work["follow_ups"]] == [own]
    assert [alert.client for alert in work["alerts"]] == [own]
    ClientArchive.objects.create(client=own, serial_number="DA-1", total_investable_assets=5000000,
                                 trading_experience_years=8, trading_habits="trend", risk_preference="balanced",
                                 return_expectation="15%")
    assert workbench(advisor.user, TODAY)["incomplete_archives"] == []
    page = login(advisor).get(reverse("workbench"))
    assert page.status_code == 200 and own.name in page.content.decode()
    assert world["clients"]["other_branch"].name not in page.content.decode()


def test_no_workbench_for_the_settlement_system(world, login):
    assert login(world["staff"][Role.SETTLEMENT_SYSTEM]).get(reverse("workbench")).status_code == 403
