"""S17 service KPIs and scorecards: the stored durations, the month's figures at their boundaries, scope and export."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from service_desk import services
from service_desk.kpis import firm_kpis_refresh, kpi_key, service_kpis
from service_desk.models import Ticket
from tests.fixtures.times import local

SEPTEMBER = datetime.date(2026, 9, 1)
MICROSECOND = datetime.timedelta(microseconds=1)


def opened(world, category, at, name="own", user_role=Role.SERVICE_STAFF):
    user = world["staff"][user_role].user
    return services.ticket_open(user=user, category_id=category.pk, subject="银期转账未到账", channel="wechat",
                                client_id=world["clients"][name].pk, opened_at=at)


def test_the_durations_are_stored_in_service_seconds_whoever_writes(world, category):
    ticket = opened(world, category, local("2026-09-30", "15:20"))
    Ticket.objects.filter(pk=ticket.pk).update(first_response_at=local("2026-10-08", "08:40"))  # over the holiday
    ticket.refresh_from_db()
    assert ticket.first_response_seconds == 20 * 60  # 15:20–15:30, then 08:30–08:40
    services.ticket_step(user=world["staff"][Role.SERVICE_STAFF].user, ticket_id=ticket.pk, step="wait",
                         text="请提供流水", now=local("2026-10-08", "09:00"))
    resolved = services.ticket_step(user=world["staff"][Role.SERVICE_STAFF].user, ticket_id=ticket.pk,
                                    step="resolve", text="已到账", now=local("2026-10-08", "10:00"))
    assert resolved.resolution_seconds == (10 + 30) * 60  # 40 service minutes less the hour waiting


@pytest.fixture
def september(world, category):
    """Branch A's desk: three tickets resolved in September (one exactly at its deadline, one a microsecond late and
    reopened before), one resolved on 1 October at 00:00 local (October's); branch B's one."""
    user = world["staff"][Role.SERVICE_STAFF].user
    made = []
    for minutes in [10, 20, 60]:  # to the first response
        ticket = opened(world, category, local("2026-09-29", "09:00"))
        Ticket.objects.filter(pk=ticket.pk).update(first_response_at=local("2026-09-29", "09:00")
                                                   + datetime.timedelta(minutes=minutes))
        made.append(ticket)
    services.ticket_step(user=user, ticket_id=made[0].pk, step="resolve", text="a", now=local("2026-09-29", "09:30"))
    services.ticket_step(user=user, ticket_id=made[1].pk, step="resolve", text="b",
                         now=local("2026-09-29", "10:00"))  # exactly at the 60-minute deadline
    services.ticket_step(user=user, ticket_id=made[2].pk, step="resolve", text="c", now=local("2026-09-29", "09:40"))
    services.ticket_step(user=user, ticket_id=made[2].pk, step="reopen", text="d", now=local("2026-09-29", "09:50"))
    services.ticket_step(user=user, ticket_id=made[2].pk, step="resolve", text="e",
                         now=local("2026-09-29", "10:10") + MICROSECOND)  # 20 + 20 paused... past its deadline
    october = opened(world, category, local("2026-09-30", "09:00"))
    Ticket.objects.filter(pk=october.pk).update(resolved_at=local("2026-10-01", "00:00"), state="resolved")
    other = opened(world, category, local("2026-09-29", "09:00"), name="other_branch", user_role=Role.HEAD_OFFICE)
    services.ticket_step(user=world["staff"][Role.HEAD_OFFICE].user, ticket_id=other.pk, step="resolve", text="f",
                         now=local("2026-09-29", "09:05"))
    return made


def card_of(cards, name):
    return next(card for card in cards if card.name == name)


def test_the_months_scorecard_of_the_desk(world, september):
    data = service_kpis(world["staff"][Role.BRANCH_MANAGER].user, SEPTEMBER)
    desk = card_of(data["staff"], str(world["staff"][Role.SERVICE_STAFF]))
    assert desk.handled == 3 and desk.opened == 4  # October's resolution is not September's
    assert desk.first_response_median == 20 and desk.first_response_p90 == pytest.approx(52)  # 10, 20, 60 (+ none)
    assert desk.within_sla == 2 and desk.sla_rate == pytest.approx(200 / 3)  # at the deadline is in time
    assert desk.reopened == 1
    assert desk.resolution_median == 60
    assert [(card.name, card.handled) for card in data["branches"]] == [(str(world["branches"][0]), 3)]


def test_head_office_sees_every_branch_and_the_total(world, september):
    data = service_kpis(world["staff"][Role.HEAD_OFFICE].user, SEPTEMBER)
    assert [card.handled for card in data["branches"]] == [3, 1]
    assert data["total"].handled == 4 and data["total"].within_sla == 3


@pytest.mark.parametrize(("role", "status"), [(Role.ADVISOR, 403), (Role.SERVICE_STAFF, 403),
                                              (Role.RISK_OFFICER, 403), (Role.BRANCH_MANAGER, 200),
                                              (Role.HEAD_OFFICE, 200)])
def test_the_dashboard_and_its_export_are_for_managers_and_head_office(world, login, role, status):
    browser = login(world["staff"][role])
    assert browser.get(reverse("service-kpis")).status_code == status
    assert browser.get(reverse("service-kpis-export", args=["csv"])).status_code == status


def test_the_page_drills_down_to_the_tickets_and_the_export_says_the_same(world, september, login):
    browser = login(world["staff"][Role.BRANCH_MANAGER])
    page = browser.get(reverse("service-kpis") + "?month=2026-09")
    desk = world["staff"][Role.SERVICE_STAFF]
    link = f"?owner__id__exact={desk.pk}&resolved_at__gte=2026-09-01&resolved_at__lt=2026-10-01"
    assert link in page.content.decode().replace("&amp;", "&")
    drilled = browser.get(reverse("admin:service_desk_ticket_changelist") + link)
    assert drilled.status_code == 200
    assert {ticket.pk for ticket in drilled.context["cl"].result_list} == {ticket.pk for ticket in september}
    export = browser.get(reverse("service-kpis-export", args=["csv"]) + "?month=2026-09").content.decode("utf-8-sig")
    desk_line = next(line for line in export.splitlines() if line.startswith(str(desk)))
    assert desk_line.split(",")[1:4] == ["3", "20.0", "52.0"]
    assert "乙营业部" not in export
    workbook = browser.get(reverse("service-kpis-export", args=["xlsx"]) + "?month=2026-09")
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_page_reads_the_month_once_a_minute_and_says_as_of_when(world, september, login, category):
    browser = login(world["staff"][Role.HEAD_OFFICE])
    first = browser.get(reverse("service-kpis") + "?month=2026-09")
    assert first.context["total"]["card"].handled == 4 and "截至" in first.content.decode()
    late = opened(world, category, local("2026-09-29", "11:00"))
    services.ticket_step(user=world["staff"][Role.SERVICE_STAFF].user, ticket_id=late.pk, step="resolve", text="g",
                         now=local("2026-09-29", "11:10"))
    assert browser.get(reverse("service-kpis") + "?month=2026-09").context["total"]["card"].handled == 4
    manager = login(world["staff"][Role.BRANCH_MANAGER]).get(reverse("service-kpis") + "?month=2026-09")
    assert manager.context["total"]["card"].handled == 4  # another scope reads its own: branch A's 3 and the new one
    cache.clear()  # a minute later
    assert login(world["staff"][Role.HEAD_OFFICE]).get(
        reverse("service-kpis") + "?month=2026-09").context["total"]["card"].handled == 5


def test_head_office_reads_the_firms_months_as_beat_leaves_them(world, september, login, category,
                                                               django_capture_on_commit_callbacks):
    """S17: beat computes the firm-wide months so no reader waits; a finished month is kept until the nightly run
    or a reopened ticket of that month drops it, and the next minute's run computes it again."""
    cache.clear()
    computed = firm_kpis_refresh()
    assert computed[0] == f"{timezone.localdate():%Y-%m}" and "2026-09" in computed and len(computed) == 13
    current, finished = (cache.make_and_validate_key(kpi_key(month, "everyone")) for month in (timezone.localdate(),
                                                                                              SEPTEMBER))
    redis = cache._cache.get_client(current)
    assert 60 < redis.ttl(current) <= 120 and redis.ttl(finished) == -1  # the current month lapses without beat
    late = opened(world, category, local("2026-09-29", "11:00"))
    desk = world["staff"][Role.SERVICE_STAFF].user
    services.ticket_step(user=desk, ticket_id=late.pk, step="resolve", text="g", now=local("2026-09-29", "11:10"))
    cache.delete(kpi_key(SEPTEMBER, "staff-x"))  # nothing else is read from the tickets
    page = login(world["staff"][Role.HEAD_OFFICE]).get(reverse("service-kpis") + "?month=2026-09")
    assert page.context["total"]["card"].handled == 4  # beat's September, not the tickets
    assert firm_kpis_refresh() == [f"{timezone.localdate():%Y-%m}"]  # finished months present: not again
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_step(user=desk, ticket_id=september[0].pk, step="reopen", text="again",
                             now=local("2026-09-29", "12:00"))
    assert cache.get(kpi_key(SEPTEMBER, "everyone")) is None
    assert "2026-09" in firm_kpis_refresh()
    assert cache.get(kpi_key(SEPTEMBER, "everyone"))["total"].handled == 4  # the late one in, the reopened one out
    assert "2026-09" in firm_kpis_refresh(finished=True)
