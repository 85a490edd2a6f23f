"""Query counts of the pages managers and advisors read all day (issue 12 item 7, in the style of NetBox's
query_counts.json): each page makes the recorded number of queries, and the same number with three times the
clients, tiers, alerts and contacts, so a query per row (N+1) fails here before it slows a page at a million."""

import datetime
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from risk.models import RiskThresholdSet
from tests.factories import AlertFactory, ClientFactory, ContactRecordFactory
from tests.fixtures.tiering import OCTOBER, close, statements
from tiering.services import tiers_recalculate

RECORDED = json.loads((Path(__file__).parent.parent / "query_counts.json").read_text())
PAGES = {
    "tier dashboard": lambda world: reverse("tier-dashboard") + f"?month={OCTOBER:%Y-%m}",
    "risk dashboard": lambda world: reverse("risk-dashboard"),
    "service dashboard": lambda world: reverse("service-dashboard"),
    "workbench": lambda world: reverse("workbench"),
    "client list": lambda world: reverse("admin:clients_client_changelist"),
    "client page": lambda world: reverse("admin:clients_client_change", args=[world["clients"]["own"].pk]),
}
ROLES = [Role.ADVISOR, Role.BRANCH_MANAGER, Role.HEAD_OFFICE]


def grow(world, clients_per_advisor: int) -> None:
    """Clients with a month of statements, a final tier, an open alert and a contact, for every advisor."""
    now, thresholds = timezone.now(), RiskThresholdSet.objects.in_force()
    for advisor in world["advisors"]:
        for _ in range(clients_per_advisor):
            client = ClientFactory(branch=advisor.branch, advisor=advisor, opened_on=datetime.date(2020, 1, 6))
            statements(client, OCTOBER, "1200000.00")
            AlertFactory(client=client, trade_date=datetime.date(2026, 10, 30), kind="margin_call",
                                 severity="high", thresholds=thresholds, raised_at=now,
                                 due_at=now + datetime.timedelta(minutes=60), assigned_to=advisor)
            ContactRecordFactory(client=client, staff=advisor, category="risk_notice", summary="called",
                                         next_follow_up=timezone.localdate())
    close(OCTOBER)
    tiers_recalculate(OCTOBER)


def queries_of(browser, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
    return len(captured)


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_a_page_makes_the_recorded_queries_whatever_the_rows(world, login, page, role):
    key = f"{page}, {role}"
    grow(world, 1)
    browser = login(world["staff"][role])
    url = PAGES[page](world)
    queries_of(browser, url)  # a first request warms the session and content-type caches
    small = queries_of(browser, url)
    grow(world, 2)
    large = queries_of(browser, url)
    assert small == large, f"{key}: {small} queries with one client per advisor, {large} with three"
    assert key in RECORDED, f"record {key!r}: {small} in tests/query_counts.json"
    assert small == RECORDED[key], f"{key}: {small} queries, recorded {RECORDED[key]} (tests/query_counts.json)"
