"""S15 surveys clients answer themselves through a signed single-use link, and S16 the suggestion box."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from service_desk import services, surveys
from service_desk.models import SurveyAnswer, SurveyInvitation, Ticket, TicketCategory
from service_log.models import ContactRecord, SmsDelivery, SurveyResponse
from tests.factories import ClientFactory, QuestionFactory, QuestionnaireFactory

AFTER_TICKET = "工单服务满意度"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()  # the public pages' windows are per address; every test starts with none used
    yield


@pytest.fixture
def quarterly(db):
    questionnaire = QuestionnaireFactory(title="2026年第四季度客户满意度调查", valid_days=7)
    score = QuestionFactory(questionnaire=questionnaire, position=1, kind="scale", text="总体满意度")
    channel = QuestionFactory(questionnaire=questionnaire, position=2, kind="choice", text="您常用的联系方式",
                                      choices="电话\n微信\n邮件")
    words = QuestionFactory(questionnaire=questionnaire, position=3, kind="text", text="其他意见",
                                    required=False)
    return questionnaire, score, channel, words


def invite_one(world, questionnaire, name="own", now=None):
    manager = world["staff"][Role.BRANCH_MANAGER].user
    client = world["clients"][name]
    count = surveys.survey_invite(user=manager, questionnaire_id=questionnaire.pk,
                                  clients=type(client).objects.filter(pk=client.pk), now=now)
    return count, SurveyInvitation.objects.filter(client=client, questionnaire=questionnaire).first()


def link_path(invitation):
    return reverse("survey-answer", args=[surveys.invitation_token(invitation)])


def test_an_invitation_is_sent_by_sms_with_a_link_that_opens_the_questionnaire(world, quarterly, client):
    questionnaire, *_questions = quarterly
    count, invitation = invite_one(world, questionnaire)
    assert count == 1 and invitation.sent_at is None  # written first, sent by the job
    assert surveys.survey_invitations_send() == {"sent": 1, "failed": 0}
    invitation.refresh_from_db()
    assert invitation.sms.status == SmsDelivery.Status.SENT
    assert invitation.sms.text.count(surveys.invitation_link(invitation)) == 1
    assert surveys.survey_invitations_send() == {"sent": 0, "failed": 0}  # once
    page = client.get(link_path(invitation))
    assert page.status_code == 200
    text = page.content.decode()
    assert "总体满意度" in text and "微信" in text and 'name="viewport"' in text
    assert world["clients"]["own"].name not in text  # a public page names nobody


def test_the_scope_and_open_invitations_limit_who_is_invited(world, quarterly):
    questionnaire, *_ = quarterly
    manager = world["staff"][Role.BRANCH_MANAGER].user
    everyone = type(world["clients"]["own"]).objects.all()
    assert surveys.survey_invite(user=manager, questionnaire_id=questionnaire.pk, clients=everyone) == 2  # branch A
    assert surveys.survey_invite(user=manager, questionnaire_id=questionnaire.pk, clients=everyone) == 0
    with pytest.raises(services.PermissionDenied):
        surveys.survey_invite(user=world["staff"][Role.ADVISOR].user, questionnaire_id=questionnaire.pk,
                              clients=everyone)


def test_an_answer_is_kept_once_with_the_s8_score_and_a_low_score_is_followed_up(world, quarterly, client):
    questionnaire, score, channel, words = quarterly
    _count, invitation = invite_one(world, questionnaire)
    answers = {f"q{score.pk}": "2", f"q{channel.pk}": "微信", f"q{words.pk}": "回电太慢"}
    response = client.post(link_path(invitation), answers)
    assert response.status_code == 200 and "感谢" in response.content.decode()
    assert SurveyAnswer.objects.filter(invitation=invitation).count() == 3
    s8 = SurveyResponse.objects.get(client=world["clients"]["own"])
    assert (s8.survey, s8.score, s8.comment) == (questionnaire.title, 2, "回电太慢")
    assert s8.follow_up.staff == world["clients"]["own"].advisor and s8.follow_up.category == "survey"
    again = client.post(link_path(invitation), {**answers, f"q{score.pk}": "5"})
    assert again.status_code == 410
    assert SurveyAnswer.objects.filter(invitation=invitation).count() == 3 and SurveyResponse.objects.count() == 1


def test_a_score_of_three_is_not_followed_up(world, quarterly):
    questionnaire, score, channel, _words = quarterly
    _count, invitation = invite_one(world, questionnaire)
    surveys.survey_answer(token=surveys.invitation_token(invitation),
                          answers={f"q{score.pk}": "3", f"q{channel.pk}": "电话"})
    assert SurveyResponse.objects.get().follow_up is None and not ContactRecord.objects.exists()


def test_the_link_works_until_a_microsecond_before_it_expires(world, quarterly):
    questionnaire, score, channel, _words = quarterly
    start = timezone.now() - datetime.timedelta(days=7)
    _count, invitation = invite_one(world, questionnaire, now=start)
    assert invitation.expires_at == start + datetime.timedelta(days=7)
    token, answers = surveys.invitation_token(invitation), {f"q{score.pk}": "5", f"q{channel.pk}": "电话"}
    with pytest.raises(services.DomainError, match="expired") as expired:
        surveys.survey_answer(token=token, answers=answers, now=invitation.expires_at)
    assert expired.value.status == 410
    surveys.survey_answer(token=token, answers=answers,
                          now=invitation.expires_at - datetime.timedelta(microseconds=1))
    assert SurveyInvitation.objects.get(pk=invitation.pk).answered_at is not None


def test_an_expired_link_says_so_and_writes_nothing(world, quarterly, client):
    questionnaire, score, channel, _words = quarterly
    _count, invitation = invite_one(world, questionnaire, now=timezone.now() - datetime.timedelta(days=8))
    assert client.get(link_path(invitation)).status_code == 410
    response = client.post(link_path(invitation), {f"q{score.pk}": "5", f"q{channel.pk}": "电话"})
    assert response.status_code == 410 and "过期" in response.content.decode()
    assert not SurveyAnswer.objects.exists()
    assert surveys.survey_invitations_send() == {"sent": 0, "failed": 0}  # an expired invitation is not sent


@pytest.mark.parametrize("token", ["nonsense", "1.abc:forged", ""])
def test_a_forged_or_changed_link_is_not_found(world, quarterly, client, token):
    questionnaire, *_ = quarterly
    _count, invitation = invite_one(world, questionnaire)
    if token:
        assert client.get(reverse("survey-answer", args=[token])).status_code == 404
    other = surveys.invitation_token(invitation).replace(f"{invitation.pk}.", f"{invitation.pk + 1}.", 1)
    assert client.get(reverse("survey-answer", args=[other])).status_code == 404


def test_a_bad_answer_comes_back_naming_the_question_and_keeps_what_was_given(world, quarterly, client):
    questionnaire, score, channel, words = quarterly
    _count, invitation = invite_one(world, questionnaire)
    for answers, wrong in [({f"q{score.pk}": "6", f"q{channel.pk}": "电话"}, score),
                           ({f"q{score.pk}": "4", f"q{channel.pk}": "短信"}, channel),
                           ({f"q{score.pk}": "4"}, channel),
                           ({f"q{score.pk}": "4", f"q{channel.pk}": "电话", f"q{words.pk}": "长" * 1001}, words)]:
        response = client.post(link_path(invitation), answers)
        assert response.status_code == 400
        errors = {question.pk: question.error for question in response.context["questions"] if question.error}
        assert list(errors) == [wrong.pk]
    assert not SurveyAnswer.objects.exists() and SurveyInvitation.objects.get().answered_at is None


def test_the_public_page_is_rate_limited(world, quarterly, client):
    questionnaire, *_ = quarterly
    _count, invitation = invite_one(world, questionnaire)
    statuses = [client.get(link_path(invitation)).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429


def test_a_resolved_ticket_invites_its_client_once_and_a_low_score_goes_to_the_advisor(world):
    user = world["staff"][Role.SERVICE_STAFF].user
    category = TicketCategory.objects.get(code="bank_transfer")
    ticket = services.ticket_open(user=user, category_id=category.pk, subject="转账未到账",
                                  client_id=world["clients"]["own"].pk)
    services.ticket_step(user=user, ticket_id=ticket.pk, step="resolve", text="已到账")
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    assert invitation.questionnaire.title == AFTER_TICKET and invitation.questionnaire.questions.count() == 1
    services.ticket_step(user=user, ticket_id=ticket.pk, step="reopen", text="又没到")
    services.ticket_step(user=user, ticket_id=ticket.pk, step="resolve", text="确已到账")
    assert SurveyInvitation.objects.filter(ticket=ticket).count() == 1
    question = invitation.questionnaire.questions.get()
    surveys.survey_answer(token=surveys.invitation_token(invitation), answers={f"q{question.pk}": "1"})
    response = SurveyResponse.objects.get(reference=f"invitation {invitation.pk}")
    assert response.follow_up.staff == world["clients"]["own"].advisor
    # the same questionnaire after another ticket is another answer of the same client (S8 counts both)
    second = services.ticket_open(user=user, category_id=category.pk, subject="再次咨询",
                                  client_id=world["clients"]["own"].pk)
    services.ticket_step(user=user, ticket_id=second.pk, step="resolve", text="已说明")
    surveys.survey_answer(token=surveys.invitation_token(SurveyInvitation.objects.get(ticket=second)),
                          answers={f"q{question.pk}": "5"})
    assert SurveyResponse.objects.filter(client=world["clients"]["own"], survey=AFTER_TICKET).count() == 2


def test_a_category_without_a_survey_invites_nobody(world):
    user = world["staff"][Role.SERVICE_STAFF].user
    category = TicketCategory.objects.get(code="suggestion")
    ticket = services.ticket_open(user=user, category_id=category.pk, subject="建议",
                                  client_id=world["clients"]["own"].pk)
    services.ticket_step(user=user, ticket_id=ticket.pk, step="resolve", text="已采纳")
    assert not SurveyInvitation.objects.exists()


def test_the_report_gives_the_rate_and_each_questions_results_in_the_scope(world, quarterly, login):
    questionnaire, score, channel, words = quarterly
    head_office = world["staff"][Role.HEAD_OFFICE].user
    surveys.survey_invite(user=head_office, questionnaire_id=questionnaire.pk,
                          clients=type(world["clients"]["own"]).objects.all())
    surveys.survey_invitations_send()
    for name, given in [("own", "5"), ("other_branch", "3")]:
        invitation = SurveyInvitation.objects.get(client=world["clients"][name])
        surveys.survey_answer(token=surveys.invitation_token(invitation),
                              answers={f"q{score.pk}": given, f"q{channel.pk}": "电话", f"q{words.pk}": f"{name}意见"})
    everyone = surveys.survey_report(head_office, questionnaire)
    assert everyone["totals"] == {"invited": 3, "sent": 3, "answered": 2, "rate": pytest.approx(200 / 3)}
    assert everyone["questions"][0]["average"] == 4
    assert everyone["questions"][1]["choices"] == [("电话", 2), ("微信", 0), ("邮件", 0)]
    branch = login(world["staff"][Role.BRANCH_MANAGER]).get(
        reverse("survey-report") + f"?questionnaire={questionnaire.pk}").context["report"]
    assert branch["totals"]["invited"] == 2 and branch["questions"][0]["average"] == 5
    assert branch["questions"][2]["texts"] == ["own意见"]


def test_the_suggestion_box_opens_a_ticket_for_head_office(world, client):
    page = client.get(reverse("suggestion-box"))
    assert page.status_code == 200
    empty = client.post(reverse("suggestion-box"), {"text": " "})
    assert empty.status_code == 400 and not Ticket.objects.exists()
    sent = client.post(reverse("suggestion-box"), {"text": "希望开通夜盘时段的在线客服", "name": "张先生",
                                                   "phone": "13800001001", "account_no": "1001"})
    assert sent.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.category.code == "suggestion" and ticket.channel == "web"
    assert ticket.client == world["clients"]["own"]  # the account and the phone are the same client's
    # The client is told the ticket's random reference, never its sequential number (issue 35 finding 11).
    assert ticket.reference in sent.content.decode() and ticket.number not in sent.content.decode()
    assert re.fullmatch(r"Q[2-9A-HJ-NP-Z]{8}", ticket.reference)
    assert Ticket.objects.visible_to(world["staff"][Role.HEAD_OFFICE].user).filter(pk=ticket.pk).exists()


def test_a_suggestion_naming_an_account_with_another_phone_is_nobodys(world):
    ticket = services.suggestion_submit(text="意见", phone="13999999999", account_no="1001")
    assert ticket.client is None and "1001" in ticket.description
    assert not Ticket.objects.visible_to(world["staff"][Role.ADVISOR].user).exists()
    assert not Ticket.objects.visible_to(world["staff"][Role.BRANCH_MANAGER].user).exists()


def test_invitations_are_listed_only_in_the_scope(world, quarterly, login):
    questionnaire, *_ = quarterly
    surveys.survey_invite(user=world["staff"][Role.HEAD_OFFICE].user, questionnaire_id=questionnaire.pk,
                          clients=type(world["clients"]["own"]).objects.all())
    ClientFactory(account_no="3001", branch=world["branches"][1])
    for role, expected in [(Role.ADVISOR, {"own"}), (Role.BRANCH_MANAGER, {"own", "colleague"}),
                           (Role.HEAD_OFFICE, {"own", "colleague", "other_branch"})]:
        page = login(world["staff"][role]).get(reverse("admin:service_desk_surveyinvitation_changelist"))
        listed = {invitation.client_id for invitation in page.context["cl"].result_list}
        assert listed == {world["clients"][name].pk for name in expected}, role
