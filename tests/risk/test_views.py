"""The risk dashboard (issue 5 item 7): scoped figures, deadline compliance, thresholds, drill-down."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from risk import services
from risk.models import Alert, RiskThresholdSet
from tests.factories import AlertFactory, ContactRecordFactory, SettlementDayFactory
from tests.fixtures.risk import DAY, statement
from tests.fixtures.world import VISIBLE


@pytest.fixture
def alerts(world):
    now = timezone.now()
    made = {}
    for name, client in world["clients"].items():
        made[name] = AlertFactory(
            client=client, trade_date=timezone.localdate(), kind="margin_call", severity="high",
            thresholds=RiskThresholdSet.objects.get(), raised_at=now - datetime.timedelta(hours=2),
            due_at=now - datetime.timedelta(hours=1), assigned_to=client.advisor)
    return made


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.RISK_OFFICER, Role.BRANCH_MANAGER, Role.HEAD_OFFICE])
def test_open_alerts_are_counted_within_the_scope(world, alerts, login, role):
    response = login(world["staff"][role]).get(reverse("risk-dashboard"))
    assert response.status_code == 200
    data = response.context["data"]
    assert data["open_total"] == len(VISIBLE[role])
    assert data["by_kind"]["margin_call"]["high"] == len(VISIBLE[role])
    assert [bucket["count"] for bucket in data["ages"]] == [0, len(VISIBLE[role]), 0, 0]
    assert sum(row["overdue"] for row in data["by_branch"]) == len(VISIBLE[role])


def test_deadline_compliance(world, alerts, login):
    head_office = world["staff"][Role.HEAD_OFFICE]
    own = alerts["own"]
    Alert.objects.filter(pk=own.pk).update(due_at=timezone.now() + datetime.timedelta(hours=1))
    services.alert_acknowledge(user=head_office.user, alert_id=own.pk)
    contact = ContactRecordFactory(client=own.client, staff=head_office, category="risk_notice",
                                           summary="called")
    services.alert_record_contact(user=head_office.user, alert_id=own.pk, contact=contact)
    compliance = login(head_office).get(reverse("risk-dashboard")).context["data"]["compliance"]
    assert compliance == {"due": 3, "in_time": 1, "rate": 33.3}


def test_clients_above_each_threshold_on_the_last_closed_day(world, login):
    statement(world["clients"]["own"], margin="85000.00")
    statement(world["clients"]["colleague"], margin="120000.00")
    statement(world["clients"]["other_branch"], balance="-10.00")
    SettlementDayFactory(trade_date=DAY, status="closed")
    above = login(world["staff"][Role.BRANCH_MANAGER]).get(reverse("risk-dashboard")).context["data"]["above"]
    assert (above["warning"], above["margin_call"], above["negative"]) == (2, 1, 0)  # not the other branch


def test_drill_down_opens_the_matching_alerts(world, alerts, login):
    browser = login(world["staff"][Role.BRANCH_MANAGER])
    rows = browser.get(reverse("risk-dashboard")).context["rows"]
    margin_call = next(row for row in rows if row["kind"] == "margin_call")
    count, url = margin_call["cells"][2]  # high
    listed = browser.get(url).context["cl"].result_list
    assert len(listed) == count == 2


def test_no_dashboard_without_the_permission(world, login):
    assert login(world["staff"][Role.SETTLEMENT_SYSTEM]).get(reverse("risk-dashboard")).status_code == 403
