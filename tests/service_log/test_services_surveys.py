"""S8 satisfaction surveys: 1–5 scores, results by advisor, branch and tier, low scores create follow-ups."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from clients.roles import Role
from core.errors import DomainError
from service_log.models import ContactRecord
from service_log.selectors import workbench
from service_log.services import survey_response_record


def answer(world, name, score, role=Role.SERVICE_STAFF, survey="2026 Q4"):
    return survey_response_record(user=world["staff"][role].user, client_id=world["clients"][name].pk,
                                  survey=survey, score=score, comment="")


@pytest.mark.parametrize(("score", "follow_up"), [(1, True), (2, True), (3, False), (5, False)])
def test_a_score_of_two_or_less_creates_a_follow_up(world, score, follow_up):
    response = answer(world, "own", score)
    assert (response.follow_up is not None) == follow_up
    if follow_up:
        contact = ContactRecord.objects.get()
        assert (contact.staff, contact.category) == (world["advisors"][0], "survey")
        assert contact in workbench(world["staff"][Role.ADVISOR].user, contact.next_follow_up)["follow_ups"].all_items()


@pytest.mark.parametrize("score", [0, 6, "4", True])
def test_scores_outside_one_to_five_are_refused(world, score):
    with pytest.raises(DomainError, match="1 to 5"):
        answer(world, "own", score)


def test_one_answer_per_survey_and_within_scope(world):
    answer(world, "own", 4)
    with pytest.raises(DomainError, match="already"):
        answer(world, "own", 5)
    with pytest.raises(PermissionDenied):
        answer(world, "other_branch", 5)


def test_results_by_advisor_branch_and_tier_are_scoped(world, login):
    answer(world, "own", 4)
    answer(world, "colleague", 2)
    answer(world, "other_branch", 5, role=Role.HEAD_OFFICE)
    results = login(world["staff"][Role.BRANCH_MANAGER]).get(reverse("survey-results")).context["results"]
    assert [(row["client__branch__code"], row["answers"], row["average"], row["low"])
            for row in results["by_branch"]] == [("A01", 2, 3.0, 1)]
    assert sorted(row["answers"] for row in results["by_advisor"]) == [1, 1]
    everyone = login(world["staff"][Role.HEAD_OFFICE]).get(reverse("survey-results")).context["results"]
    assert sum(row["answers"] for row in everyone["by_tier"]) == 3
