"""S22 questions back to the chief analyst and the marketer; S23 the advisors' library (scoped, O)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from clients.roles import Role
from core.errors import DomainError
from research.models import Delivery, Question
from research.services import (
    QUESTIONS_PER_DELIVERY,
    delivery_link,
    distribution_create,
    question_answer,
    question_ask,
    question_pass_on,
)
from service_log.models import ContactRecord, FollowUpTask, Notification
from tests.fixtures.research import DAY, approved, sent


@pytest.fixture
def note(research):
    publication = approved(research)
    sent(distribution_create(user=research["staff"][Role.HEAD_OFFICE].user, publication_id=publication.pk, today=DAY))
    return publication


def test_a_question_from_the_link_reaches_the_chief_analyst_and_is_passed_on_in_a_contact(research, note, client):
    own = research["clients"]["own"]
    own.marketer = research["advisors"][1]
    own.save()
    delivery = Delivery.objects.get(distribution__publication=note, client=own)
    path = delivery_link(delivery.pk).split("testserver")[-1].split("://")[-1]
    path = path[path.index("/r/"):]
    response = client.post(path, {"text": "铜价下周会怎样？"})
    assert response.status_code == 200 and 'id="asked"' in response.content.decode()  # the thank-you line
    question = Question.objects.get()
    assert (question.client, question.source, question.state) == (own, "link", "open")
    chief, advisor, marketer = (research["chief"].user, research["advisors"][0].user, research["advisors"][1].user)
    assert {n.recipient_id for n in Notification.objects.all()} >= {chief.pk, advisor.pk, marketer.pk}
    assert list(Question.objects.visible_to(chief)) == [question]  # 首席分析师负责制: the whole queue
    assert not Question.objects.visible_to(research["advisors"][2].user).exists()  # another branch's advisor

    with pytest.raises(PermissionDenied):  # only the chief analyst answers
        question_answer(user=advisor, question_id=question.pk, answer="震荡")
    question_answer(user=chief, question_id=question.pk, answer="库存回升，预计震荡。")
    task = FollowUpTask.objects.get(source="question", source_key=str(question.pk))
    assert task.client == own and task.advisor == research["advisors"][0] and task.contact_id is None
    with pytest.raises(DomainError):
        question_answer(user=chief, question_id=question.pk, answer="again")

    question_pass_on(user=advisor, question_id=question.pk, channel="phone")
    question.refresh_from_db()
    contact = ContactRecord.objects.get(pk=question.contact_id)
    assert question.state == "passed_on" and "库存回升" in contact.summary and contact.client == own
    task.refresh_from_db()
    assert task.contact_id == contact.pk  # the answer's contact closes the follow-up (S21)


def test_the_link_takes_at_most_three_questions_and_refuses_empty_or_long_text(research, note, client):
    delivery = Delivery.objects.get(distribution__publication=note, client=research["clients"]["own"])
    url = delivery_link(delivery.pk)
    path = url[url.index("/r/"):]
    assert client.post(path, {"text": "  "}).status_code == 400
    assert client.post(path, {"text": "x" * 1001}).status_code == 400
    # Issue 35 finding 6: control characters (a bell, an escape sequence) are not plain text; line breaks are.
    assert client.post(path, {"text": "止损\x07位\x1b[31m"}).status_code == 400
    assert client.post(path, {"text": "x" * 1000}).status_code == 200
    for _ in range(QUESTIONS_PER_DELIVERY - 1):
        assert client.post(path, {"text": "再问一个"}).status_code == 200
    assert client.post(path, {"text": "第四个"}).status_code == 400
    assert Question.objects.count() == QUESTIONS_PER_DELIVERY
    assert client.post(path[:-2] + "xx/", {"text": "forged"}).status_code == 404


def test_staff_log_questions_only_for_clients_in_their_scope(research, note):
    advisor = research["staff"][Role.ADVISOR].user
    question = question_ask(user=advisor, publication_id=note.pk, account_no="1001", text="客户问止损位")
    assert question.source == "staff" and question.asked_by == advisor
    for account_no in ("1002", "2001", "9999"):  # a colleague's, another branch's, nobody's
        with pytest.raises(DomainError) as refused:
            question_ask(user=advisor, publication_id=note.pk, account_no=account_no, text="问题")
        assert refused.value.field == "account_no"
    with pytest.raises(PermissionDenied):  # the analyst serves no client
        question_ask(user=research["analyst"].user, publication_id=note.pk, account_no="1001", text="问题")


def test_only_an_answered_question_is_passed_on_and_only_in_scope(research, note):
    advisor, colleague = research["advisors"][0].user, research["advisors"][1].user
    question = question_ask(user=advisor, publication_id=note.pk, account_no="1001", text="问题")
    with pytest.raises(DomainError):
        question_pass_on(user=advisor, question_id=question.pk)
    question_answer(user=research["chief"].user, question_id=question.pk, answer="答复")
    with pytest.raises(PermissionDenied):  # the colleague does not see the client
        question_pass_on(user=colleague, question_id=question.pk)
    assert Question.objects.get(pk=question.pk).state == "answered"


def test_the_library_shows_what_the_clients_of_each_scope_received(research, note, login):
    """S23: the advisor sees their own client's delivery; the branch manager both of the branch; per advisor."""
    other = approved(research, kind="weekly", title="螺纹周评")
    advisor = research["staff"][Role.ADVISOR]
    page = login(advisor).get(reverse("research-library"))
    assert page.status_code == 200
    rows = {row.pk: row.received for row in page.context["library"]["rows"]}
    assert rows[note.pk]["sent"] == 1 and rows[other.pk]["sent"] == 0
    manager = login(research["staff"][Role.BRANCH_MANAGER])
    rows = {row.pk: row.received for row in manager.get(reverse("research-library")).context["library"]["rows"]}
    assert rows[note.pk]["sent"] == 2  # the branch's two clients; the other branch's is not counted
    weekly = manager.get(reverse("research-library"), {"kind": "weekly"}).context["library"]["rows"]
    assert [row.pk for row in weekly] == [other.pk]
    mine = login(advisor).get(reverse("research-library"), {"received": "1"}).context["library"]["rows"]
    assert [row.pk for row in mine] == [note.pk]
    manager = login(research["staff"][Role.BRANCH_MANAGER])  # the test client is one session: log in again
    later = manager.get(reverse("research-library"), {"since": "2999-01-01"}).context["library"]["rows"]
    assert later == []
    per_advisor = manager.get(reverse("research-library-publication", args=[note.pk])).context["rows"]
    assert sorted((row["advisor"], row["sent"]) for row in per_advisor) == sorted(
        (profile.full_name, 1) for profile in research["advisors"][:2])
    own_rows = login(advisor).get(reverse("research-library-publication", args=[note.pk])).context["rows"]
    assert [(row["advisor"], row["sent"]) for row in own_rows] == [(advisor.full_name, 1)]


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.SERVICE_STAFF, Role.BRANCH_MANAGER, Role.HEAD_OFFICE,
                                  Role.RISK_OFFICER])
def test_the_library_and_question_pages_answer_every_staff_role(research, note, login, role):
    user = research["staff"][role]
    assert login(user).get(reverse("research-library")).status_code == 200
    assert login(user).get(reverse("admin:research_question_changelist")).status_code == (
        200 if role != Role.RISK_OFFICER else 403)


def test_a_question_page_opens_only_for_those_who_may_see_its_client_and_the_chief_analyst(research, note, login):
    """O on the page itself: a question about the advisor's client is not listed nor opened by the colleague or the
    other branch's advisor; the chief analyst opens it without the client's name."""
    question = question_ask(user=research["advisors"][0].user, publication_id=note.pk, account_no="1001",
                            text="铜价还会涨吗")
    page = reverse("admin:research_question_change", args=[question.pk])
    own = login(research["staff"][Role.ADVISOR]).get(page)
    assert own.status_code == 200 and "铜价还会涨吗" in own.content.decode()
    for outsider in (research["advisors"][1], research["advisors"][2]):
        browser = login(outsider)
        refused = browser.get(page)
        assert refused.status_code in (302, 404) and "铜价还会涨吗" not in refused.content.decode()
        listed = browser.get(reverse("admin:research_question_changelist"))
        assert listed.status_code == 200 and "铜价还会涨吗" not in listed.content.decode()
    chief = login(research["chief"]).get(page)
    content = chief.content.decode()
    assert chief.status_code == 200 and "铜价还会涨吗" in content
    assert research["clients"]["own"].name not in content


def test_a_marketer_outside_the_clients_scope_is_told_without_the_client_and_led_to_a_page_they_may_open(
        research, note, login):
    """S22 with O (issue 36): the marketer of a client they may not see was told "首席分析师已答复 <client>" with a
    link to a question they could not open (the admin said it did not exist). They are told without the client's
    name, with a link to the note in the library; the advisor's notice opens the question."""
    own = research["clients"]["own"]
    own.marketer = research["advisors"][1]
    own.save()
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    question = question_ask(user=research["advisors"][0].user, publication_id=note.pk, account_no=own.account_no,
                            text="客户问铜价走势")
    question_answer(user=research["chief"].user, question_id=question.pk, answer="预计震荡")
    for profile, opens in ((research["advisors"][1], "research-library-publication"),
                           (research["advisors"][0], "admin:research_question_change")):
        notices = Notification.objects.filter(recipient=profile.user, pk__gt=before)
        assert notices.count() == 2  # asked, answered
        browser = login(profile)
        for notice in notices:
            assert (own.name in notice.text) is (profile == research["advisors"][0])
            assert notice.link.startswith(reverse(opens, args=[note.pk if "library" in opens else question.pk]))
            assert browser.get(reverse("notice-open", args=[notice.pk]), follow=True).status_code == 200
