"""A5 on its pages and for the counter: the visit page made by clicking through the script, its scope for every
role (O), the workbench's visits due, and GET /api/v1/settlement/visits (settlement-api.md "Return-visit results"),
paginated and only for a settlement:write token."""

import datetime

import pytest
from django.utils import timezone

from clients.roles import Role
from tests.factories import ClientFactory
from tests.settlement_helpers import token_for
from visits.models import ReturnVisit, Trigger
from visits.services import script_in_force, visits_owe


@pytest.fixture(autouse=True)
def go_live(settings):
    settings.FUTCRM_VISITS_FROM = "2026-01-01"


@pytest.fixture
def owed(world):
    """A new account of the world's first advisor in branch A, its visit owed."""
    client = ClientFactory(account_no="1101", branch=world["branches"][0], advisor=world["advisors"][0],
                           opened_on=datetime.date(2026, 12, 1), personal_data__phone="13800001101")
    visits_owe([client.pk])
    return ReturnVisit.objects.get(client=client)


# Who opens a branch-A visit's page (O, and the role's permission): the service desk makes visits; managers and head
# office read them; an advisor never sees the visit of their own client (the visit checks what the advisor did).
OPENS = {Role.SERVICE_STAFF: 200, Role.BRANCH_MANAGER: 200, Role.HEAD_OFFICE: 200, Role.ADVISOR: 403,
         Role.RISK_OFFICER: 403, Role.SETTLEMENT_SYSTEM: 403}


@pytest.mark.parametrize("role", list(OPENS))
def test_the_visit_page_for_every_role(world, owed, login, role):
    response = login(world["staff"][role]).get(f"/visits/{owed.pk}/")
    assert response.status_code == OPENS[role]
    if response.status_code == 200:
        text = response.content.decode()
        assert owed.client.name in text and "1101" in text
        assert "13800001101" not in text and "1101" in text  # the number masked until revealed (S9)
    else:
        assert owed.client.name not in response.content.decode()


def test_another_branchs_visit_page_is_refused_naming_nobody(world, login):
    other = world["clients"]["other_branch"]
    visit = ReturnVisit.objects.create(client=other, trigger=Trigger.NEW_ACCOUNT,
                                       triggered_on=datetime.date(2026, 12, 1), due_on=datetime.date(2026, 12, 8))
    response = login(world["staff"][Role.SERVICE_STAFF]).get(f"/visits/{visit.pk}/")
    assert response.status_code == 403 and other.name not in response.content.decode()


def test_a_visit_made_on_its_page(world, owed, login):
    browser = login(world["staff"][Role.SERVICE_STAFF])
    form = {"outcome": "reached", "recording_ref": "REC-77"}
    for item in script_in_force(Trigger.NEW_ACCOUNT).items:
        form[f"item-{item['code']}"] = "confirmed"
    response = browser.post(f"/visits/{owed.pk}/", form)
    assert response.status_code == 302
    owed.refresh_from_db()
    assert owed.status == ReturnVisit.Status.SUCCESSFUL and owed.recording_ref == "REC-77"
    page = browser.get(f"/visits/{owed.pk}/").content.decode()
    assert "REC-77" in page and 'name="outcome"' not in page  # finished: no form any more


def test_an_unanswered_item_is_shown_on_the_page_and_nothing_written(world, owed, login):
    response = login(world["staff"][Role.SERVICE_STAFF]).post(f"/visits/{owed.pk}/", {"outcome": "reached"})
    assert response.status_code == 422
    assert script_in_force(Trigger.NEW_ACCOUNT).items[0]["text"] in response.content.decode()
    owed.refresh_from_db()
    assert owed.attempts == 0 and owed.status == ReturnVisit.Status.OWED


def test_a_manager_reads_but_does_not_make_visits(world, owed, login):
    response = login(world["staff"][Role.BRANCH_MANAGER]).post(f"/visits/{owed.pk}/", {"outcome": "no_answer"})
    assert response.status_code == 403
    owed.refresh_from_db()
    assert owed.attempts == 0


def test_the_workbench_shows_the_visits_due_to_the_service_desk_of_the_branch(world, owed, login):
    page = login(world["staff"][Role.SERVICE_STAFF]).get("/workbench/").content.decode()
    assert f"/visits/{owed.pk}/" in page
    assert f"/visits/{owed.pk}/" not in login(world["staff"][Role.ADVISOR]).get("/workbench/").content.decode()


LIST_SEES = {Role.SERVICE_STAFF: True, Role.BRANCH_MANAGER: True, Role.HEAD_OFFICE: True, Role.ADVISOR: None,
             Role.RISK_OFFICER: None}


@pytest.mark.parametrize("role", list(LIST_SEES))
def test_the_visit_list_for_every_role(world, owed, login, role):
    other = ReturnVisit.objects.create(client=world["clients"]["other_branch"], trigger=Trigger.NEW_ACCOUNT,
                                       triggered_on=datetime.date(2026, 12, 1), due_on=datetime.date(2026, 12, 8))
    response = login(world["staff"][role]).get("/admin/visits/returnvisit/")
    if LIST_SEES[role] is None:
        assert response.status_code == 403
        return
    text = response.content.decode()
    assert response.status_code == 200 and owed.client.name in text
    assert (other.client.name in text) == (role == Role.HEAD_OFFICE)


def _finished(client, status, at):
    return ReturnVisit.objects.create(client=client, trigger=Trigger.NEW_ACCOUNT, triggered_on=at.date(),
                                      due_on=at.date(), status=status, attempts=1, finished_at=at)


def test_the_counters_endpoint_lists_finished_visits_of_the_period_paginated(world, client):
    at = timezone.make_aware(datetime.datetime(2026, 12, 7, 23, 30))  # late evening in Shanghai: the 7th
    for number in range(3):
        _finished(ClientFactory(account_no=f"12{number:02d}", branch=world["branches"][number % 2]), "successful", at)
    _finished(ClientFactory(account_no="1300", branch=world["branches"][0]), "unreachable",
              at + datetime.timedelta(hours=1))  # the 8th
    ReturnVisit.objects.create(client=ClientFactory(account_no="1400"), trigger=Trigger.NEW_ACCOUNT,
                               triggered_on=at.date(), due_on=at.date())  # owed: not finished, not listed
    token = token_for(world["staff"][Role.SETTLEMENT_SYSTEM].user, "settlement:write")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    first = client.get("/api/v1/settlement/visits?from=2026-12-07&to=2026-12-07&page_size=2", **headers)
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert body["results"][0] == {"account_no": "1200", "trigger": "new_account", "outcome": "successful",
                                  "finished_at": "2026-12-07T23:30:00+08:00"}
    second = client.get(body["next"], **headers).json()
    assert [row["account_no"] for row in second["results"]] == ["1202"]
    later = client.get("/api/v1/settlement/visits?from=2026-12-08&trigger=new_account", **headers).json()
    assert [(row["account_no"], row["outcome"]) for row in later["results"]] == [("1300", "unreachable")]


def test_the_counters_endpoint_refuses_bad_input_and_other_callers(world, client, login):
    sys_user = world["staff"][Role.SETTLEMENT_SYSTEM].user
    write = {"HTTP_AUTHORIZATION": f"Bearer {token_for(sys_user, 'settlement:write')}"}
    assert client.get("/api/v1/settlement/visits?from=2026-13-01", **write).status_code == 400
    assert client.get("/api/v1/settlement/visits?trigger=birthday", **write).status_code == 400
    read = {"HTTP_AUTHORIZATION": f"Bearer {token_for(world['staff'][Role.HEAD_OFFICE].user, 'crm:read')}"}
    assert client.get("/api/v1/settlement/visits", **read).status_code == 403
    assert client.get("/api/v1/settlement/visits").status_code in (401, 403)
    assert login(world["staff"][Role.HEAD_OFFICE]).get("/api/v1/settlement/visits").status_code == 403
