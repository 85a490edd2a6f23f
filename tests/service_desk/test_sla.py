"""S12: SLA deadlines in service hours on the trading calendar, paused while waiting for the client, and the sweep
that warns and escalates (docs/rules-added.md S12). The calendar is the seeded 2026 one: 30 September is the last
trading day before National Day (no night session that evening), 8 October the first after it."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from clients.roles import Role
from service_desk import services
from service_desk.models import ServiceWindow, Team, Ticket, TicketEvent
from service_log.models import Notification
from settlement.calendar import calendar_day_set
from tests.factories import make_staff
from tests.fixtures.times import local

MICROSECOND = datetime.timedelta(microseconds=1)


def open_ticket(world, category, at, *, channel="email", name="own"):
    return services.ticket_open(user=world["staff"][Role.SERVICE_STAFF].user, client_id=world["clients"][name].pk,
                                category_id=category.pk, subject="转账未到账", channel=channel, opened_at=at)


def test_a_deadline_that_ends_exactly_at_the_end_of_service_hours_is_that_end(world, category):
    ticket = open_ticket(world, category, local("2026-09-29", "14:30"))
    assert ticket.first_response_due == local("2026-09-29", "15:00")
    assert ticket.resolution_due == local("2026-09-29", "15:30")  # not 21:00, the night window's start
    assert ticket.first_response_warn_at == local("2026-09-29", "14:50")


def test_one_minute_more_runs_into_the_night_session_when_the_next_day_trades(world, category):
    ticket = open_ticket(world, category, local("2026-09-29", "14:31"))
    assert ticket.resolution_due == local("2026-09-29", "21:01")


def test_no_night_session_before_a_holiday_and_the_holiday_does_not_count(world, category):
    ticket = open_ticket(world, category, local("2026-09-30", "15:00"))
    assert ticket.first_response_due == local("2026-09-30", "15:30")
    assert ticket.resolution_due == local("2026-10-08", "09:00")


def test_a_ticket_opened_outside_service_hours_counts_from_the_next_opening(world, category):
    ticket = open_ticket(world, category, local("2026-10-10", "11:00"))  # a Saturday
    assert ticket.first_response_due == local("2026-10-12", "09:00")


def test_the_night_window_ends_the_next_morning(world, category):
    ticket = open_ticket(world, category, local("2026-09-29", "02:10"))  # inside Monday night's session
    assert ticket.first_response_due == local("2026-09-29", "08:40")  # 30 min: 02:10–02:30, then 08:30–08:40


def test_waiting_for_the_client_pauses_the_resolution_across_a_holiday(world, category):
    category.sla_targets.filter(priority="normal").update(resolution_minutes=420)
    user = world["staff"][Role.SERVICE_STAFF].user
    ticket = open_ticket(world, category, local("2026-09-30", "09:00"))
    assert ticket.resolution_due == local("2026-10-08", "08:30") + datetime.timedelta(minutes=30)
    waiting = services.ticket_step(user=user, ticket_id=ticket.pk, step="wait", text="请提供银行流水",
                                   now=local("2026-09-30", "10:00"))
    assert waiting.state == Ticket.State.WAITING
    assert waiting.first_response_at == local("2026-09-30", "10:00")  # asking the client is a response
    resumed = services.ticket_step(user=user, ticket_id=ticket.pk, step="resume", now=local("2026-10-08", "09:00"))
    # Paused 10:00–15:30 on the 30th and 08:30–09:00 on the 8th (6 service hours); the holiday counts for nothing.
    assert resumed.paused_seconds == 6 * 3600
    assert resumed.resolution_due == local("2026-10-08", "15:00")  # the 6 hours left, from 09:00
    assert resumed.waiting_since is None


def test_a_reopened_ticket_goes_on_from_its_resolution_and_counts_as_reopened(world, category):
    user = world["staff"][Role.SERVICE_STAFF].user
    ticket = open_ticket(world, category, local("2026-09-29", "09:00"))
    services.ticket_step(user=user, ticket_id=ticket.pk, step="resolve", text="已到账",
                         now=local("2026-09-29", "09:20"))
    reopened = services.ticket_step(user=user, ticket_id=ticket.pk, step="reopen", text="客户称仍未到账",
                                    now=local("2026-09-29", "14:00"))
    assert reopened.state == Ticket.State.IN_PROGRESS and reopened.reopened == 1
    assert reopened.resolved_at is None and reopened.resolution == ""
    # 20 minutes were used before the resolution; 40 are left from the reopening.
    assert reopened.resolution_due == local("2026-09-29", "14:40")
    with pytest.raises(services.DomainError, match="in progress cannot take this step"):
        services.ticket_step(user=user, ticket_id=ticket.pk, step="reopen", text="再次")
    services.ticket_step(user=user, ticket_id=ticket.pk, step="resolve", text="已到账",
                         now=local("2026-09-29", "14:30"))
    with pytest.raises(services.DomainError, match="why the ticket is reopened"):
        services.ticket_step(user=user, ticket_id=ticket.pk, step="reopen", text="  ")


def test_a_calendar_change_moves_the_deadlines(world, category):
    ticket = open_ticket(world, category, local("2026-09-30", "15:00"))
    calendar_day_set(datetime.date(2026, 10, 8), trading=False, note="交易所临时休市")
    services.service_intervals_rebuild()
    ticket.refresh_from_db()
    assert ticket.resolution_due == local("2026-10-09", "09:00")


def test_overlapping_service_windows_are_refused(db):
    window = ServiceWindow(name="午间", starts=datetime.time(15, 0), ends=datetime.time(16, 0))
    with pytest.raises(ValidationError, match="overlap"):
        window.full_clean()
    night = ServiceWindow(name="凌晨", starts=datetime.time(2, 0), ends=datetime.time(3, 0))
    with pytest.raises(ValidationError, match="overlap"):  # inside the night window that started the evening before
        night.full_clean()
    ServiceWindow(name="午后", starts=datetime.time(15, 30), ends=datetime.time(16, 0)).full_clean()  # touching is fine


class TestSweep:
    @pytest.fixture
    def setup(self, world, category):
        exceptions = Team.objects.get(handles_exceptions=True)
        member = make_staff(Role.SERVICE_STAFF, world["branches"][1], "EXC1")
        exceptions.members.add(member)
        ticket = open_ticket(world, category, local("2026-09-29", "09:00"))
        return ticket, exceptions, member

    def test_warned_once_at_the_warning_time_not_before(self, world, setup):
        ticket, _team, _member = setup
        owner = world["staff"][Role.SERVICE_STAFF].user
        assert services.sla_sweep(local("2026-09-29", "09:20") - MICROSECOND)["warn_first_response"] == 0
        assert services.sla_sweep(local("2026-09-29", "09:20"))["warn_first_response"] == 1
        assert services.sla_sweep(local("2026-09-29", "09:21"))["warn_first_response"] == 0
        assert Notification.objects.filter(recipient=owner, text__contains="即将到期").count() == 1
        assert TicketEvent.objects.filter(ticket=ticket, kind="warned").count() == 1

    def test_exactly_at_the_deadline_is_in_time_a_microsecond_later_escalates_once(self, world, setup):
        ticket, exceptions, member = setup
        assert services.sla_sweep(local("2026-09-29", "09:30"))["breach_first_response"] == 0
        counts = services.sla_sweep(local("2026-09-29", "09:30") + MICROSECOND)
        assert counts["breach_first_response"] == 1
        ticket.refresh_from_db()
        assert ticket.team == exceptions and ticket.first_response_breached_at is not None
        told = set(Notification.objects.filter(text__contains="已超时").values_list("recipient_id", flat=True))
        assert told == {world["staff"][Role.SERVICE_STAFF].user_id, world["staff"][Role.BRANCH_MANAGER].user_id,
                        member.user_id}
        assert services.sla_sweep(local("2026-09-29", "09:31"))["breach_first_response"] == 0
        assert Notification.objects.filter(text__contains="已超时").count() == 3

    def test_a_response_exactly_at_the_deadline_is_never_breached(self, world, setup):
        ticket, _team, _member = setup
        Ticket.objects.filter(pk=ticket.pk).update(first_response_at=local("2026-09-29", "09:30"))
        assert services.sla_sweep(local("2026-09-29", "12:00"))["breach_first_response"] == 0

    def test_a_waiting_ticket_is_not_escalated(self, world, setup):
        ticket, _team, _member = setup
        services.ticket_step(user=world["staff"][Role.SERVICE_STAFF].user, ticket_id=ticket.pk, step="wait",
                             text="请补充材料", now=local("2026-09-29", "09:10"))
        counts = services.sla_sweep(local("2026-09-30", "12:00"))
        assert counts["breach_resolution"] == 0 and counts["breach_first_response"] == 0

    def test_resolved_for_a_week_is_closed(self, world, setup):
        ticket, _team, _member = setup
        services.ticket_step(user=world["staff"][Role.SERVICE_STAFF].user, ticket_id=ticket.pk, step="resolve",
                             text="已处理", now=local("2026-09-29", "09:10"))
        assert services.sla_sweep(local("2026-10-06", "09:10"))["closed"] == 0
        assert services.sla_sweep(local("2026-10-06", "09:10") + MICROSECOND)["closed"] == 1
        ticket.refresh_from_db()
        assert ticket.state == Ticket.State.CLOSED
