"""S27 the funnel dashboard: counts and conversion per stage, source, branch and owner; days to the account and the
first trade; scoped (O)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from acquisition.models import Prospect
from acquisition.services import prospect_move, prospects_convert
from clients.roles import Role
from tests.factories import ClientFactory
from tests.fixtures.prospects import ID_NUMBER, enter


@pytest.fixture
def funnel_world(world):
    """Branch A: 赵 (event, converted), 钱 (referral, contacted, then lost); branch B: 孙 (website, new)."""
    converted = enter(world)
    Prospect.objects.filter(pk=converted.pk).update(created_at=converted.created_at - datetime.timedelta(days=10))
    lost = enter(world, name="钱潜客", source="referral", phone="13900004444", id_number="",
                 owner_id=world["advisors"][1].pk)
    manager = world["staff"][Role.BRANCH_MANAGER].user
    prospect_move(user=manager, prospect_id=lost.pk, stage="contacted")
    prospect_move(user=manager, prospect_id=lost.pk, stage="lost", note="不考虑期货")
    enter(world, role=Role.HEAD_OFFICE, name="孙潜客", source="website", phone="13900005555", id_number="",
          branch_id=world["branches"][1].pk, owner_id=world["advisors"][2].pk)
    client = ClientFactory(account_no="7401", branch=world["branches"][0], personal_data__id_number=ID_NUMBER,
                           opened_on=timezone.localdate(converted.created_at))  # ten days after first contact
    prospects_convert([client.pk])
    return world


def read(login, profile, **query):
    page = login(profile).get(reverse("prospect-funnel"), query)
    return page.status_code, page.context["funnel"] if page.status_code == 200 else None


def test_the_funnel_counts_what_each_reached_and_the_conversion_from_the_stage_before(funnel_world, login):
    status, funnel = read(login, funnel_world["staff"][Role.HEAD_OFFICE])
    assert status == 200
    reached = {row["stage"]: (row["count"], row["rate"]) for row in funnel["stages"]}
    # a stage counts who reached it or went further: the converted one was contacted and booked on the way, the lost
    # one had been contacted
    assert reached["new"] == (3, None) and reached["contacted"] == (2, 66.7)
    assert reached["appointment"] == (1, 50.0) and reached["opened"] == (1, 100.0)
    assert reached["funded"] == (0, 0.0) and reached["traded"] == (0, None)  # from nothing before: no rate
    assert funnel["lost"] == 1 and funnel["days_to_account"] == 10 and funnel["days_to_trade"] is None
    sources = {row["key"]: (row["total"], row["opened"], row["rate"]) for row in funnel["sources"]}
    assert sources == {"event": (1, 1, 100.0), "referral": (1, 0, 0.0), "website": (1, 0, 0.0)}
    assert {row["label"]: row["total"] for row in funnel["branches"]} == {
        funnel_world["branches"][0].name: 2, funnel_world["branches"][1].name: 1}


def test_each_role_reads_its_own_scope_and_the_period_is_checked(funnel_world, login):
    assert read(login, funnel_world["staff"][Role.BRANCH_MANAGER])[1]["total"] == 2
    status, funnel = read(login, funnel_world["staff"][Role.ADVISOR])
    assert status == 200, status
    assert funnel["total"] == 1  # the prospect they own
    assert read(login, funnel_world["staff"][Role.RISK_OFFICER])[0] == 403
    assert read(login, funnel_world["staff"][Role.HEAD_OFFICE], since="2999-01-01", until="2999-12-31")[1]["total"] == 0
    assert read(login, funnel_world["staff"][Role.HEAD_OFFICE], since="yesterday")[0] == 400
    assert read(login, funnel_world["staff"][Role.HEAD_OFFICE], since="2026-12-02", until="2026-12-01")[0] == 400
