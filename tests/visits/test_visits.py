"""domain.md A5: return visits owed on their triggers with deadlines in trading days, made along the script in at
most three attempts, a problem answer opening a compliance case; their scope (O) on the page, the list and the
workbench."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from clients.roles import Role
from core.errors import DomainError
from risk.models import Alert, RiskThresholdSet
from service_desk.models import Ticket
from service_log.models import Complaint
from settlement.models import TradingDay
from tests.factories import ClientFactory, UserFactory, make_staff
from visits.models import ReturnVisit, Trigger, VisitAnswer, VisitAttempt
from visits.services import script_approve, script_in_force, script_write, visit_attempt_record, visits_owe

NOW = timezone.make_aware(datetime.datetime(2026, 12, 8, 10, 0))
REACHED, NO_ANSWER = VisitAttempt.Outcome.REACHED, VisitAttempt.Outcome.NO_ANSWER
CONFIRMED, PROBLEM = VisitAnswer.Answer.CONFIRMED, VisitAnswer.Answer.PROBLEM


@pytest.fixture(autouse=True)
def go_live(settings):
    settings.FUTCRM_VISITS_FROM = "2026-01-01"


def _trading_days_after(day: datetime.date, count: int) -> list[datetime.date]:
    return list(TradingDay.objects.trading().filter(date__gt=day).order_by("date").values_list("date", flat=True)
                [:count])


def _all_confirmed(visit) -> dict:
    return {item["code"]: (CONFIRMED, "") for item in script_in_force(visit.trigger).items}


def test_a_new_account_owes_a_visit_due_the_fifth_trading_day_across_a_holiday(world):
    # 2026-09-28 (Monday): National Day (1–7 October) and the weekends lie within the next five trading days
    client = ClientFactory(branch=world["branches"][0], opened_on=datetime.date(2026, 9, 28))
    assert visits_owe([client.pk]) == 1
    visit = ReturnVisit.objects.get(client=client)
    days = _trading_days_after(datetime.date(2026, 9, 28), 5)
    assert datetime.date(2026, 10, 1) not in days and datetime.date(2026, 10, 5) not in days
    assert visit.trigger == Trigger.NEW_ACCOUNT and visit.due_on == days[4] == datetime.date(2026, 10, 12)
    assert visits_owe([client.pk]) == 0  # at most one per cause


def test_accounts_opened_before_go_live_owe_nothing(world, settings):
    settings.FUTCRM_VISITS_FROM = "2026-09-29"
    before = ClientFactory(branch=world["branches"][0], opened_on=datetime.date(2026, 9, 28))
    on_the_day = ClientFactory(branch=world["branches"][0], opened_on=datetime.date(2026, 9, 29))
    visits_owe([before.pk, on_the_day.pk])
    assert list(ReturnVisit.objects.values_list("client", flat=True)) == [on_the_day.pk]


def test_a_resolved_complaint_and_a_forced_liquidation_owe_their_visits(world):
    client = world["clients"]["own"]
    resolved_at = timezone.make_aware(datetime.datetime(2026, 9, 30, 16, 0))
    complaint = Complaint.objects.create(
        client=client, channel="phone", category="service", description="态度", status=Complaint.Status.RESOLVED,
        received_at=resolved_at, acknowledge_by=resolved_at, resolve_by=resolved_at, resolved_at=resolved_at,
        root_cause="沟通不及时", resolution="致歉")
    alert = Alert.objects.create(client=client, trade_date=datetime.date(2026, 9, 30),
                                 kind=Alert.Kind.FORCED_LIQUIDATION, severity="critical", raised_at=resolved_at,
                                 due_at=resolved_at, thresholds=RiskThresholdSet.objects.in_force())
    visits_owe()
    by_trigger = {visit.trigger: visit for visit in ReturnVisit.objects.filter(client=client)}
    assert by_trigger[Trigger.COMPLAINT_RESOLVED].source == f"complaint:{complaint.pk}"
    assert by_trigger[Trigger.COMPLAINT_RESOLVED].due_on == _trading_days_after(datetime.date(2026, 9, 30), 3)[2]
    assert by_trigger[Trigger.FORCED_LIQUIDATION].source == f"alert:{alert.pk}"
    assert by_trigger[Trigger.FORCED_LIQUIDATION].due_on == datetime.date(2026, 10, 8)  # the next trading day


def test_a_closing_account_is_visited_before_it_closes(world):
    client = ClientFactory(branch=world["branches"][0], closed_on=datetime.date(2026, 10, 8))
    visits_owe()
    visit = ReturnVisit.objects.get(client=client, trigger=Trigger.CLOSING_ACCOUNT)
    assert visit.due_on == datetime.date(2026, 9, 30)  # the last trading day before the holiday it closes after


def _owed(world):
    client = ClientFactory(branch=world["branches"][0], advisor=world["advisors"][0],
                           opened_on=datetime.date(2026, 12, 1))
    visits_owe([client.pk])
    return ReturnVisit.objects.get(client=client)


def test_a_visit_with_every_item_confirmed_is_successful(world):
    visit = _owed(world)
    staff = world["staff"][Role.SERVICE_STAFF]
    done = visit_attempt_record(user=staff.user, visit_id=visit.pk, outcome=REACHED, answers=_all_confirmed(visit),
                                recording_ref="REC-1", now=NOW)
    assert done.status == ReturnVisit.Status.SUCCESSFUL and done.finished_at == NOW and done.finished_by == staff
    assert done.recording_ref == "REC-1" and done.case is None
    assert VisitAnswer.objects.filter(attempt__visit=visit).count() == len(script_in_force(visit.trigger).items)
    with pytest.raises(DomainError) as refusal:
        visit_attempt_record(user=staff.user, visit_id=visit.pk, outcome=NO_ANSWER,
                             now=NOW + datetime.timedelta(hours=2))
    assert refusal.value.code == "finished"


def test_an_unanswered_item_is_refused_naming_it(world):
    visit = _owed(world)
    answers = _all_confirmed(visit)
    code = script_in_force(visit.trigger).items[2]["code"]
    del answers[code]
    with pytest.raises(DomainError) as refusal:
        visit_attempt_record(user=world["staff"][Role.SERVICE_STAFF].user, visit_id=visit.pk, outcome=REACHED,
                             answers=answers, now=NOW)
    assert refusal.value.field == f"item-{code}"
    assert not VisitAttempt.objects.exists()


def test_a_problem_answer_fails_the_visit_and_opens_a_compliance_case(world):
    visit = _owed(world)
    answers = _all_confirmed(visit)
    answers["no_proxy_trading"] = (PROBLEM, "客户说顾问帮他下过单")
    with translation.override("en"):  # made from an English page: the case is still written in Chinese
        done = visit_attempt_record(user=world["staff"][Role.SERVICE_STAFF].user, visit_id=visit.pk,
                                    outcome=REACHED, answers=answers, now=NOW)
    assert done.status == ReturnVisit.Status.FAILED
    case = Ticket.objects.get(pk=done.case_id)
    assert case.subject.startswith("回访发现问题") and case.description.startswith("新开户")
    assert case.category.code == "compliance" and case.client == visit.client and case.priority == "high"
    assert "客户说顾问帮他下过单" in case.description


def test_a_problem_needs_what_the_client_said(world):
    visit = _owed(world)
    answers = {**_all_confirmed(visit), "own_password": (PROBLEM, "  ")}
    with pytest.raises(DomainError) as refusal:
        visit_attempt_record(user=world["staff"][Role.SERVICE_STAFF].user, visit_id=visit.pk, outcome=REACHED,
                             answers=answers, now=NOW)
    assert refusal.value.field == "note-own_password"


def test_the_third_failed_attempt_makes_it_unreachable_and_attempts_are_an_hour_apart(world):
    visit = _owed(world)
    user = world["staff"][Role.SERVICE_STAFF].user
    assert visit_attempt_record(user=user, visit_id=visit.pk, outcome=NO_ANSWER, now=NOW).status == "owed"
    with pytest.raises(DomainError) as refusal:  # 59 minutes later: not "at a different time"
        visit_attempt_record(user=user, visit_id=visit.pk, outcome=NO_ANSWER, now=NOW + datetime.timedelta(minutes=59))
    assert refusal.value.code == "too_soon"
    second = visit_attempt_record(user=user, visit_id=visit.pk, outcome="busy", now=NOW + datetime.timedelta(hours=1))
    assert second.status == "owed" and second.attempts == 2
    third = visit_attempt_record(user=user, visit_id=visit.pk, outcome="switched_off",
                                 now=NOW + datetime.timedelta(hours=3))
    assert third.status == ReturnVisit.Status.UNREACHABLE and third.attempts == 3 and third.finished_at is not None


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.RISK_OFFICER, Role.SETTLEMENT_SYSTEM])
def test_roles_that_do_not_make_visits_are_refused(world, role):
    visit = _owed(world)
    with pytest.raises(PermissionDenied):
        visit_attempt_record(user=world["staff"][role].user, visit_id=visit.pk, outcome=NO_ANSWER, now=NOW)


def test_another_branchs_visit_is_refused_naming_nobody(world):
    client = world["clients"]["other_branch"]
    visit = ReturnVisit.objects.create(client=client, trigger=Trigger.NEW_ACCOUNT, triggered_on=NOW.date(),
                                       due_on=NOW.date())
    with pytest.raises(PermissionDenied):
        visit_attempt_record(user=world["staff"][Role.SERVICE_STAFF].user, visit_id=visit.pk, outcome=NO_ANSWER,
                             now=NOW)


def test_a_script_version_is_approved_by_a_second_person_and_then_used(world):
    head_office = world["staff"][Role.HEAD_OFFICE].user
    script = script_write(user=head_office, trigger=Trigger.NEW_ACCOUNT,
                          items=[{"code": "own_account", "text": "您确认账户由您本人开立吗？"}])
    assert script_in_force(Trigger.NEW_ACCOUNT).version < script.version  # a draft is not used
    with pytest.raises(PermissionDenied):  # head office writes, compliance approves
        script_approve(user=head_office, script=script)
    script_approve(user=make_staff(Role.COMPLIANCE, None, "CMP1").user, script=script)
    assert script_in_force(Trigger.NEW_ACCOUNT) == script


def test_nobody_approves_the_script_they_wrote(db):
    both = UserFactory(is_superuser=True)
    script = script_write(user=both, trigger=Trigger.CLOSING_ACCOUNT, items=[{"code": "a", "text": "问题"}])
    with pytest.raises(DomainError) as refusal:
        script_approve(user=both, script=script)
    assert refusal.value.code == "four_eyes"


@pytest.mark.parametrize("items", [[], [{"code": "a", "text": ""}],
                                   [{"code": "a", "text": "x"}, {"code": "a", "text": "y"}]])
def test_a_script_needs_items_with_codes_and_questions_once_each(world, items):
    with pytest.raises(DomainError):
        script_write(user=world["staff"][Role.HEAD_OFFICE].user, trigger=Trigger.NEW_ACCOUNT, items=items)
