"""S11 tickets and domain O: who sees, opens and changes which ticket, on the queue, the page and its steps."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from service_desk import services
from service_desk.models import Ticket, TicketCategory
from service_log.models import Complaint
from tests.fixtures.pages import visible_text
from tests.fixtures.world import VISIBLE

STAFF_ROLES = [Role.ADVISOR, Role.SERVICE_STAFF, Role.RISK_OFFICER, Role.BRANCH_MANAGER, Role.HEAD_OFFICE]


@pytest.fixture
def tickets(world):
    """One ticket per world client, opened by head office and owned by nobody, and an unknown caller's ticket
    taken by branch A's service desk."""
    head_office = world["staff"][Role.HEAD_OFFICE].user
    category = TicketCategory.objects.get(code="trading_software")
    opened = {name: services.ticket_open(user=head_office, category_id=category.pk, subject=f"关于 {name}",
                                         client_id=client.pk, owner_id=None)
              for name, client in world["clients"].items()}
    for ticket in opened.values():
        Ticket.objects.filter(pk=ticket.pk).update(owner=None)
    opened["caller"] = services.ticket_open(user=world["staff"][Role.SERVICE_STAFF].user, category_id=category.pk,
                                            subject="未知来电", caller_phone="13900000000")
    return opened


# A's service desk took the unknown call: its owner and branch A see it; advisors see only their clients'.
VISIBLE_TICKETS = {role: VISIBLE[role] | ({"caller"} if role in {Role.SERVICE_STAFF, Role.RISK_OFFICER,
                                                                   Role.BRANCH_MANAGER, Role.HEAD_OFFICE} else set())
                   for role in VISIBLE}


@pytest.mark.parametrize("role", list(VISIBLE_TICKETS))
def test_the_queryset_is_the_scope(world, tickets, role):
    user = world["staff"][role].user
    seen = set(Ticket.objects.visible_to(user).values_list("pk", flat=True))
    assert seen == {tickets[name].pk for name in VISIBLE_TICKETS[role]}


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_queue_and_the_pages_show_only_the_scope(world, tickets, login, role):
    browser = login(world["staff"][role])
    queue = browser.get(reverse("admin:service_desk_ticket_changelist"))
    assert queue.status_code == 200
    listed = {ticket.pk for ticket in queue.context["cl"].result_list}
    assert listed == {tickets[name].pk for name in VISIBLE_TICKETS[role]}
    for name, ticket in tickets.items():
        page = browser.get(reverse("admin:service_desk_ticket_change", args=[ticket.pk]))
        assert page.status_code == (200 if name in VISIBLE_TICKETS[role] else 302), (name, page.status_code)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_a_step_outside_the_scope_is_refused_and_changes_nothing(world, tickets, login, role):
    browser = login(world["staff"][role])
    for name, ticket in tickets.items():
        if name in VISIBLE_TICKETS[role]:
            continue
        response = browser.post(reverse("admin:service_desk_ticket_act", args=[ticket.pk]),
                                {"action": "resolve", "text": "越权"})
        assert response.status_code == 404
        assert Ticket.objects.get(pk=ticket.pk).state == Ticket.State.NEW
        with pytest.raises(PermissionDenied):
            services.ticket_reply(user=world["staff"][role].user, ticket_id=ticket.pk, text="越权")


def test_the_settlement_system_has_no_desk(world, tickets, login):
    assert not Ticket.objects.visible_to(world["staff"][Role.SETTLEMENT_SYSTEM].user).exists()
    assert login(world["staff"][Role.SETTLEMENT_SYSTEM]).get(
        reverse("admin:service_desk_ticket_changelist")).status_code in {302, 403}


def test_a_ticket_cannot_be_opened_for_another_branchs_client_or_given_to_its_staff(world):
    user = world["staff"][Role.SERVICE_STAFF].user
    category = TicketCategory.objects.get(code="trading_software")
    with pytest.raises(PermissionDenied):
        services.ticket_open(user=user, category_id=category.pk, subject="x",
                             client_id=world["clients"]["other_branch"].pk)
    with pytest.raises(PermissionDenied):
        services.ticket_open(user=user, category_id=category.pk, subject="x", client_id=world["clients"]["own"].pk,
                             owner_id=world["advisors"][2].pk)
    assert not Ticket.objects.exists()


def test_the_admin_form_refuses_another_branchs_client_and_needs_a_client_or_a_number(world, login):
    browser = login(world["staff"][Role.SERVICE_STAFF])
    category = TicketCategory.objects.get(code="trading_software")
    form = {"channel": "hotline", "category": category.pk, "priority": "normal", "subject": "行情软件登录失败",
            "description": "", "caller_number": ""}
    url = reverse("admin:service_desk_ticket_add")
    other = browser.post(url, {**form, "client": world["clients"]["other_branch"].pk})
    assert other.status_code == 200 and "client" in other.context["adminform"].form.errors
    nobody = browser.post(url, form)
    assert nobody.status_code == 200 and "client" in nobody.context["adminform"].form.errors
    bad_number = browser.post(url, {**form, "caller_number": "12345"})
    assert "caller_number" in bad_number.context["adminform"].form.errors
    assert not Ticket.objects.exists()
    made = browser.post(url, {**form, "caller_number": "13900000000"})
    assert made.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.owner == world["staff"][Role.SERVICE_STAFF] and ticket.caller_phone_last4 == "0000"
    assert ticket.first_response_at == ticket.opened_at  # a hotline caller is answered on the call (S12)


def test_the_state_machine_and_its_refusals(world, tickets):
    user = world["staff"][Role.SERVICE_STAFF].user
    ticket = tickets["own"]
    with pytest.raises(services.DomainError, match="cannot take this step"):
        services.ticket_step(user=user, ticket_id=ticket.pk, step="resume")
    with pytest.raises(services.DomainError, match="asked for"):
        services.ticket_step(user=user, ticket_id=ticket.pk, step="wait", text="")
    services.ticket_reply(user=user, ticket_id=ticket.pk, text="您好，请问使用的是哪个交易软件？")
    ticket.refresh_from_db()
    assert ticket.state == Ticket.State.IN_PROGRESS and ticket.first_response_at is not None
    services.ticket_step(user=user, ticket_id=ticket.pk, step="resolve", text="已指导重新安装")
    with pytest.raises(services.DomainError, match="Reopen the ticket"):
        services.ticket_reply(user=user, ticket_id=ticket.pk, text="追加")
    closed = services.ticket_step(user=user, ticket_id=ticket.pk, step="close")
    assert closed.state == Ticket.State.CLOSED and closed.closed_at is not None
    reopened = services.ticket_step(user=user, ticket_id=ticket.pk, step="reopen", text="客户再次来电")
    assert reopened.state == Ticket.State.IN_PROGRESS and reopened.closed_at is None and reopened.reopened == 1


def test_an_unknown_caller_is_matched_among_the_visible_clients_with_the_number(world, tickets):
    user = world["staff"][Role.SERVICE_STAFF].user
    ticket = tickets["caller"]
    assert services.ticket_clients_with_caller_number(ticket, user) == []
    own = world["clients"]["own"]
    matched = services.ticket_client_set(user=user, ticket_id=ticket.pk, client_id=own.pk)
    assert matched.client == own and Ticket.objects.get(pk=ticket.pk).advisor == own.advisor
    with pytest.raises(services.DomainError, match="has its client already"):
        services.ticket_client_set(user=user, ticket_id=ticket.pk, client_id=world["clients"]["colleague"].pk)


def test_a_ticket_becomes_a_complaint_without_retyping(world, tickets):
    user = world["staff"][Role.SERVICE_STAFF].user
    ticket = tickets["own"]
    with pytest.raises(services.DomainError, match="Match the caller"):
        services.ticket_to_complaint(user=user, ticket_id=tickets["caller"].pk, category="service")
    complaint = services.ticket_to_complaint(user=user, ticket_id=ticket.pk, category="service")
    assert complaint.client == ticket.client and complaint.received_at == ticket.opened_at
    assert complaint.description.startswith(ticket.subject)
    assert Ticket.objects.get(pk=ticket.pk).complaint == complaint
    with pytest.raises(services.DomainError, match="complaint already"):
        services.ticket_to_complaint(user=user, ticket_id=ticket.pk, category="service")
    assert Complaint.objects.count() == 1


def test_assigning_moves_the_deadlines_with_the_priority_and_tells_the_new_owner(world, tickets):
    user = world["staff"][Role.BRANCH_MANAGER].user
    ticket = tickets["own"]
    before = ticket.resolution_due
    assigned = services.ticket_assign(user=user, ticket_id=ticket.pk, owner_id=world["advisors"][0].pk,
                                      priority="urgent")
    assert assigned.owner == world["advisors"][0] and assigned.priority == "urgent"
    assert assigned.resolution_due is not None and (before is None or assigned.resolution_due < before)
    assert world["advisors"][0].user.notifications.filter(text__contains=ticket.number).exists()



def test_a_new_category_moves_the_deadlines_to_its_targets(world, tickets):
    user = world["staff"][Role.SERVICE_STAFF].user
    ticket = tickets["own"]
    margin_call = TicketCategory.objects.get(code="margin_call")
    moved = services.ticket_assign(user=user, ticket_id=ticket.pk, owner_id=world["staff"][Role.SERVICE_STAFF].pk,
                                   category_id=margin_call.pk)
    assert moved.category == margin_call
    assert moved.first_response_due < ticket.first_response_due  # 追保/强平 is answered within 30 minutes, not 60
    retired = TicketCategory.objects.get(code="funds")
    TicketCategory.objects.filter(pk=retired.pk).update(active=False)
    with pytest.raises(services.DomainError, match="category in use"):
        services.ticket_assign(user=user, ticket_id=ticket.pk, owner_id=None, category_id=retired.pk)
    assert Ticket.objects.get(pk=ticket.pk).category == margin_call


def test_a_deadline_beyond_the_calendar_reads_the_same_on_the_page_and_in_the_queue(world, tickets, login):
    """S12 (issue 36): the queue said 超出交易日历 where the ticket's page said "—"."""
    ticket = tickets["own"]
    Ticket.objects.filter(pk=ticket.pk).update(resolution_due=None)
    browser = login(world["staff"][Role.HEAD_OFFICE])
    queue = visible_text(browser.get(reverse("admin:service_desk_ticket_changelist") + "?queue=open")
                         .content.decode())
    page = visible_text(browser.get(reverse("admin:service_desk_ticket_change", args=[ticket.pk])).content.decode())
    assert "超出交易日历" in queue and "超出交易日历" in page


def test_the_service_staff_see_their_ticket_queue_on_their_workbench(world, tickets, login):
    """Issue 36: the workbench of the service staff shows their tickets, the nearest SLA deadline first, with the
    breached ones counted; an advisor with no ticket of theirs is shown no queue."""
    desk = world["staff"][Role.SERVICE_STAFF]
    Ticket.objects.filter(pk=tickets["own"].pk).update(owner=desk)
    Ticket.objects.filter(pk=tickets["caller"].pk).update(resolution_breached_at=timezone.now())
    page = login(desk).get(reverse("workbench"))
    panel = page.context["panels"][0]
    assert [ticket.pk for ticket in panel["tickets"]] == sorted(
        [tickets["caller"].pk, tickets["own"].pk],
        key=lambda pk: (Ticket.objects.get(pk=pk).first_response_due, pk))
    assert (panel["count"], panel["breached"]) == (2, 1)
    text = visible_text(page.content.decode())
    assert "我的工单" in text and tickets["own"].reference in text
    assert login(world["staff"][Role.ADVISOR]).get(reverse("workbench")).context["panels"] == []
