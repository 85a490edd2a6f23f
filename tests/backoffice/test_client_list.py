"""The client list (issue 14 item 3): beside each client what a call needs, each column sortable both ways, and an
advisor filter offering only advisors the viewer may see (O)."""

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from clients.roles import Role
from tests.factories import ContactRecordFactory, KeyMonitoringFactory, TierOverrideFactory
from tests.fixtures.risk import DAY, statement


def test_the_client_list_shows_what_a_call_needs_and_offers_only_advisors(world, login):
    """Issue 14 item 3 (in part): tier in Chinese, latest equity and risk degree, key monitoring, last contact and
    next follow-up beside each client; the advisor filter lists advisors the viewer may see, nobody else."""
    own = world["clients"]["own"]
    statement(own, margin="85000.00")
    KeyMonitoringFactory(client=own, reason="large_loss", started_on=DAY, last_trigger_on=DAY)
    ContactRecordFactory(client=own, staff=world["staff"][Role.ADVISOR], category="risk_notice",
                                 summary="called", next_follow_up=DAY)
    page = login(world["staff"][Role.BRANCH_MANAGER]).get(reverse("admin:clients_client_changelist"))
    admin_page = page.context["cl"].model_admin
    shown = {client.account_no: {name: getattr(admin_page, f"{name}_display")(client) for name in (
        "equity", "degree", "monitored", "follow_up", "tier")} for client in page.context["cl"].result_list}
    assert shown["1001"]["equity"] == "100,000.00" and shown["1001"]["degree"] == "85.00%"
    assert shown["1001"]["monitored"] is True and shown["1001"]["follow_up"] == DAY.isoformat()
    assert shown["1002"]["equity"] == "—" and shown["1002"]["degree"] == "—" and shown["1002"]["monitored"] is False
    advisor_filter = next(spec for spec in page.context["cl"].filter_specs if spec.title == "投资顾问")
    offered = {label for _pk, label in advisor_filter.lookup_choices}
    assert offered == {str(world["advisors"][0]), str(world["advisors"][1])}  # not the manager, risk, staff, HQ


def column(name: str) -> int:
    """The changelist's `o` index of a column (the action checkbox comes first)."""
    return ["action_checkbox", *admin.site._registry[Client].list_display].index(name)


@pytest.mark.parametrize(("name", "ascending"), [
    ("equity_display", ["1002", "1001", "2001"]),       # 5,000 < 100,000 < 6,000,000
    ("degree_display", ["2001", "1002", "1001"]),       # 0 % < 10 % < 85 %
    ("last_contact_display", ["1002", "1001", "2001"]),
    ("follow_up_display", ["2001", "1001", "1002"]),
    ("monitored_display", [{"1002", "2001"}, "1001"]),  # not on the list (a tie), then on it
    ("tier_display", ["1001", "2001", "1002"]),         # by code: diamond, gold, ordinary
])  # fmt: skip
def test_the_client_list_sorts_by_each_fact(world, login, name, ascending):
    """Issue 14 item 3: each column of facts sorts the list, both ways."""
    clients = world["clients"]
    for key, balance, margin in (("own", "100000.00", "85000.00"), ("colleague", "5000.00", "500.00"),
                                 ("other_branch", "6000000.00", "0.00")):
        statement(clients[key], balance=balance, margin=margin)
    now = timezone.now()
    for key, hours, follow_up in (("colleague", 30, 9), ("own", 20, 5), ("other_branch", 10, 1)):
        ContactRecordFactory(client=clients[key], staff=clients[key].advisor, category="guidance",
                                     summary="call", contacted_at=now - datetime.timedelta(hours=hours),
                                     next_follow_up=DAY + datetime.timedelta(days=follow_up))
    KeyMonitoringFactory(client=clients["own"], reason="large_loss", started_on=DAY, last_trigger_on=DAY)
    month = timezone.localdate().replace(day=1)
    for key, tier in (("own", "diamond"), ("colleague", "ordinary"), ("other_branch", "gold")):
        TierOverrideFactory(client=clients[key], tier=tier, first_month=month, last_month=month,
                                    reason="test", requested_by=world["staff"][Role.BRANCH_MANAGER].user,
                                    approved_by=world["staff"][Role.HEAD_OFFICE].user, approved_at=now)
    browser = login(world["staff"][Role.HEAD_OFFICE])
    url = reverse("admin:clients_client_changelist")
    up = browser.get(url, {"o": column(name)}).context["cl"].result_list
    down = browser.get(url, {"o": f"-{column(name)}"}).context["cl"].result_list
    def grouped(accounts):  # ties as sets, in the order of `ascending`
        groups, rest = [], list(accounts)
        for expected in ascending:
            size = len(expected) if isinstance(expected, set) else 1
            group, rest = rest[:size], rest[size:]
            groups.append(set(group) if isinstance(expected, set) else group[0])
        return groups

    assert grouped(client.account_no for client in up) == ascending
    assert grouped(reversed([client.account_no for client in down])) == ascending
