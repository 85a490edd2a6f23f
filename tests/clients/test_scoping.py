"""Domain O permission matrix: for every role, what it can list, see and change — in the queryset, the admin
(list, change page, history, reveal, autocomplete, actions) and the API — and that refusals change nothing."""

import datetime

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, PiiAccessLog, StaffProfile
from clients.roles import Role
from core.admin_tools import ScopedAdminMixin
from risk.models import RiskThresholdSet
from tests.factories import AlertFactory
from tests.fixtures.scoping import ROLES, inline_management_forms
from tests.fixtures.world import VISIBLE

ADMIN_ROLES = [role for role in ROLES if role != Role.SETTLEMENT_SYSTEM]


def names_of(world, accounts):
    by_account = {client.account_no: name for name, client in world["clients"].items()}
    return {by_account[account] for account in accounts if account in by_account}


@pytest.mark.parametrize("role", ROLES)
def test_queryset_scope(world, role):
    user = world["staff"][role].user
    assert names_of(world, Client.objects.visible_to(user).values_list("account_no", flat=True)) == VISIBLE[role]


def test_anonymous_and_profileless_users_see_nothing(world, django_user_model):

    assert not Client.objects.visible_to(AnonymousUser()).exists()
    assert not Client.objects.visible_to(django_user_model.objects.create(username="nobody")).exists()
    assert not Client.objects.visible_to(None).exists()


def test_an_inactive_head_office_user_sees_nothing(world):
    user = world["staff"][Role.HEAD_OFFICE].user
    user.is_active = False
    assert not Client.objects.visible_to(user).exists()


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_admin_list_shows_only_visible_clients(world, login, role):
    response = login(world["staff"][role]).get(reverse("admin:clients_client_changelist"))
    assert response.status_code == 200
    listed = {client.account_no for client in response.context["cl"].result_list}
    assert names_of(world, listed) == VISIBLE[role]


def test_settlement_system_cannot_use_the_admin(world, login):
    response = login(world["staff"][Role.SETTLEMENT_SYSTEM]).get(reverse("admin:clients_client_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("target", ["own", "colleague", "other_branch"])
def test_admin_change_page_and_history(world, login, role, target):
    client = world["clients"][target]
    browser = login(world["staff"][role])
    page = browser.get(reverse("admin:clients_client_change", args=[client.pk]))
    history = browser.get(reverse("admin:clients_client_history", args=[client.pk]))
    if target in VISIBLE[role]:
        assert page.status_code == 200
        assert history.status_code == 200
        assert client.name in page.content.decode()
    else:
        assert page.status_code == 302  # the admin answers "does not exist" and redirects
        assert history.status_code == 404
        assert client.name not in page.content.decode()


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("target", ["own", "colleague", "other_branch"])
def test_admin_change_is_refused_outside_scope_and_changes_nothing(world, login, role, target):
    client = world["clients"][target]
    browser = login(world["staff"][role])
    url = reverse("admin:clients_client_change", args=[client.pk])
    form = {"investor_category": "professional", "risk_tolerance": "C5", "marketing_opt_in": "on",
            **inline_management_forms(world)}
    response = browser.post(url, form)
    client.refresh_from_db()
    may_change = target in VISIBLE[role] and role != Role.RISK_OFFICER
    if may_change:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert client.risk_tolerance == "C5"
    else:
        assert response.status_code in {302, 403}
        assert client.risk_tolerance == ""
        assert client.investor_category == "ordinary"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", ["own", "colleague", "other_branch"])
@pytest.mark.parametrize("field", ["phone", "id_number"])
def test_reveal_needs_permission_and_scope_and_is_logged(world, login, role, target, field):
    client = world["clients"][target]
    user = world["staff"][role].user
    response = login(world["staff"][role]).post(reverse("admin:clients_client_reveal", args=[client.pk, field]))
    allowed = target in VISIBLE[role] and user.has_perm(f"clients.reveal_{field}")
    logs = PiiAccessLog.objects.filter(user=user, client=client, field=field)
    if allowed:
        assert response.status_code == 200
        expected = client.decrypted_phone() if field == "phone" else client.decrypted_id_number()
        assert response.json() == {"value": expected}
        assert logs.count() == 1
    else:
        assert response.status_code in {302, 403}  # 302: not admin staff at all (settlement system)
        assert logs.count() == 0


def test_reveal_needs_post(world, login):
    client = world["clients"]["own"]
    url = reverse("admin:clients_client_reveal", args=[client.pk, "phone"])
    response = login(world["staff"][Role.ADVISOR]).get(url)
    assert response.status_code == 405
    assert not PiiAccessLog.objects.exists()


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_marketer_autocomplete_offers_only_visible_staff(world, login, role):
    response = login(world["staff"][role]).get(
        reverse("admin:autocomplete"),
        {"app_label": "clients", "model_name": "client", "field_name": "marketer", "term": ""},
    )
    offered = {int(result["id"]) for result in response.json()["results"]} if response.status_code == 200 else set()
    visible = set(StaffProfile.objects.visible_to(world["staff"][role].user).values_list("pk", flat=True))
    assert offered <= visible
    assert world["advisors"][2].pk not in offered or role == Role.HEAD_OFFICE


def assign(browser, clients, advisor):
    return browser.post(reverse("admin:clients_client_changelist"), {
        "action": "assign_advisor", "_selected_action": [client.pk for client in clients],
        "advisor": advisor.pk, "apply": "1",
    })  # fmt: skip


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_assign_advisor_action(world, login, role):
    """Only branch managers and head office may assign; within their scope; to an advisor of the client's branch."""
    own, colleague = world["clients"]["own"], world["clients"]["colleague"]
    advisor_2 = world["advisors"][1]
    assign(login(world["staff"][role]), [own], advisor_2)
    own.refresh_from_db()
    if role in {Role.BRANCH_MANAGER, Role.HEAD_OFFICE}:
        assert own.advisor == advisor_2
    else:
        assert own.advisor == world["advisors"][0]
    assert colleague.advisor == advisor_2  # untouched either way


def test_branch_manager_cannot_assign_another_branchs_client(world, login):
    other = world["clients"]["other_branch"]
    assign(login(world["staff"][Role.BRANCH_MANAGER]), [other], world["advisors"][0])
    other.refresh_from_db()
    assert other.advisor == world["advisors"][2]


def test_assigning_an_advisor_of_another_branch_changes_nothing(world, login):
    own, other = world["clients"]["own"], world["clients"]["other_branch"]
    response = assign(login(world["staff"][Role.HEAD_OFFICE]), [own, other], world["advisors"][2])
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.advisor == world["advisors"][0]  # all or nothing: the branch-B client did not move either
    assert response.status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_api_client_list_and_detail(world, login, role):
    browser = login(world["staff"][role])
    response = browser.get("/api/v1/clients/", {"page_size": 1000})
    assert response.status_code == 200
    listed = {row["account_no"] for row in response.json()["results"]}
    assert names_of(world, listed) == VISIBLE[role]
    for name, client in world["clients"].items():
        detail = browser.get(f"/api/v1/clients/{client.account_no}/")
        assert detail.status_code == (200 if name in VISIBLE[role] else 404)


def test_api_refuses_anonymous(world, client):
    assert client.get("/api/v1/clients/").status_code == 401


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_pii_access_log_is_scoped(world, login, role):
    head_office = world["staff"][Role.HEAD_OFFICE]
    for client in world["clients"].values():
        PiiAccessLog.objects.create(user=head_office.user, client=client, field="phone")
    response = login(world["staff"][role]).get(reverse("admin:clients_piiaccesslog_changelist"))
    if role == Role.HEAD_OFFICE:
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == 3
    else:
        assert response.status_code == 403  # only head office reads the access log


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_history_version_page_is_scoped(world, login, role):
    client = world["clients"]["other_branch"]
    version = client.history.latest()
    url = reverse("admin:clients_client_simple_history", args=[client.pk, version.history_id])
    response = login(world["staff"][role]).get(url)
    assert response.status_code == (200 if role == Role.HEAD_OFFICE else 404)


# Alerts (R2) and settlement pages ----------------------------------------------------------------------------------

@pytest.fixture
def alerts(world):


    thresholds = RiskThresholdSet.objects.get(version=1)
    now = timezone.now()
    return {
        name: AlertFactory(client=client, trade_date=datetime.date(2026, 11, 20), kind="margin_call",
                                   severity="high", thresholds=thresholds, raised_at=now, due_at=now)
        for name, client in world["clients"].items()
    }


@pytest.mark.parametrize("role", ROLES)
def test_api_alert_list_is_scoped(world, alerts, login, role):
    browser = login(world["staff"][role])
    response = browser.get("/api/v1/alerts/", {"page_size": 1000, "trade_date": "2026-11-20"})
    assert response.status_code == 200
    listed = {row["account_no"] for row in response.json()["results"]}
    assert names_of(world, listed) == VISIBLE[role]
    for name, alert in alerts.items():
        assert browser.get(f"/api/v1/alerts/{alert.pk}/").status_code == (200 if name in VISIBLE[role] else 404)


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_admin_alert_list_and_pages_are_scoped(world, alerts, login, role):
    browser = login(world["staff"][role])
    response = browser.get(reverse("admin:risk_alert_changelist"))
    assert response.status_code == 200
    assert names_of(world, {alert.client.account_no for alert in response.context["cl"].result_list}) == VISIBLE[role]
    for name, alert in alerts.items():
        page = browser.get(reverse("admin:risk_alert_change", args=[alert.pk]))
        assert page.status_code == (200 if name in VISIBLE[role] else 302)


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("page", ["admin:settlement_settlementday_changelist", "admin:settlement_apitoken_changelist",
                                  "admin:settlement_tradingday_changelist"])
def test_settlement_pages_are_head_office_only(world, login, role, page):
    response = login(world["staff"][role]).get(reverse(page))
    allowed = role == Role.HEAD_OFFICE or (role == Role.RISK_OFFICER and "tradingday" in page)
    assert response.status_code == (200 if allowed else 403)


def test_every_admin_of_a_scoped_model_goes_through_visible_to(world):
    """Row scoping is enforced once, in querysets: any model whose manager has visible_to must be listed by an
    admin that uses it, so a new admin page cannot forget the scope."""
    request = RequestFactory().get("/")
    request.user = world["staff"][Role.ADVISOR].user
    checked = []
    for model, model_admin in django_admin.site._registry.items():
        if not hasattr(model._default_manager, "visible_to"):
            continue
        assert isinstance(model_admin, ScopedAdminMixin), f"{model.__name__} admin is not scoped"
        expected, listed = model._default_manager.visible_to(request.user), model_admin.get_queryset(request)
        if expected.query.is_empty():  # a scope that gives this role nothing (an advisor's return visits, A5)
            assert listed.query.is_empty()
        else:
            assert str(listed.order_by().query) == str(expected.order_by().query)
        checked.append(model.__name__)
    assert {"Client", "Alert", "TierAssignment", "ContactRecord", "Complaint", "SurveyResponse"} <= set(checked)
