"""domain.md A6: the month's figures per branch and per member of staff (owed, in time, late, failed, unreachable),
scoped and exportable, and the month's reproducible sample of successful visits reviewed by compliance."""

import datetime

import pytest
from django.utils import timezone

from clients.roles import Role
from core.errors import DomainError
from tests.factories import ClientFactory, make_staff
from visits.figures import month_sample, sample_size, visit_figures
from visits.models import ReturnVisit, Trigger, VisitReview
from visits.services import visit_review

NOVEMBER = datetime.date(2026, 11, 1)


def _at(day: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 11, day, hour))


def _visit(client, *, due: int, status="owed", finished: datetime.datetime | None = None, by=None, source=""):
    return ReturnVisit.objects.create(client=client, trigger=Trigger.NEW_ACCOUNT, source=source,
                                      triggered_on=datetime.date(2026, 11, 1), due_on=datetime.date(2026, 11, due),
                                      status=status, finished_at=finished, finished_by=by,
                                      attempts=0 if status == "owed" else 1)


@pytest.fixture
def month(world):
    """Branch A: in time (due 10th, made the 10th at 23:00 local), late (due 10th, made the 11th), successful, failed
    and unreachable; one still owed past its deadline, one owed not yet due (the 30th). Branch B: one successful."""
    branch_a, branch_b = world["branches"]
    staff = world["staff"][Role.SERVICE_STAFF]
    clients = [ClientFactory(branch=branch_a, advisor=world["advisors"][0]) for _ in range(6)]
    _visit(clients[0], due=10, status="successful", finished=_at(10, 23), by=staff)
    _visit(clients[1], due=10, status="failed", finished=_at(11, 9), by=staff)
    _visit(clients[2], due=12, status="unreachable", finished=_at(12), by=staff)
    _visit(clients[3], due=5)
    _visit(clients[4], due=30)
    _visit(clients[5], due=12, status="successful", finished=_at(3), by=staff, source="x")
    other = ClientFactory(branch=branch_b, advisor=world["advisors"][2])
    _visit(other, due=20, status="successful", finished=_at(19), by=make_staff(Role.SERVICE_STAFF, branch_b, "B-S"))
    _visit(other, due=20, status="successful", finished=_at(19), source="december")  # due in November too
    ReturnVisit.objects.filter(source="december").update(due_on=datetime.date(2026, 12, 1))
    return clients


def test_the_months_figures_per_branch_and_staff(world, month, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2026, 11, 20))
    figures = visit_figures(world["staff"][Role.HEAD_OFFICE].user, NOVEMBER)
    by_branch = {row["client__branch__name"]: row for row in figures["branches"]}
    assert {name: (row["owed"], row["in_time"], row["late"], row["successful"], row["failed"], row["unreachable"],
                   row["open"]) for name, row in by_branch.items()} == {
        "甲营业部": (6, 3, 2, 2, 1, 1, 2), "乙营业部": (1, 1, 0, 1, 0, 0, 0)}
    assert figures["total"]["owed"] == 7
    not_made = [row for row in figures["staff"] if row["finished_by"] is None]
    assert [(row["owed"], row["late"], row["open"]) for row in not_made] == [(2, 1, 2)]


def test_the_figures_are_scoped(world, month):
    manager = visit_figures(world["staff"][Role.BRANCH_MANAGER].user, NOVEMBER)
    assert [row["client__branch__name"] for row in manager["branches"]] == ["甲营业部"]
    assert visit_figures(world["staff"][Role.ADVISOR].user, NOVEMBER)["total"]["owed"] == 0


@pytest.mark.parametrize(("total", "sampled"), [(0, 0), (2, 2), (3, 3), (60, 3), (61, 4), (100, 5)])
def test_the_sample_size_is_five_percent_and_at_least_three(total, sampled):
    assert sample_size(total) == sampled


def _successful(world, count: int, branch_index: int = 0):
    branch = world["branches"][branch_index]
    visits = []
    for number in range(count):
        client = ClientFactory(branch=branch)
        visits.append(_visit(client, due=20, status="successful", finished=_at(1 + number % 28), source=str(number)))
    return visits


def test_the_sample_is_reproducible_and_per_branch(world):
    _successful(world, 61)
    _successful(world, 2, branch_index=1)
    compliance = make_staff(Role.COMPLIANCE, None, "CMP").user
    first = list(month_sample(compliance, NOVEMBER))
    assert [visit.pk for visit in first] == [visit.pk for visit in month_sample(compliance, NOVEMBER)]
    per_branch = {}
    for visit in first:
        per_branch[visit.client.branch.code] = per_branch.get(visit.client.branch.code, 0) + 1
    assert per_branch == {"A01": 4, "B01": 2}
    assert list(month_sample(compliance, datetime.date(2026, 10, 1))) == []


def test_compliance_reviews_a_sampled_visit_once(world):
    _successful(world, 5)
    compliance = make_staff(Role.COMPLIANCE, None, "CMP").user
    sampled = list(month_sample(compliance, NOVEMBER))
    outside = ReturnVisit.objects.exclude(pk__in=[visit.pk for visit in sampled]).first()
    with pytest.raises(DomainError) as refusal:
        visit_review(user=compliance, visit_id=sampled[0].pk, month=NOVEMBER, score=2, comment=" ")
    assert refusal.value.field == "comment"
    review = visit_review(user=compliance, visit_id=sampled[0].pk, month=NOVEMBER, score="2", comment="未逐项确认")
    assert (review.score, review.reviewer, review.month) == (2, compliance, NOVEMBER)
    with pytest.raises(DomainError) as again:
        visit_review(user=compliance, visit_id=sampled[0].pk, month=NOVEMBER, score=5)
    assert again.value.code == "reviewed"
    with pytest.raises(DomainError) as not_sampled:
        visit_review(user=compliance, visit_id=outside.pk, month=NOVEMBER, score=5)
    assert not_sampled.value.code == "not_sampled"
    for score in (0, 6, "x"):
        with pytest.raises(DomainError):
            visit_review(user=compliance, visit_id=sampled[1].pk, month=NOVEMBER, score=score, comment="c")
    assert VisitReview.objects.count() == 1


DASHBOARD = {Role.SERVICE_STAFF: 200, Role.BRANCH_MANAGER: 200, Role.HEAD_OFFICE: 200, Role.ADVISOR: 403,
             Role.RISK_OFFICER: 403, Role.SETTLEMENT_SYSTEM: 403}


@pytest.mark.parametrize("role", list(DASHBOARD))
def test_the_dashboard_and_its_export_for_every_role(world, month, login, role):
    browser = login(world["staff"][role])
    page = browser.get("/dashboard/visits/?month=2026-11")
    assert page.status_code == DASHBOARD[role]
    if page.status_code != 200:
        return
    text = page.content.decode()
    assert "甲营业部" in text and ("乙营业部" in text) == (role == Role.HEAD_OFFICE)
    export = browser.get("/dashboard/visits/?month=2026-11&format=csv")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert ("乙营业部" in export.content.decode("utf-8-sig")) == (role == Role.HEAD_OFFICE)


def test_the_export_carries_data_never_formulas(world, month, login):
    staff = world["staff"][Role.SERVICE_STAFF]
    staff.full_name = "=HYPERLINK(\"http://x\")"
    staff.save()
    csv_text = login(world["staff"][Role.HEAD_OFFICE]).get("/dashboard/visits/?month=2026-11&format=csv").content
    assert "'=HYPERLINK" in csv_text.decode("utf-8-sig")


def test_a_wrong_month_is_a_400(world, login):
    assert login(world["staff"][Role.HEAD_OFFICE]).get("/dashboard/visits/?month=2026-13").status_code == 400


SAMPLE_PAGE = {Role.HEAD_OFFICE: 200, Role.COMPLIANCE: 200, Role.SERVICE_STAFF: 403, Role.BRANCH_MANAGER: 403,
               Role.ADVISOR: 403}


@pytest.mark.parametrize("role", list(SAMPLE_PAGE))
def test_the_sample_page_for_every_role(world, login, role):
    _successful(world, 4)
    profile = world["staff"].get(role) or make_staff(role, None, "CMP2")
    response = login(profile).get("/visits/sample/?month=2026-11")
    assert response.status_code == SAMPLE_PAGE[role]
    if response.status_code == 200:
        assert response.content.decode().count("/visits/") >= 3
        assert ('name="score"' in response.content.decode()) == (role == Role.COMPLIANCE)


def test_compliance_records_a_review_on_the_page(world, login):
    _successful(world, 3)
    compliance = make_staff(Role.COMPLIANCE, None, "CMP3")
    browser = login(compliance)
    visit = month_sample(compliance.user, NOVEMBER).first()
    response = browser.post("/visits/sample/?month=2026-11", {"visit": visit.pk, "score": "4", "comment": ""})
    assert response.status_code == 302
    assert VisitReview.objects.get(visit=visit).score == 4
    refused = browser.post("/visits/sample/?month=2026-11", {"visit": visit.pk, "score": "1", "comment": ""})
    assert refused.status_code == 422
