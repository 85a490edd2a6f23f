"""The risk dashboard's "at or above each threshold" figures apply R1 as the alerts do, with each client's own
thresholds in force (R8): before issue 12 they compared every client with the firm-wide thresholds only."""

from decimal import Decimal

import pytest
from django.urls import reverse

from clients.roles import Role
from risk.services import client_risk_thresholds_approve, client_risk_thresholds_propose
from settlement.models import SettlementDay
from tests.risk.test_sql import DAY, statement


def above(world, login):
    return login(world["staff"][Role.HEAD_OFFICE]).get(reverse("risk-dashboard")).context["data"]["above"]


@pytest.mark.parametrize(("margin", "warning", "margin_call"), [
    ("79999.99", 0, 0),   # one cent below 80 % of 100,000
    ("80000.00", 1, 0),   # exactly 80 %: 以上 includes it
    ("99999.99", 1, 0),
    ("100000.00", 1, 1),  # exactly 100 %
])
def test_the_firm_thresholds_at_their_boundaries(world, login, margin, warning, margin_call):
    statement(world["clients"]["own"], margin=margin)
    SettlementDay.objects.create(trade_date=DAY, status="closed")
    figures = above(world, login)
    assert (figures["warning"], figures["margin_call"]) == (warning, margin_call)


def test_a_clients_own_thresholds_in_force_are_the_ones_counted(world, login):
    own, colleague = world["clients"]["own"], world["clients"]["colleague"]
    draft = client_risk_thresholds_propose(user=world["staff"][Role.RISK_OFFICER].user, client_id=own.pk,
                                           reason="hedging contract", warning_ratio=Decimal("0.9000"))
    statement(own, margin="85000.00")  # 85 %: above the firm's 80 %, below the client's own 90 %
    statement(colleague, margin="85000.00")
    SettlementDay.objects.create(trade_date=DAY, status="closed")
    assert above(world, login)["warning"] == 2  # a draft is not in force
    client_risk_thresholds_approve(user=world["staff"][Role.HEAD_OFFICE].user, thresholds=draft)
    assert above(world, login)["warning"] == 1


def test_equity_at_or_below_zero_with_margin_is_above_every_threshold(world, login):
    statement(world["clients"]["own"], balance="-10.00", margin="5.00")
    SettlementDay.objects.create(trade_date=DAY, status="closed")
    figures = above(world, login)
    assert (figures["warning"], figures["margin_call"], figures["negative"]) == (1, 1, 1)
