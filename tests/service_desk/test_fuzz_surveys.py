"""The fuzz pass (issue 35) on S15's public questionnaire: answers no person would give, posted to a real link, are
a page or a 4xx, never a 5xx."""

from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from clients.roles import Role
from service_desk import surveys
from service_desk.models import SurveyInvitation
from tests.factories import QuestionFactory, QuestionnaireFactory

WILD = st.one_of(st.text(max_size=200), st.sampled_from(["\x00", "\ud800", "0", "6", "-1", "9" * 4000, "=1+1", ""]))


@pytest.fixture
def survey_link(world):
    questionnaire = QuestionnaireFactory(title="满意度调查", valid_days=7)
    QuestionFactory(questionnaire=questionnaire, position=1, kind="scale", text="总体满意度")
    QuestionFactory(questionnaire=questionnaire, position=2, kind="choice", text="联系方式", choices="电话\n微信")
    QuestionFactory(questionnaire=questionnaire, position=3, kind="text", text="其他意见", required=False)
    client = world["clients"]["own"]
    surveys.survey_invite(user=world["staff"][Role.BRANCH_MANAGER].user, questionnaire_id=questionnaire.pk,
                          clients=type(client).objects.filter(pk=client.pk))
    invitation = SurveyInvitation.objects.get(client=client)
    return reverse("survey-answer", args=[surveys.invitation_token(invitation)]), list(
        questionnaire.questions.values_list("pk", flat=True))


@seed(41)
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(answers=st.lists(WILD, min_size=3, max_size=3), extra=WILD)
def test_any_answer_to_a_questionnaire_is_a_page_or_a_4xx(survey_link, client, answers, extra):
    cache.clear()  # one address posting 40 times: the page's rate limit is not what this tests
    path, questions = survey_link
    body = urlencode({**{f"q{pk}": answer for pk, answer in zip(questions, answers, strict=True)}, "q0": extra},
                     errors="surrogatepass")
    response = client.post(path, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
