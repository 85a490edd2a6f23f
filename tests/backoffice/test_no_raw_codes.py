"""No raw code and no English reaches a person (issue 14, Shows; issue 15 item 4): the pages an advisor and head
office read, rendered in zh-hans with a client who has every kind of record, hold none of our models' choice codes
(`margin_call`, `gold`, `risk_notice` …), no criterion written as code (`equity>=…`) and none of our catalogue's
English phrases left untranslated in their visible text. The pages: the daily ones, every dashboard and analysis,
and the list of every model registered in the admin that the role may open."""

import datetime
import functools
import re

import polib
import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from acquisition import events, referrers
from acquisition import services as acquisition
from acquisition.models import AttributionChange, Event, EventGuest, Prospect
from clients.roles import Role
from research import services as research
from research.models import Publication, Question
from service_log.services import information_gaps_write
from settlement.models import TradingDay
from tests.factories import make_staff
from tests.fixtures.pages import choice_codes, visible_text
from tests.fixtures.tiering import OCTOBER


@functools.cache
def english_phrases() -> frozenset[str]:
    """Our catalogue's English phrases of two words or more (one word, like "SMS", may be the Chinese text too)."""
    catalogue = polib.pofile(str(settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    return frozenset(entry.msgid for entry in catalogue if not entry.obsolete and " " in entry.msgid.strip()
                     and "%(" not in entry.msgid and "{" not in entry.msgid and len(entry.msgid) > 8)


def untranslated(text: str) -> set[str]:
    flat = " ".join(text.split())
    return {phrase for phrase in english_phrases() if " ".join(phrase.split()) in flat}


def admin_lists() -> dict:
    """The list page of every model registered in the admin, by its admin URL name."""
    return {f"admin list {model._meta.app_label}.{model._meta.model_name}": (
        lambda data, model=model: reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        for model in admin.site._registry}


def publication_page(data) -> str:
    """A trading tip refused once and approved, sent to the busy client's branch (S18–S20)."""
    analyst, compliance = make_staff(Role.ANALYST, None), make_staff(Role.COMPLIANCE, None)
    publication = research.publication_create(user=analyst.user, kind="tip", title="沪铜交易机会",
                                              body="建议在3500附近买入", product_ids=[])
    version = research.publication_submit(user=analyst.user, publication_id=publication.pk)
    research.publication_review(user=compliance.user, publication_id=publication.pk, version_id=version.pk,
                                decision="refused", comment="不得给出具体点位")
    version = research.version_write(user=analyst.user, publication_id=publication.pk, title="沪铜交易机会",
                                     body="关注回调后的机会")
    research.publication_submit(user=analyst.user, publication_id=publication.pk)
    research.publication_review(user=compliance.user, publication_id=publication.pk, version_id=version.pk,
                                decision="approved")
    distribution = research.distribution_create(user=data["world"]["staff"][Role.HEAD_OFFICE].user,
                                                publication_id=publication.pk)
    research.distribution_send(distribution.pk)
    information_gaps_write(distribution.trade_date)
    return reverse("admin:research_publication_change", args=[publication.pk])


def question_page(data) -> str:
    """S22: a question the advisor logged on the approved publication, answered by the chief analyst."""
    publication_page(data)

    publication = Publication.objects.filter(state="approved").order_by("pk").first()
    question = Question.objects.filter(publication=publication).first() or research.question_ask(
        user=data["world"]["staff"][Role.ADVISOR].user, publication_id=publication.pk,
        account_no=data["world"]["clients"]["own"].account_no, text="客户问铜价走势")
    if question.state == "open":
        research.question_answer(user=make_staff(Role.CHIEF_ANALYST, None).user, question_id=question.pk,
                                 answer="预计震荡")
    return reverse("admin:research_question_change", args=[question.pk])


def prospect_page(data) -> str:
    """S24–S26: the advisor's prospect, contacted, with an appointment on the next trading day but one."""
    world = data["world"]
    prospect = Prospect.objects.filter(name="赵潜客").first()
    if prospect is None:
        manager = world["staff"][Role.BRANCH_MANAGER].user
        prospect = acquisition.prospect_create(user=manager, name="赵潜客", source="event",
                                               branch_id=world["branches"][0].pk, phone="13900001111",
                                               owner_id=world["advisors"][0].pk, interests="黄金")
        acquisition.prospect_move(user=manager, prospect_id=prospect.pk, stage="contacted", note="讲座后电话沟通")
        day = TradingDay.objects.trading().filter(date__gt=timezone.localdate() + datetime.timedelta(days=1)).order_by(
            "date").values_list("date", flat=True).first()
        acquisition.appointment_book(user=manager, prospect_id=prospect.pk, staff_id=world["advisors"][0].pk,
                                     starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))))
    return reverse("admin:acquisition_prospect_change", args=[prospect.pk])


def event_page(data) -> str:
    """S29–S31: the branch's briefing under way: the advisor's client and a walk-in prospect checked in, another
    client invited by SMS; the advisor's client credited to a referrer (S32) with a change asked (S33)."""
    world = data["world"]
    event = Event.objects.filter(title="股指期货策略报告会").first()
    if event is None:
        manager, desk = world["staff"][Role.BRANCH_MANAGER].user, world["staff"][Role.SERVICE_STAFF].user
        now = timezone.now()
        event = events.event_create(user=manager, title="股指期货策略报告会", kind="briefing",
                                    topics=["strategy", "risk"], branch_id=world["branches"][0].pk,
                                    starts_at=now + datetime.timedelta(minutes=30),
                                    ends_at=now + datetime.timedelta(hours=2), capacity=30, place="三楼会议室",
                                    speakers="首席分析师")
        events.event_invite(user=manager, event_id=event.pk)
        events.invitations_send(event.pk)
        own = EventGuest.objects.get(event=event, client=world["clients"]["own"])
        events.check_in(user=desk, event_id=event.pk, code=own.code)
        walk_in = events.register_at_desk(user=desk, event_id=event.pk, name="周来宾", phone="13900009999")
        events.check_in(user=desk, event_id=event.pk, code=walk_in.code)
        referrer = referrers.referrer_create(user=manager, code="JJ001", name="钱居间", kind="intermediary",
                                             branch_id=world["branches"][0].pk)
        attributions_open = referrers.attributions_open
        attributions_open([world["clients"]["own"].pk])
        referrers.attribution_change_request(user=desk, client_id=world["clients"]["own"].pk,
                                             referrer_id=referrer.pk, marketer_id=world["advisors"][0].pk,
                                             effective_on=timezone.localdate(), reason="客户由居间人介绍")
    return reverse("admin:acquisition_event_change", args=[event.pk])


def registration_page(data) -> str:
    event_page(data)
    guest = EventGuest.objects.filter(event__title="股指期货策略报告会", registered_at__isnull=True).first()
    link = events.guest_link(guest.pk, guest.event)
    return link[link.index("/e/"):]


PAGES = {
    "workbench": lambda data: reverse("workbench"),
    "workbench, alerts whole": lambda data: reverse("workbench") + "?kind=alerts",
    "alert list": lambda data: reverse("admin:risk_alert_changelist"),
    "alert page": lambda data: reverse("admin:risk_alert_change", args=[data["alert"].pk]),
    "client list": lambda data: reverse("admin:clients_client_changelist"),
    "client page": lambda data: reverse("admin:clients_client_change", args=[data["alert"].client_id]),
    "contacts": lambda data: reverse("admin:service_log_contactrecord_changelist"),
    "complaints": lambda data: reverse("admin:service_log_complaint_changelist"),
    "tier dashboard": lambda data: reverse("tier-dashboard") + f"?month={OCTOBER:%Y-%m}",
    "risk dashboard": lambda data: reverse("risk-dashboard"),
    "service dashboard": lambda data: reverse("service-dashboard"),
    "complaint analysis": lambda data: reverse("complaint-analysis"),
    "survey results": lambda data: reverse("survey-results"),
    "admin index": lambda data: reverse("admin:index"),
    "ticket queue": lambda data: reverse("admin:service_desk_ticket_changelist"),
    "ticket page": lambda data: reverse("admin:service_desk_ticket_change", args=[data["ticket"].pk]),
    "new ticket": lambda data: reverse("admin:service_desk_ticket_add"),
    "knowledge report": lambda data: reverse("knowledge-report"),
    "survey report": lambda data: reverse("survey-report"),
    "suggestion box": lambda data: reverse("suggestion-box"),
    "service kpis": lambda data: reverse("service-kpis"),
    "publication page": publication_page,
    "information coverage": lambda data: publication_page(data) and reverse("information-coverage"),
    "workbench, same-day follow-ups": lambda data: publication_page(data) and reverse("workbench") + "?kind=tasks",
    "research library": lambda data: question_page(data) and reverse("research-library"),
    "question page": question_page,
    "prospect page": prospect_page,
    "prospect funnel": lambda data: prospect_page(data) and reverse("prospect-funnel"),
    "appointments": lambda data: prospect_page(data) and reverse("admin:acquisition_appointment_changelist"),
    "prospect import": lambda data: reverse("admin:acquisition_prospect_import"),
    "event page": event_page,
    "new event": lambda data: reverse("admin:acquisition_event_add"),
    "registration page": registration_page,
    "referrer report": lambda data: event_page(data) and reverse("referrer-report"),
    "referrer import": lambda data: reverse("admin:acquisition_referrer_import"),
    "attribution change": lambda data: event_page(data) and reverse(
        "admin:acquisition_attributionchange_change", args=[AttributionChange.objects.first().pk]),
    "new attribution change": lambda data: reverse("admin:acquisition_attributionchange_add"),
    "client page with referrer": lambda data: event_page(data) and reverse(
        "admin:clients_client_change", args=[data["world"]["clients"]["own"].pk]),
}
EVERY_PAGE = {**PAGES, **admin_lists()}
# Pages of PAGES a role may not open (403, proven in the pages' own tests), so not read as that role here.
NOT_FOR = {"knowledge report": {Role.ADVISOR}, "service kpis": {Role.ADVISOR}, "information coverage": {Role.ADVISOR},
           "new event": {Role.ADVISOR}, "referrer import": {Role.ADVISOR}}


def test_the_codes_are_found_where_they_are():
    codes = choice_codes()
    assert {"margin_call", "gold", "risk_notice", "large_loss", "acknowledged"} <= codes
    assert set(re.findall(r"[a-z_]+", visible_text("<p>margin_call</p><script>gold</script>"))) & codes == {
        "margin_call"}


@pytest.mark.parametrize("page", list(EVERY_PAGE))
@pytest.mark.parametrize("role", [Role.ADVISOR, Role.HEAD_OFFICE])
def test_no_raw_code_and_no_english_in_what_people_read(busy_client, login, page, role):
    response = login(busy_client["world"]["staff"][role]).get(EVERY_PAGE[page](busy_client))
    if response.status_code == 403 and (page not in PAGES or role in NOT_FOR.get(page, ())):
        pytest.skip(f"{role} may not open {page}")  # outside the role's permissions
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    raw = set(re.findall(r"\b[a-z][a-z_]{2,}\b", text)) & choice_codes()
    assert raw == set(), f"{page} as {role}: {sorted(raw)}"
    assert not re.search(r"(equity|commission)\s*[<>]=?", text)
    left = untranslated(text)
    assert left == set(), f"{page} as {role}: {sorted(left)}"


def test_an_untranslated_phrase_is_found():
    assert untranslated("<p>页面 Log the contact 了</p>") == {"Log the contact"}


@pytest.mark.parametrize("role", [Role.ANALYST, Role.COMPLIANCE])
def test_the_research_pages_read_as_analysts_and_compliance(busy_client, login, role):
    """S18–S19: who writes and who reviews read the publication page and the new-publication form in Chinese."""
    page = publication_page(busy_client)
    browser = login(make_staff(role, None))
    for url in [page, reverse("admin:research_publication_changelist"), reverse("admin:research_publication_add")
                if role == Role.ANALYST else reverse("admin:research_reviewdecision_changelist")]:
        response = browser.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        assert set(re.findall(r"\b[a-z][a-z_]{2,}\b", text)) & choice_codes() == set(), url
        assert untranslated(text) == set(), url
