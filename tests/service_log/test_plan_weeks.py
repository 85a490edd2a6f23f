"""S2's weekly contact plans kept by the writes that change them (issue 15 item 2; docs/rules-added.md "S2 plan
weeks"): every write that moves a plan leaves the week's rows equal to a build from scratch, and the dashboard
reads them at once."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from service_log.models import ContactPlanRule, ContactPlanWeek
from service_log.services import contact_plan_week_ensure, contact_plan_week_rebuild
from tests.factories import ContactRecordFactory, KeyMonitoringFactory, TierOverrideFactory
from tests.fixtures.plan_weeks import MONDAY, assert_same_as_a_fresh_build, week_rows
from tests.fixtures.tiering import OCTOBER, close, statements
from tests.fixtures.workbench import TODAY
from tiering.services import tiers_recalculate


def local(day: datetime.date, *time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(*time)))


def contact(client, at, direction="outbound"):
    return ContactRecordFactory(client=client, staff=client.advisor, category="guidance", summary="call",
                                        direction=direction, contacted_at=at)


@pytest.fixture
def planned(gold_clients):
    """'own' and 'other_branch' gold (S2: 3 a week), the week of TODAY built."""
    assert contact_plan_week_ensure(TODAY) == MONDAY
    return gold_clients


def test_the_first_read_builds_the_week_once(planned):
    own, other = planned["clients"]["own"], planned["clients"]["other_branch"]
    assert week_rows() == {own.pk: (own.branch_id, own.advisor_id, "gold", False, 3, 0),
                           other.pk: (other.branch_id, other.advisor_id, "gold", False, 3, 0)}
    ContactPlanWeek.objects.filter(client=own).update(outbound=7)
    contact_plan_week_ensure(TODAY)  # already built: the rows stay as the writes left them
    assert week_rows()[own.pk][-1] == 7


def test_contacts_count_in_their_local_week_from_monday_midnight(planned):
    own = planned["clients"]["own"]
    contact(own, local(MONDAY, 0, 0))  # the week's first instant
    contact(own, local(MONDAY, 0, 0) - datetime.timedelta(microseconds=1))  # Sunday, the week before
    contact(own, local(MONDAY, 9), direction="inbound")  # S2 counts outbound contacts only
    assert assert_same_as_a_fresh_build()[own.pk][-1] == 1


def test_moved_changed_and_deleted_contacts_move_the_count(planned):
    own, colleague = planned["clients"]["own"], planned["clients"]["colleague"]
    first, second = contact(own, local(MONDAY, 10)), contact(own, local(MONDAY, 11))
    assert week_rows()[own.pk][-1] == 2
    first.contacted_at = local(MONDAY, 10) - datetime.timedelta(days=7)
    first.save()
    second.direction = "inbound"
    second.save()
    assert assert_same_as_a_fresh_build()[own.pk][-1] == 0
    moved = contact(colleague, local(MONDAY, 12))  # not planned: no row to count in
    moved.client = own
    moved.save()
    assert assert_same_as_a_fresh_build()[own.pk][-1] == 1
    moved.delete()
    assert assert_same_as_a_fresh_build()[own.pk][-1] == 0


def test_key_monitoring_puts_a_client_on_the_plan_for_the_weeks_it_overlaps(planned):
    colleague = planned["clients"]["colleague"]
    entry = KeyMonitoringFactory(client=colleague, reason="large_loss", started_on=TODAY,
                                         last_trigger_on=TODAY)
    assert assert_same_as_a_fresh_build()[colleague.pk][3:5] == (True, 3)  # its own tier has no plan
    entry.ended_on = MONDAY - datetime.timedelta(days=1)  # ended before the week: not on this week's plan
    entry.save()
    assert colleague.pk not in assert_same_as_a_fresh_build()
    entry.ended_on = MONDAY  # ended on the week's first day: still this week's
    entry.save()
    assert colleague.pk in assert_same_as_a_fresh_build()
    entry.delete()
    assert colleague.pk not in assert_same_as_a_fresh_build()


def test_an_override_in_force_takes_a_client_off_or_onto_the_plan(planned):
    own, colleague = planned["clients"]["own"], planned["clients"]["colleague"]
    head_office = planned["staff"][Role.HEAD_OFFICE].user
    month = MONDAY.replace(day=1)
    down = TierOverrideFactory(client=own, tier="quality", first_month=month, last_month=month,
                                       reason="x", requested_by=head_office)
    assert own.pk in week_rows()  # not approved yet: not in force
    down.approved_at, down.approved_by = timezone.now(), planned["staff"][Role.BRANCH_MANAGER].user
    down.save()
    up = TierOverrideFactory(client=colleague, tier="diamond", first_month=month, last_month=month,
                                     reason="x", requested_by=head_office, approved_at=timezone.now(),
                                     approved_by=planned["staff"][Role.BRANCH_MANAGER].user)
    rows = assert_same_as_a_fresh_build()
    assert own.pk not in rows and rows[colleague.pk][2] == "diamond"
    up.delete()
    assert colleague.pk not in assert_same_as_a_fresh_build()


def test_a_rule_change_moves_every_minimum_from_this_week_on(planned):
    own = planned["clients"]["own"]
    this_week = contact_plan_week_ensure(timezone.localdate())
    ContactPlanRule.objects.filter(segment="gold").update(weekly_minimum=5)
    assert assert_same_as_a_fresh_build(this_week)[own.pk][4] == 5
    assert week_rows()[own.pk][4] == 3  # a past week keeps the minimum it was planned with
    ContactPlanRule.objects.filter(segment="gold").update(weekly_minimum=0)
    assert assert_same_as_a_fresh_build(this_week) == {}


def test_closing_an_account_takes_it_off_and_reopening_puts_it_back(planned):
    own = planned["clients"]["own"]
    own.closed_on = TODAY
    own.save()
    assert own.pk not in assert_same_as_a_fresh_build()
    own.closed_on = None
    own.save()
    assert own.pk in assert_same_as_a_fresh_build()


def test_a_reassigned_client_moves_on_the_dashboard_at_once(world, login, gold_clients):
    """The reassignment test of issue 15 item 2, for the service figures (tests/tiering has the tier one)."""
    own = world["clients"]["own"]
    browser = login(world["staff"][Role.HEAD_OFFICE])

    def planned_by_branch():
        data = browser.get(reverse("service-dashboard")).context["data"]
        return {key: row["planned"] for key, row in data["compliance_by_branch"]}

    assert planned_by_branch() == {"A01": 1, "B01": 1}
    own.branch, own.advisor = world["branches"][1], world["advisors"][2]
    own.save()
    assert planned_by_branch() == {"B01": 2}
    assert {key: row["planned"] for key, row in browser.get(reverse("service-dashboard")).context["data"][
        "compliance_by_advisor"]} == {world["advisors"][2].full_name: 2}


def test_met_at_exactly_the_minimum_and_behind_one_below(world, login, gold_clients):
    own, advisor = world["clients"]["own"], world["staff"][Role.ADVISOR]
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    for hour in (8, 9):
        contact(own, local(monday, hour))

    def met_in_a01_and_behind_on_the_workbench():
        dashboard = login(world["staff"][Role.HEAD_OFFICE]).get(reverse("service-dashboard")).context["data"]
        behind = {section["key"]: section["count"] for section in login(advisor).get(reverse("workbench")).context[
            "sections"]}["plan"]
        return dict(dashboard["compliance_by_branch"])["A01"]["met"], behind

    assert met_in_a01_and_behind_on_the_workbench() == (0, 1)  # 2 of 3: one below
    contact(own, local(monday, 10))
    assert met_in_a01_and_behind_on_the_workbench() == (1, 0)  # exactly 3 of 3


def test_the_nightly_rebuild_corrects_what_it_finds(planned):
    own = planned["clients"]["own"]
    ContactPlanWeek.objects.filter(client=own).update(outbound=9)
    contact_plan_week_rebuild(TODAY)
    assert week_rows()[own.pk][-1] == 0


def test_a_final_month_graded_after_the_week_was_built_moves_it(world):
    contact_plan_week_ensure(TODAY)
    assert week_rows() == {}
    statements(world["clients"]["own"], OCTOBER, "1000000.00", trade_volume=1)
    close(OCTOBER)
    tiers_recalculate(OCTOBER)
    assert list(assert_same_as_a_fresh_build()) == [world["clients"]["own"].pk]
