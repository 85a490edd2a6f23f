"""S26 account-opening appointments (预约开户): booked in scope on a trading day's counter hours without overlap, the
prospect then 已预约开户; cancelled, done or not come; a reminder SMS the day before; the branch's calendar."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from acquisition.models import Appointment, Prospect
from acquisition.services import appointment_book, appointment_mark, appointment_reminders_send
from clients.roles import Role
from core.errors import DomainError
from core.sms import LocmemBackend
from settlement.models import TradingDay
from tests.factories import valid_id_card
from tests.fixtures.prospects import enter


@pytest.fixture
def day(db):
    """The next trading day after tomorrow (so every time on it is to come), and the trading day before it."""
    days = list(TradingDay.objects.trading().filter(date__gt=timezone.localdate() + datetime.timedelta(days=1))
                .order_by("date").values_list("date", flat=True)[:1])
    before = (TradingDay.objects.trading().filter(date__lt=days[0]).order_by("-date")
              .values_list("date", flat=True).first())
    return days[0], before


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def book(world, when, role=Role.BRANCH_MANAGER, prospect=None, staff=None):
    prospect = prospect or enter(world)
    return appointment_book(user=world["staff"][role].user, prospect_id=prospect.pk, starts_at=when,
                            staff_id=(staff or world["staff"][Role.SERVICE_STAFF]).pk, note="带身份证和银行卡")


def test_a_booking_makes_the_prospect_booked_with_the_step(world, day):
    appointment = book(world, at(day[0], 9))
    prospect = Prospect.objects.get(pk=appointment.prospect_id)
    assert prospect.stage == "appointment" and appointment.branch == world["branches"][0]
    assert list(prospect.steps.values_list("stage", flat=True)) == ["new", "appointment"]


@pytest.mark.parametrize(("hour", "minute", "ok"), [(9, 0, True), (8, 59, False), (16, 30, True), (16, 31, False)])
def test_the_counter_hours_bound_a_booking(world, day, hour, minute, ok):
    if ok:
        assert book(world, at(day[0], hour, minute)).state == "booked"
    else:
        with pytest.raises(DomainError) as refused:
            book(world, at(day[0], hour, minute))
        assert refused.value.field == "starts_at" and not Appointment.objects.exists()


def test_one_person_receives_one_prospect_at_a_time_and_only_on_trading_days(world, day):
    book(world, at(day[0], 10))
    second = enter(world, name="钱潜客", phone="13900004444", id_number="")
    with pytest.raises(DomainError) as overlap:
        book(world, at(day[0], 10, 29), prospect=second)
    assert overlap.value.code == "overlap"
    assert book(world, at(day[0], 10, 30), prospect=second).state == "booked"  # exactly the next slot
    saturday = day[0] + datetime.timedelta(days=(5 - day[0].weekday()) % 7 or 7)
    with pytest.raises(DomainError):
        book(world, at(saturday, 10), prospect=enter(world, name="孙潜客", phone="13900005555", id_number=""))


def test_the_scope_bounds_the_prospect_and_the_staff(world, day):
    prospect = enter(world)
    with pytest.raises(DomainError) as other_branch:  # staff of another branch than the prospect's
        book(world, at(day[0], 11), role=Role.HEAD_OFFICE, prospect=prospect, staff=world["advisors"][2])
    assert other_branch.value.field == "staff"
    with pytest.raises(PermissionDenied):  # the colleague does not own the prospect
        appointment_book(user=world["advisors"][1].user, prospect_id=prospect.pk, starts_at=at(day[0], 11),
                         staff_id=world["advisors"][1].pk)


def test_cancelled_before_its_time_done_or_not_come_once_begun(world, day):
    appointment = book(world, at(day[0], 14))
    manager = world["staff"][Role.BRANCH_MANAGER].user
    with pytest.raises(DomainError):
        appointment_mark(user=manager, appointment_id=appointment.pk, state="done", now=at(day[0], 13, 59))
    assert appointment_mark(user=manager, appointment_id=appointment.pk, state="done",
                            now=at(day[0], 14)).state == "done"
    with pytest.raises(DomainError):  # a finished appointment stays as it was
        appointment_mark(user=manager, appointment_id=appointment.pk, state="cancelled", now=at(day[0], 15))
    other = book(world, at(day[0], 15), prospect=enter(world, name="钱潜客", phone="13900004444", id_number=""))
    with pytest.raises(DomainError):  # S26 (issue 36): once begun, it is done or not come, never cancelled
        appointment_mark(user=manager, appointment_id=other.pk, state="cancelled", now=at(day[0], 15))
    assert appointment_mark(user=manager, appointment_id=other.pk, state="cancelled",
                            now=at(day[0], 14, 59)).state == "cancelled"


def test_the_reminder_goes_the_day_before_once_and_a_missing_phone_is_kept(world, day, settings):
    settings.SMS_BACKEND = "core.sms.LocmemBackend"
    LocmemBackend.outbox.clear()
    appointment = book(world, at(day[0], 9, 30))
    no_phone = book(world, at(day[0], 11), prospect=enter(world, name="钱潜客", phone="",
                                                          id_number=valid_id_card("11010519491231003")))
    assert appointment_reminders_send(day[0] - datetime.timedelta(days=7)) == 0  # not yet
    assert appointment_reminders_send(day[1]) == 1
    assert appointment_reminders_send(day[1]) == 0  # once
    assert "09:30" in LocmemBackend.outbox[0].text and "赵潜客" in LocmemBackend.outbox[0].text
    assert Appointment.objects.get(pk=appointment.pk).reminded_at is not None
    assert Appointment.objects.get(pk=no_phone.pk).reminder_error != ""


@pytest.mark.parametrize(("role", "sees"), [
    (Role.ADVISOR, {"钱潜客"}), (Role.SERVICE_STAFF, {"赵潜客", "钱潜客"}),
    (Role.HEAD_OFFICE, {"赵潜客", "钱潜客", "孙潜客"}), (Role.RISK_OFFICER, None)])
def test_the_calendar_shows_each_role_its_scope(world, day, login, role, sees):
    book(world, at(day[0], 9))
    book(world, at(day[0], 10), prospect=enter(world, name="钱潜客", phone="13900004444", id_number=""),
         staff=world["advisors"][0])
    other = enter(world, role=Role.HEAD_OFFICE, name="孙潜客", phone="13900005555", id_number="",
                  branch_id=world["branches"][1].pk, owner_id=world["advisors"][2].pk)
    book(world, at(day[0], 9), role=Role.HEAD_OFFICE, prospect=other, staff=world["advisors"][2])
    page = login(world["staff"][role]).get(reverse("admin:acquisition_appointment_changelist"),
                                           {"starts_at__day": day[0].day, "starts_at__month": day[0].month,
                                            "starts_at__year": day[0].year})
    if sees is None:
        assert page.status_code == 403
        return
    content = page.content.decode()
    assert page.status_code == 200 and {n for n in ("赵潜客", "钱潜客", "孙潜客") if n in content} == sees


def test_the_booking_page_books_and_shows_a_refusal_on_the_time(world, day, login):
    prospect = enter(world)
    browser = login(world["staff"][Role.SERVICE_STAFF])
    form = {"prospect": prospect.pk, "staff": world["staff"][Role.SERVICE_STAFF].pk,
            "starts_at_0": day[0].isoformat(), "starts_at_1": "17:00:00", "note": ""}
    refused = browser.post(reverse("admin:acquisition_appointment_add"), form)
    assert refused.status_code == 200 and not Appointment.objects.exists()
    assert "errorlist" in refused.content.decode()
    booked = browser.post(reverse("admin:acquisition_appointment_add"), {**form, "starts_at_1": "16:30:00"})
    assert booked.status_code == 302 and Appointment.objects.get().starts_at == at(day[0], 16, 30)
