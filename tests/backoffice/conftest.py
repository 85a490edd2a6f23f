"""Fixtures of the top app's tests: a client with every kind of record, for the pages that show them all."""

import datetime

import pytest
from django.utils import timezone

from clients.roles import Role
from risk.models import RiskThresholdSet
from risk.services import alert_acknowledge
from service_desk.models import TicketCategory
from service_desk.services import ticket_open, ticket_reply, ticket_step
from tests.factories import AlertFactory, ComplaintFactory, ContactRecordFactory, KeyMonitoringFactory
from tests.fixtures.tiering import OCTOBER, SEPTEMBER, close, statements
from tiering.cards import cards_compute
from tiering.services import tiers_recalculate


@pytest.fixture
def busy_client(world):
    """'own' with two graded months, a margin call acknowledged, key monitoring, a contact and a complaint."""
    own, advisor = world["clients"]["own"], world["staff"][Role.ADVISOR]
    for number, profile in enumerate([*world["staff"].values(), *world["advisors"]]):
        profile.full_name = f"员工{number}"  # the factories' names are role codes ("advisor user12")
        profile.save()
    statements(own, SEPTEMBER, "1000000.00")
    statements(own, OCTOBER, "5000.00")
    close(SEPTEMBER)
    close(OCTOBER)
    tiers_recalculate(SEPTEMBER)
    tiers_recalculate(OCTOBER)
    cards_compute(OCTOBER)
    now = timezone.now()
    alert = AlertFactory(client=own, trade_date=OCTOBER, kind="margin_call", severity="high",
                                 thresholds=RiskThresholdSet.objects.get(), raised_at=now, risk_degree="1.0500",
                                 due_at=now - datetime.timedelta(minutes=5), assigned_to=advisor)
    alert_acknowledge(user=advisor.user, alert_id=alert.pk)
    KeyMonitoringFactory(client=own, reason="large_loss", started_on=OCTOBER, last_trigger_on=OCTOBER)
    ContactRecordFactory(client=own, staff=advisor, category="risk_notice", channel="wechat",
                                 summary="通知追加保证金", next_follow_up=timezone.localdate())
    ComplaintFactory(client=own, channel="phone", category="service", description="等待时间长",
                             received_at=now, acknowledge_by=now + datetime.timedelta(hours=2),
                             resolve_by=now + datetime.timedelta(days=15))
    ticket = ticket_open(user=advisor.user, category_id=TicketCategory.objects.get(code="margin_call").pk,
                         subject="追保后如何出金", client_id=own.pk, alert_id=alert.pk)
    ticket_reply(user=advisor.user, ticket_id=ticket.pk, text="已说明追保与出金规则")
    ticket_step(user=advisor.user, ticket_id=ticket.pk, step="wait", text="请客户确认出金金额")
    return {"world": world, "alert": alert, "ticket": ticket}
