"""S24 prospects (entered in scope, protected like clients, duplicates by keyed hash) and S25 their funnel: moved
by hand to 已预约开户 or lost, then 已开户 when the settlement push brings their account, 已入金 and 已交易 from the
statements."""

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from acquisition.models import DuplicateLookup, Prospect, ProspectRevealLog, ProspectStep
from acquisition.services import (
    DUPLICATE_LOOKUPS_PER_HOUR,
    prospect_move,
    prospects_convert,
    prospects_import,
    prospects_progress,
)
from clients.models import Client
from clients.roles import Role
from core.errors import DomainError
from core.models import OwedWork
from core.tasks import run_owed_work
from settlement.clients_push import CLIENTS_ARRIVED
from tests.factories import ClientFactory, make_staff, valid_id_card
from tests.fixtures.prospects import ID_NUMBER, enter
from tests.settlement_helpers import Api, statement_row, token_for


def test_a_prospect_is_kept_as_clients_are_encrypted_hashed_and_masked(world):
    prospect = enter(world, interests="股指期货、黄金")
    stored = Prospect.objects.values().get(pk=prospect.pk)
    assert "13900001111" not in str(stored) and ID_NUMBER not in str(stored)  # S9: never the plain number
    assert prospect.phone_masked == "139****1111" and prospect.phone_last4 == "1111"
    assert prospect.id_number_masked.startswith("440") and prospect.id_number_masked.endswith(ID_NUMBER[-4:])
    assert list(prospect.steps.values_list("stage", flat=True)) == ["new"]


@pytest.mark.parametrize(("field", "overrides"), [
    ("name", {"name": "  "}),
    ("source", {"source": "newspaper"}),
    ("phone", {"phone": "1390000111", "id_number": ""}),  # ten digits
    ("id_number", {"id_number": ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")}),  # wrong check digit
    ("phone", {"phone": "", "id_number": ""}),  # nothing to recognise them by
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(world, field, overrides):
    with pytest.raises(DomainError) as refused:
        enter(world, **overrides)
    assert refused.value.field == field and not Prospect.objects.exists()


def test_duplicates_are_found_by_the_keyed_hashes_among_prospects_and_clients(world):
    enter(world)
    with pytest.raises(DomainError) as same_phone:
        enter(world, name="另一人", id_number="")
    assert (same_phone.value.code, same_phone.value.field) == ("duplicate", "phone")
    assert "139****1111" in same_phone.value.message  # named, masked
    ClientFactory(account_no="7001", branch=world["branches"][0], personal_data__phone="13900002222",
                  personal_data__id_number=valid_id_card("11010519900101123"))
    with pytest.raises(DomainError) as a_client:
        enter(world, phone="", id_number=valid_id_card("11010519900101123"))
    assert a_client.value.field == "id_number" and "7001" in a_client.value.message
    assert Prospect.objects.count() == 1


def test_the_scope_bounds_what_may_be_entered_and_an_advisor_owns_what_they_enter(world):
    with pytest.raises(DomainError) as other_branch:
        enter(world, branch_id=world["branches"][1].pk)
    assert other_branch.value.field == "branch"
    with pytest.raises(DomainError) as foreign_owner:  # the owner must be of the chosen branch
        enter(world, role=Role.HEAD_OFFICE, owner_id=world["advisors"][2].pk)
    assert foreign_owner.value.field == "owner"
    mine = enter(world, role=Role.ADVISOR, owner_id=world["advisors"][1].pk)
    assert mine.owner == world["advisors"][0]
    with pytest.raises(PermissionDenied):
        enter(world, role=Role.RISK_OFFICER, phone="13900003333", id_number="")


def test_the_funnel_moves_forward_by_hand_or_is_lost_with_a_reason(world):
    prospect = enter(world)
    manager = world["staff"][Role.BRANCH_MANAGER].user
    prospect_move(user=manager, prospect_id=prospect.pk, stage="contacted", note="电话沟通")
    prospect_move(user=manager, prospect_id=prospect.pk, stage="appointment")
    with pytest.raises(DomainError):  # never backwards
        prospect_move(user=manager, prospect_id=prospect.pk, stage="contacted")
    with pytest.raises(DomainError):  # never to a stage settlement sets
        prospect_move(user=manager, prospect_id=prospect.pk, stage="opened")
    with pytest.raises(DomainError) as no_reason:
        prospect_move(user=manager, prospect_id=prospect.pk, stage="lost")
    assert no_reason.value.field == "note"
    prospect_move(user=manager, prospect_id=prospect.pk, stage="lost", note="已在他家公司开户")
    assert Prospect.objects.get(pk=prospect.pk).lost_reason == "已在他家公司开户"
    prospect_move(user=manager, prospect_id=prospect.pk, stage="contacted", note="再次联系")  # back from lost
    assert list(prospect.steps.values_list("stage", flat=True)) == ["new", "contacted", "appointment", "lost",
                                                                     "contacted"]
    with pytest.raises(PermissionDenied):  # the colleague does not own it (O)
        prospect_move(user=world["advisors"][1].user, prospect_id=prospect.pk, stage="appointment")


def test_a_new_account_becomes_its_prospect_by_id_number_then_phone_and_credits_the_owner(world):
    by_id, by_phone = enter(world), enter(world, name="钱潜客", phone="13900004444", id_number="")
    unmatched = enter(world, name="孙潜客", phone="13900005555", id_number="")
    branch = world["branches"][0]
    first = ClientFactory(account_no="7101", branch=branch, personal_data__phone="13700000000",
                          personal_data__id_number=ID_NUMBER)
    second = ClientFactory(account_no="7102", branch=branch, personal_data__phone="13900004444",
                           personal_data__id_number=valid_id_card("11010519900101123"))
    assert prospects_convert([first.pk, second.pk]) == 2
    by_id.refresh_from_db()
    by_phone.refresh_from_db()
    assert (by_id.client, by_id.stage, by_id.opened_on) == (first, "opened", first.opened_on)
    assert (by_phone.client, by_phone.stage) == (second, "opened")
    assert Prospect.objects.get(pk=unmatched.pk).client is None
    assert Client.objects.get(pk=first.pk).marketer == world["advisors"][0]  # the owner credited as marketer
    assert list(by_id.steps.values_list("stage", flat=True)) == ["new", "opened"]  # the history carried over
    assert prospects_convert([first.pk, second.pk]) == 2  # again: nothing changes
    assert ProspectStep.objects.filter(stage="opened").count() == 2


def test_the_id_number_match_wins_over_an_earlier_prospect_matched_by_phone(world):
    """S25 (issue 36): the account's ID number names one prospect and its phone another, entered before it with an
    ID number of its own (someone else's): the ID number's prospect is the one converted."""
    by_phone = enter(world, name="钱潜客", phone="13900004444", id_number=valid_id_card("11010519900101123"))
    by_id = enter(world, name="赵潜客", phone="13900001111", id_number=ID_NUMBER)
    assert by_phone.created_at <= by_id.created_at
    client = ClientFactory(account_no="7111", branch=world["branches"][0], personal_data__phone="13900004444",
                           personal_data__id_number=ID_NUMBER)
    assert prospects_convert([client.pk]) == 1
    assert Prospect.objects.get(pk=by_id.pk).client == client
    assert Prospect.objects.get(pk=by_phone.pk).client is None


def test_the_client_page_carries_the_history_from_first_contact(world, login):
    prospect = enter(world)
    prospect_move(user=world["staff"][Role.BRANCH_MANAGER].user, prospect_id=prospect.pk, stage="contacted",
                  note="讲座后电话沟通")
    client = ClientFactory(account_no="7301", branch=world["branches"][0], personal_data__id_number=ID_NUMBER)
    prospects_convert([client.pk])
    page = login(world["staff"][Role.BRANCH_MANAGER]).get(reverse("admin:clients_client_change", args=[client.pk]))
    moments = [moment.text for moment in page.context["timeline"].moments]
    stages = [label for value, label in Prospect.Stage.choices if value in ("new", "contacted", "opened")]
    assert all(any(str(label) in text for text in moments) for label in stages)
    assert any("讲座后电话沟通" in text for text in moments)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the workflow runs outside a transaction
def test_the_settlement_push_converts_and_the_statements_bring_funded_and_traded(world, client):
    prospect = enter(world)
    world["branches"][0].code = "BJ01"
    world["branches"][0].save()
    make_staff(Role.ADVISOR, world["branches"][0], "BJ01A1")
    api = Api(client, token_for(world["staff"][Role.SETTLEMENT_SYSTEM].user, "settlement:write"))
    pushed = api.push_clients([{"account_no": "7201", "name": "赵潜客", "client_type": "individual",
                                "branch_code": "BJ01", "opened_on": "2026-11-18", "id_type": "id_card",
                                "id_number": ID_NUMBER, "phone": "13700000001", "advisor_code": "BJ01A1"}])
    assert pushed.status_code == 200, pushed.content
    assert run_owed_work()["done"] >= 1  # the client-arrived workflow, as the worker runs it
    assert OwedWork.objects.get(job=CLIENTS_ARRIVED).done_at is not None
    prospect.refresh_from_db()
    assert prospect.stage == "opened" and prospect.client.account_no == "7201"
    assert api.push([statement_row("7201", deposit="0")], trade_date="2026-11-19").status_code == 200
    assert prospects_progress() == 0  # no deposit yet: still opened
    assert api.push([statement_row("7201", deposit="50000.00")], trade_date="2026-11-20").status_code == 200
    assert prospects_progress() == 1
    prospect.refresh_from_db()
    assert (prospect.stage, str(prospect.funded_on), prospect.traded_on) == ("funded", "2026-11-20", None)
    assert api.push([statement_row("7201", trade_volume=3)], trade_date="2026-11-23").status_code == 200
    prospects_progress()
    prospect.refresh_from_db()
    assert (prospect.stage, str(prospect.traded_on)) == ("traded", "2026-11-23")
    assert prospects_progress() == 0  # re-running changes nothing
    assert list(prospect.steps.values_list("stage", flat=True)) == ["new", "opened", "funded", "traded"]


VISIBLE = {Role.ADVISOR: {"赵潜客"}, Role.SERVICE_STAFF: {"赵潜客", "钱潜客"},
           Role.BRANCH_MANAGER: {"赵潜客", "钱潜客"}, Role.HEAD_OFFICE: {"赵潜客", "钱潜客", "孙潜客"}}


@pytest.mark.parametrize("role", [*VISIBLE, Role.RISK_OFFICER, Role.SETTLEMENT_SYSTEM])
def test_the_prospect_list_and_pages_show_each_role_its_scope_only(world, login, role):
    own = enter(world)
    enter(world, name="钱潜客", phone="13900004444", id_number="", owner_id=world["advisors"][1].pk)
    other = enter(world, role=Role.HEAD_OFFICE, name="孙潜客", phone="13900005555", id_number="",
                  branch_id=world["branches"][1].pk, owner_id=world["advisors"][2].pk)
    browser = login(world["staff"][role])
    page = browser.get(reverse("admin:acquisition_prospect_changelist"))
    if role not in VISIBLE:  # the risk officer is refused; the settlement system is no member of staff
        assert page.status_code in (302, 403) and "赵潜客" not in page.content.decode()
        return
    content = page.content.decode()
    assert page.status_code == 200 and "13900001111" not in content  # masked (S9)
    assert {name for name in ("赵潜客", "钱潜客", "孙潜客") if name in content} == VISIBLE[role]
    assert browser.get(reverse("admin:acquisition_prospect_change", args=[own.pk])).status_code == 200
    foreign = browser.get(reverse("admin:acquisition_prospect_change", args=[other.pk]))
    assert (foreign.status_code == 200) == (role == Role.HEAD_OFFICE)


def test_the_add_page_enters_a_prospect_and_shows_a_refusal_on_its_field(world, login):
    browser = login(world["staff"][Role.BRANCH_MANAGER])
    form = {"name": "周潜客", "phone": "13900006666", "id_number": "", "source": "walk_in",
            "branch": world["branches"][0].pk, "owner": world["advisors"][0].pk, "interests": "", "notes": ""}
    added = browser.post(reverse("admin:acquisition_prospect_add"), form)
    assert added.status_code == 302 and Prospect.objects.filter(name="周潜客").exists()
    again = browser.post(reverse("admin:acquisition_prospect_add"), {**form, "name": "吴潜客"})
    assert again.status_code == 200 and "139****6666" in again.content.decode()
    assert not Prospect.objects.filter(name="吴潜客").exists()
    prospect = Prospect.objects.get(name="周潜客")
    moved = browser.post(reverse("admin:acquisition_prospect_change", args=[prospect.pk]),
                         {"stage": "lost", "note": "", "steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "1"})
    assert moved.status_code == 200 and Prospect.objects.get(pk=prospect.pk).stage == "new"  # a reason is needed


def test_a_revealed_number_is_logged_and_only_for_those_who_may_see_the_prospect(world, login):
    prospect = enter(world)
    url = reverse("admin:acquisition_prospect_reveal", args=[prospect.pk, "phone"])
    page = login(world["staff"][Role.ADVISOR]).get(reverse("admin:acquisition_prospect_change", args=[prospect.pk]))
    assert url in page.content.decode() and "13900001111" not in page.content.decode()  # masked, a button
    shown = login(world["staff"][Role.ADVISOR]).post(url)
    assert shown.status_code == 200 and shown.json() == {"value": "13900001111"}
    assert list(ProspectRevealLog.objects.values_list("user", "field")) == [(world["advisors"][0].user_id, "phone")]
    assert login(world["advisors"][1]).post(url).status_code == 403  # the colleague does not own it (O)
    assert login(world["staff"][Role.ADVISOR]).get(url).status_code == 405  # never by GET (S9: not in a URL)
    assert ProspectRevealLog.objects.count() == 1


def test_a_duplicate_outside_the_scope_is_refused_without_a_name_and_logged_for_head_office(world, login):
    """Issue 35 finding 4: an advisor entering another branch's client's phone read "已是客户：资金账号 2001". Now the
    refusal names no one, the attempt is kept (DuplicateLookup) and head office alone reads it."""
    cache.clear()
    other = world["clients"]["other_branch"]  # phone 13800002001, branch B
    advisor = world["staff"][Role.ADVISOR]
    with pytest.raises(DomainError) as refused:
        enter(world, role=Role.ADVISOR, phone="13800002001", id_number="")
    message = refused.value.message
    assert (refused.value.code, refused.value.field) == ("duplicate", "phone")
    assert other.account_no not in message and other.name not in message and "乙营业部" not in message
    assert not DuplicateLookup.objects.exists()  # written by whoever catches it, once rolled back
    refused.value.recorded()
    lookup = DuplicateLookup.objects.get()
    assert (lookup.user, lookup.client, lookup.field) == (advisor.user, other, "phone")
    # The admin's form: the same refusal on the field, the attempt kept although the entry was rolled back.
    page = login(advisor).post(reverse("admin:acquisition_prospect_add"), {
        "name": "钱某", "phone": "13800002001", "source": "event", "branch": world["branches"][0].pk,
        "owner": advisor.pk})
    text = page.content.decode()
    assert page.status_code == 200 and "已是客户" not in text and other.name not in text
    assert DuplicateLookup.objects.count() == 2 and not Prospect.objects.exists()
    listing = reverse("admin:acquisition_duplicatelookup_changelist")
    assert login(world["staff"][Role.HEAD_OFFICE]).get(listing).status_code == 200
    assert login(advisor).get(listing).status_code == 403


def test_a_user_who_keeps_hitting_numbers_known_elsewhere_is_stopped_for_the_hour(world):
    cache.clear()
    for _attempt in range(DUPLICATE_LOOKUPS_PER_HOUR):
        with pytest.raises(DomainError) as refused:
            enter(world, role=Role.ADVISOR, phone="13800002001", id_number="")
        assert refused.value.code == "duplicate"
    with pytest.raises(DomainError) as stopped:
        enter(world, role=Role.ADVISOR, phone="13800002001", id_number="")
    assert (stopped.value.code, stopped.value.status) == ("too_many", 429)
    # A number of the user's own scope is still named: the limit is on what lies outside it.
    with pytest.raises(DomainError) as own:
        enter(world, role=Role.ADVISOR, phone="13800001001", id_number="")
    assert own.value.code == "duplicate" and "1001" in own.value.message


def test_the_import_preview_names_no_one_outside_the_scope(world):
    cache.clear()
    data = ("姓名,手机号码,来源,营业部代码\n钱某,13800002001,网站,A01\n孙某,13800001001,网站,A01\n").encode()
    rows = prospects_import(user=world["staff"][Role.BRANCH_MANAGER].user, data=data, filename="list.csv",
                            commit=False)
    assert "2001" not in " ".join(rows[0]["problems"]) and "1001" in " ".join(rows[1]["problems"])
    assert DuplicateLookup.objects.count() == 1  # kept although the preview wrote nothing
