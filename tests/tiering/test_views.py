"""The managers' tier dashboard (issue 4): figures match the database, scoped by role, drill-down, exports."""

import csv
import io

import pytest
from django.db.models import Count
from django.urls import reverse
from openpyxl import load_workbook

from clients.roles import Role
from settlement.models import DailyStatement
from tests.fixtures.tiering import OCTOBER, SEPTEMBER, close, statements
from tests.fixtures.world import VISIBLE
from tiering.models import TierAssignment, TierChange
from tiering.selectors import TIER_CODES
from tiering.services import tiers_recalculate


@pytest.fixture
def tiered(world):
    own, colleague, other = (world["clients"][name] for name in ("own", "colleague", "other_branch"))
    statements(own, SEPTEMBER, "600000.00")
    statements(own, OCTOBER, "1000000.00")  # quality → gold
    statements(colleague, SEPTEMBER, "5000.00")
    statements(colleague, OCTOBER, "5000.00")  # effective, steady
    statements(other, SEPTEMBER, "6000000.00")
    statements(other, OCTOBER, "6000000.00")  # platinum, other branch
    close(SEPTEMBER)
    close(OCTOBER)
    tiers_recalculate(SEPTEMBER)
    tiers_recalculate(OCTOBER)
    return world


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.SERVICE_STAFF, Role.RISK_OFFICER, Role.BRANCH_MANAGER,
                                  Role.HEAD_OFFICE])
def test_dashboard_shows_exactly_what_the_role_may_see(tiered, login, role):
    response = login(tiered["staff"][role]).get(reverse("tier-dashboard"), {"month": "2026-10"})
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    visible_clients = {tiered["clients"][name].pk for name in VISIBLE[role]}
    expected = dict(TierAssignment.objects.filter(month=OCTOBER, client__in=visible_clients)
                    .values_list("tier").annotate(Count("id")))
    assert {row["tier"]: row["clients"] for row in dashboard.per_tier if row["clients"]} == expected
    assert dashboard.totals["clients"] == len(visible_clients)
    other = tiered["clients"]["other_branch"]
    assert (other.branch.name in response.content.decode()) == (role == Role.HEAD_OFFICE)


def test_migration_matrix_and_trend(tiered, login):
    dashboard = login(tiered["staff"][Role.HEAD_OFFICE]).get(reverse("tier-dashboard"),
                                                             {"month": "2026-10"}).context["dashboard"]

    def cell(source, target):
        return dashboard.migration[TIER_CODES.index(source)][TIER_CODES.index(target)]

    assert cell("quality", "gold") == 1 and cell("effective", "effective") == 1 and cell("platinum", "platinum") == 1
    assert sum(map(sum, dashboard.migration)) == 3
    assert dashboard.trend_months[-2:] == ["2026-09", "2026-10"]
    assert dashboard.trend["gold"][-1] == 1 and dashboard.trend["quality"][-2] == 1


def test_a_migration_cell_drills_down_to_its_clients(tiered, login):
    browser = login(tiered["staff"][Role.HEAD_OFFICE])
    response = browser.get(reverse("tier-dashboard"), {"month": "2026-10"})
    cells = {url: count for row in response.context["matrix"] for count, url in row["cells"] if count}
    listed = {url: [assignment.client for assignment in browser.get(url).context["cl"].result_list] for url in cells}
    assert sorted(len(clients) for clients in listed.values()) == [1, 1, 1]
    quality_to_gold = next(url for url in cells if "previous_tier=quality" in url and "tier=gold" in url)
    assert listed[quality_to_gold] == [tiered["clients"]["own"]]


def test_recomputing_last_month_updates_this_months_matrix_and_changes(tiered, login):
    """previous_tier is kept in step: September recomputed after October still shows in October's matrix (T12)."""
    own = tiered["clients"]["own"]
    DailyStatement.objects.filter(client=own, trade_date__month=9).update(  # a correction
        pre_balance="5000000.00", balance="5000000.00", available="5000000.00")
    tiers_recalculate(SEPTEMBER)
    dashboard = login(tiered["staff"][Role.HEAD_OFFICE]).get(reverse("tier-dashboard"),
                                                             {"month": "2026-10"}).context["dashboard"]

    assert dashboard.migration[TIER_CODES.index("platinum")][TIER_CODES.index("gold")] == 1
    assert dashboard.migration[TIER_CODES.index("quality")][TIER_CODES.index("gold")] == 0
    change = TierChange.objects.get(client=own, month=OCTOBER)
    assert (change.from_tier, change.to_tier, change.upgrade) == ("platinum", "gold", False)


def test_a_branch_parameter_outside_the_scope_is_ignored(tiered, login):
    other_branch = tiered["branches"][1]
    response = login(tiered["staff"][Role.BRANCH_MANAGER]).get(
        reverse("tier-dashboard"), {"month": "2026-10", "branch": other_branch.pk})
    assert response.context["branch_id"] is None
    assert response.context["dashboard"].totals["clients"] == 2  # its own branch only


def test_settlement_system_and_anonymous_users_get_no_dashboard(tiered, login, client):
    assert client.get(reverse("tier-dashboard")).status_code == 302  # to the login page
    assert login(tiered["staff"][Role.SETTLEMENT_SYSTEM]).get(reverse("tier-dashboard")).status_code == 403


def test_drill_down_links_open_the_matching_list(tiered, login):
    browser = login(tiered["staff"][Role.HEAD_OFFICE])
    dashboard = browser.get(reverse("tier-dashboard"), {"month": "2026-10"}).context["dashboard"]
    gold = next(row for row in dashboard.per_tier if row["tier"] == "gold")
    listed = browser.get(gold["url"]).context["cl"].result_list
    assert [assignment.client for assignment in listed] == [tiered["clients"]["own"]]


def test_csv_and_excel_exports_carry_the_figures_shown(tiered, login):
    browser = login(tiered["staff"][Role.BRANCH_MANAGER])
    exported = browser.get(reverse("tier-dashboard-export", args=["csv"]), {"month": "2026-10"})
    assert exported["Content-Disposition"] == 'attachment; filename="tiers-2026-10.csv"'
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    per_tier = {row[0]: row[1] for row in rows[2:9]}
    assert per_tier["黄金"] == "1" and per_tier["有效"] == "1" and per_tier["白金"] == "0"  # not the other branch
    workbook_response = browser.get(reverse("tier-dashboard-export", args=["xlsx"]), {"month": "2026-10"})

    workbook = load_workbook(io.BytesIO(workbook_response.content))
    assert len(workbook.sheetnames) == 6
    sheet = workbook[workbook.sheetnames[0]]
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [0, 0, 1, 0, 1, 0, 0]
    policies = workbook[workbook.sheetnames[4]]  # T10: which version graded the months shown
    assert list(policies.iter_rows(min_row=2, values_only=True)) == [("2026-09 – 2026-10", "第 1 版")]


def test_the_dashboard_says_which_version_graded_each_month(tiered, login):
    """T10: September and October graded by version 1; a re-grading of October approved and not yet run is said."""
    from django.utils import timezone

    from tiering.models import TierPolicy
    from tiering.services import tier_policy_approve, tier_policy_draft_save

    author, approver = tiered["staff"][Role.HEAD_OFFICE].user, _second_head_office()
    browser = login(tiered["staff"][Role.HEAD_OFFICE])
    page = browser.get(reverse("tier-dashboard"), {"month": "2026-10"})
    assert page.context["dashboard"].graded_by.version == 1
    assert "id=\"regrading\"" not in page.content.decode()
    policy = tier_policy_draft_save(user=author, policy=TierPolicy(
        version=2, effective_from=OCTOBER, window_months=1, regrade_reason="re-grading October"))
    tier_policy_approve(policy=policy, user=approver)
    assert timezone.localdate() > OCTOBER  # a re-grading: October is before the current month
    page = browser.get(reverse("tier-dashboard"), {"month": "2026-10"})
    assert page.context["dashboard"].regrading_with.version == 2
    assert "id=\"regrading\"" in page.content.decode()
    tiers_recalculate(OCTOBER)  # what the owed work runs
    dashboard = browser.get(reverse("tier-dashboard"), {"month": "2026-10"}).context["dashboard"]
    assert (dashboard.graded_by.version, dashboard.regrading_with) == (2, None)
    assert [(span["months"], span["policy"].version) for span in dashboard.policy_spans] == [
        ("2026-09", 1), ("2026-10", 2)]


def _second_head_office():
    from tests.factories import make_staff

    return make_staff(Role.HEAD_OFFICE, None, "HQ2").user
