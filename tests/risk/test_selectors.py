"""The risk dashboard's "at or above each threshold" figures apply R1 as the alerts do, with each client's own
thresholds in force (R8): before issue 12 they compared every client with the firm-wide thresholds only."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from clients.roles import Role
from risk import sql
from risk.services import client_risk_thresholds_approve, client_risk_thresholds_propose
from tests.factories import SettlementDayFactory
from tests.fixtures.risk import DAY, statement


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
    SettlementDayFactory(trade_date=DAY, status="closed")
    figures = above(world, login)
    assert (figures["warning"], figures["margin_call"]) == (warning, margin_call)


def test_a_clients_own_thresholds_in_force_are_the_ones_counted(world, login):
    own, colleague = world["clients"]["own"], world["clients"]["colleague"]
    draft = client_risk_thresholds_propose(user=world["staff"][Role.RISK_OFFICER].user, client_id=own.pk,
                                           reason="hedging contract", warning_ratio=Decimal("0.9000"))
    statement(own, margin="85000.00")  # 85 %: above the firm's 80 %, below the client's own 90 %
    statement(colleague, margin="85000.00")
    SettlementDayFactory(trade_date=DAY, status="closed")
    assert above(world, login)["warning"] == 2  # a draft is not in force
    client_risk_thresholds_approve(user=world["staff"][Role.HEAD_OFFICE].user, thresholds=draft)
    assert above(world, login)["warning"] == 1


def test_equity_at_or_below_zero_with_margin_is_above_every_threshold(world, login):
    statement(world["clients"]["own"], balance="-10.00", margin="5.00")
    SettlementDayFactory(trade_date=DAY, status="closed")
    figures = above(world, login)
    assert (figures["warning"], figures["margin_call"], figures["negative"]) == (1, 1, 1)


@pytest.mark.parametrize(("margin", "warning"), [("50000.00", 1), ("49999.99", 0)])
def test_a_clients_own_line_below_the_firms_is_still_read(world, login, margin, warning):
    """Only statements at or above the lowest ratio in force anywhere are read (risk/sql.py LOOSEST_RATIO): a client's
    own 50 % line, below the firm's 80 %, lowers that floor, exactly at the line and not one cent below it."""
    own = world["clients"]["own"]
    draft = client_risk_thresholds_propose(user=world["staff"][Role.RISK_OFFICER].user, client_id=own.pk,
                                           reason="speculative account", warning_ratio=Decimal("0.5000"))
    client_risk_thresholds_approve(user=world["staff"][Role.HEAD_OFFICE].user, thresholds=draft)
    statement(own, margin=margin)
    SettlementDayFactory(trade_date=DAY, status="closed")
    assert above(world, login)["warning"] == warning


def test_the_figures_are_read_through_the_margin_ratio_index(world):
    """The dashboard's query writes the expression of the index statement_margin_ratio (settlement.models) as
    risk/sql.py's MARGIN_RATIO, so the planner reads a day's statements at or above the floor from the index, not all
    of them (issue 15): the planner matches the expression only if the two agree."""
    statement(world["clients"]["own"], margin="90000.00")
    assert sql.MARGIN_RATIO in sql.ABOVE_THRESHOLDS
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT 1 FROM settlement_dailystatement s WHERE s.trade_date = %s "
                       f"AND {sql.MARGIN_RATIO} >= %s", [DAY, Decimal("0.8000")])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    assert any("(margin / balance)" in line and ">= 0.8000" in line for line in conditions), plan
