"""S2 by the contribution cards (issue 16 item 6, T14): which classification the weekly contact plans follow is a
setting of the card policy in force in the week's month. By cards, a client is planned by its card of the latest
month computed before the week's month (a silver card in force first, T16), with the rules' minimum per card;
approving the setting, computing the cards and approving a silver card move the built weeks at once."""

import datetime

from clients.roles import Role
from service_log.models import ContactPlanRule
from service_log.services import contact_plan_week_ensure
from tests.factories import ClientFactory, make_staff
from tests.fixtures.plan_weeks import MONDAY, assert_same_as_a_fresh_build, week_rows
from tests.fixtures.tiering import OCTOBER, close, statements
from tests.fixtures.workbench import TODAY
from tiering.cards import (
    cards_compute,
    cards_policy_approve,
    cards_policy_draft_save,
    silver_card_approve,
    silver_card_request,
)
from tiering.models import ContributionPolicy
from tiering.services import tiers_recalculate

NOVEMBER = datetime.date(2026, 11, 1)


def test_the_plans_follow_the_cards_once_their_policy_says_so(world):
    own, colleague = world["clients"]["own"], world["clients"]["colleague"]
    statements(own, OCTOBER, "1000000.00", trade_volume=1)  # gold (T), and far above the firm's average: 钻石卡
    statements(colleague, OCTOBER, "1000.00")
    statements(world["clients"]["other_branch"], OCTOBER, "1000.00")
    close(OCTOBER)
    tiers_recalculate(OCTOBER)
    cards_compute(OCTOBER)
    assert contact_plan_week_ensure(TODAY) == MONDAY
    assert {key: row[2:5] for key, row in week_rows().items()} == {own.pk: ("gold", False, 3)}  # by T

    author, approver = make_staff(Role.HEAD_OFFICE, None, "HQA").user, make_staff(Role.HEAD_OFFICE, None, "HQB").user
    policy = cards_policy_draft_save(user=author, policy=ContributionPolicy(
        version=2, effective_from=NOVEMBER, contact_plans_by=ContributionPolicy.PlansBy.CARDS,
        regrade_reason="plans by cards from November"))
    assert {key: row[2] for key, row in week_rows().items()} == {own.pk: "gold"}  # a draft changes nothing
    cards_policy_approve(policy=policy, user=approver)
    assert {key: row[2:5] for key, row in assert_same_as_a_fresh_build().items()} == {
        own.pk: ("diamond_card", False, 3)}

    # A silver card approved for a new account puts it on the plan with the silver card's minimum.
    ContactPlanRule.objects.create(segment="silver_card", weekly_minimum=2)
    advisor = world["staff"][Role.ADVISOR]
    new = ClientFactory(branch=advisor.branch, advisor=advisor, opened_on=datetime.date(2026, 10, 1))
    card = silver_card_request(user=advisor.user, client_id=new.pk, reason="新开户重点培养", today=TODAY)
    assert new.pk not in week_rows()  # requested, not approved
    silver_card_approve(user=world["staff"][Role.BRANCH_MANAGER].user, card=card)
    assert assert_same_as_a_fresh_build()[new.pk][2:5] == ("silver_card", False, 2)

    # October's cards computed again (a correction): the week follows at once.
    from settlement.models import DailyStatement

    DailyStatement.objects.filter(client=colleague).update(pre_balance="5000000.00", balance="5000000.00",
                                                           available="5000000.00")
    cards_compute(OCTOBER)
    rows = assert_same_as_a_fresh_build()
    assert {key: row[2] for key, row in rows.items()} == {colleague.pk: "diamond_card", new.pk: "silver_card"}
