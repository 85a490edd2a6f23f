"""The tier dashboard's summary (issue 15 item 2): counts and sums per (month, branch, advisor, tier, previous tier),
written by the recalculation and moved at once by every change of a client's branch or advisor, whoever makes it.
At every step it equals the GROUP BY of the assignments it stands for, and the dashboard reads it."""

from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.urls import reverse

from clients.models import Client
from clients.roles import Role
from clients.services import client_assign_advisor
from tests.fixtures.tiering import OCTOBER, SEPTEMBER, close, close_day, days_of, statements
from tiering.models import TierAssignment, TierSummary
from tiering.selectors import tier_dashboard
from tiering.services import tier_summaries_rebuild, tiers_recalculate


def from_the_rows() -> dict:
    """What the summary must hold: the assignments grouped by the clients' branch and advisor now."""
    rows = TierAssignment.objects.values("month", "client__branch", "client__advisor", "tier", "previous_tier") \
        .annotate(clients=Count("id"), equity=Sum("avg_equity"), commission=Sum("avg_commission"))
    return {(row["month"], row["client__branch"], row["client__advisor"], row["tier"], row["previous_tier"]):
            (row["clients"], row["equity"], row["commission"]) for row in rows}


def in_the_summary() -> dict:
    return {(row.month, row.branch_id, row.advisor_id, row.tier, row.previous_tier):
            (row.clients, row.equity, row.commission) for row in TierSummary.objects.all()}


def per_tier(user, month=OCTOBER) -> dict:
    return {row["tier"]: row["clients"] for row in tier_dashboard(user, month).per_tier if row["clients"]}


@pytest.fixture
def graded(world):
    """September and October final: own and other_branch gold both months, colleague effective then gold."""
    for name, september, october in (("own", "1000000.00", "1000000.00"), ("colleague", "5000.00", "1000000.00"),
                                     ("other_branch", "1000000.00", "1000000.00")):
        statements(world["clients"][name], SEPTEMBER, september)
        statements(world["clients"][name], OCTOBER, october)
    close(SEPTEMBER)
    close(OCTOBER)
    tiers_recalculate(SEPTEMBER)
    tiers_recalculate(OCTOBER)
    return world


def test_the_recalculation_writes_the_summary_of_its_rows(graded):
    assert in_the_summary() == from_the_rows()
    assert TierSummary.objects.filter(month=OCTOBER).aggregate(n=Sum("clients"))["n"] == 3
    october_gold = TierSummary.objects.filter(month=OCTOBER, tier="gold", previous_tier="effective").get()
    assert (october_gold.clients, october_gold.equity) == (1, Decimal("1000000.00"))


def test_a_reassigned_advisor_moves_the_dashboard_at_once(graded):
    world = graded
    first, second = world["advisors"][0], world["advisors"][1]
    assert per_tier(first.user) == {"gold": 1} and per_tier(second.user) == {"gold": 1}
    client_assign_advisor(user=world["staff"][Role.BRANCH_MANAGER].user, client_ids=[world["clients"]["own"].pk],
                          advisor=second)
    assert per_tier(first.user) == {} and per_tier(second.user) == {"gold": 2}
    assert per_tier(first.user, SEPTEMBER) == {} and per_tier(second.user, SEPTEMBER) == {"gold": 1, "effective": 1}
    assert in_the_summary() == from_the_rows()


def test_a_client_moved_to_another_branch_by_any_write_moves_with_its_months(graded):
    world = graded
    branch_b, advisor_b = world["branches"][1], world["advisors"][2]
    manager_a = world["staff"][Role.BRANCH_MANAGER].user
    assert per_tier(manager_a) == {"gold": 2}
    Client.objects.filter(pk=world["clients"]["colleague"].pk).update(branch=branch_b, advisor=advisor_b)
    assert per_tier(manager_a) == {"gold": 1}
    assert per_tier(advisor_b.user) == {"gold": 2}
    dashboard = tier_dashboard(world["staff"][Role.HEAD_OFFICE].user, OCTOBER)
    assert [row["total"] for row in dashboard.by_branch] == [1, 2]  # 甲营业部, 乙营业部
    assert in_the_summary() == from_the_rows()


def test_a_client_left_without_an_advisor_is_still_counted(graded):
    world = graded
    Client.objects.filter(pk=world["clients"]["own"].pk).update(advisor=None)
    assert in_the_summary() == from_the_rows()
    assert per_tier(world["staff"][Role.BRANCH_MANAGER].user) == {"gold": 2}
    assert per_tier(world["advisors"][0].user) == {}


def test_the_rows_left_empty_go_and_a_move_back_restores_them(graded):
    world = graded
    own = world["clients"]["own"]
    before = in_the_summary()
    Client.objects.filter(pk=own.pk).update(advisor=world["advisors"][1])
    assert not TierSummary.objects.filter(advisor=world["advisors"][0]).exists()
    Client.objects.filter(pk=own.pk).update(advisor=world["advisors"][0])
    assert in_the_summary() == before


def test_a_recalculation_after_moves_agrees_and_a_rebuild_changes_nothing(graded):
    world = graded
    Client.objects.filter(pk=world["clients"]["own"].pk).update(advisor=world["advisors"][1])
    tiers_recalculate(OCTOBER)  # nothing changed in the statements: the month's rows stay, so does the summary
    assert in_the_summary() == from_the_rows()
    tier_summaries_rebuild([SEPTEMBER, OCTOBER])
    assert in_the_summary() == from_the_rows()


def test_the_dashboard_reads_the_summary_not_the_rows(graded):
    """Proof that the page reads the summary: a summary row changed by hand changes the figure shown."""
    head_office = graded["staff"][Role.HEAD_OFFICE].user
    assert per_tier(head_office)["gold"] == 3
    TierSummary.objects.filter(month=OCTOBER, tier="gold").update(clients=0)
    assert "gold" not in per_tier(head_office)


def test_the_per_advisor_table_comes_a_page_at_a_time(graded, login, monkeypatch):
    monkeypatch.setattr("tiering.views.ADVISORS_PER_PAGE", 2)
    browser = login(graded["staff"][Role.HEAD_OFFICE])
    url = reverse("tier-dashboard")
    first = browser.get(url, {"month": "2026-10"})
    second = browser.get(url, {"month": "2026-10", "advisor_page": 2})
    names = [row["name"] for row in first.context["advisors"].object_list + second.context["advisors"].object_list]
    assert len(first.context["advisors"].object_list) == 2 and len(names) == 3
    assert sorted(names) == sorted(str(advisor) for advisor in graded["advisors"])
    assert "共 3 位投资顾问" in first.content.decode()


def test_a_provisional_month_says_so_with_the_days_it_used(world, login):
    """T9 on the dashboard (issue 15 item 3): a month with days still to close is marked 暂定 with the trading days
    settled so far; a final month is not."""
    own = world["clients"]["own"]
    statements(own, OCTOBER, "1000000.00")
    days = days_of(OCTOBER)
    for day in days[:5]:
        close_day(day)
    tiers_recalculate(OCTOBER)
    browser = login(world["staff"][Role.HEAD_OFFICE])
    page = browser.get(reverse("tier-dashboard"), {"month": "2026-10"}).content.decode()
    assert f"暂定：已结算 5 / {len(days)} 个交易日" in page
    close(OCTOBER)
    tiers_recalculate(OCTOBER)
    assert "暂定" not in browser.get(reverse("tier-dashboard"), {"month": "2026-10"}).content.decode()
