"""The trading calendar confirmed year by year (issue 16 item 4; C1–C4 in settlement/calendar.py and
docs/rules-added.md): the 2027 warning, the holiday notice imported with a preview (1 January 2027 becomes a closed
day), all or nothing with each bad row named, unsettled trading days flagged, and a changed day of a graded month
owing that month again."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation

from backoffice.workflows import OWED_WORK_RUNNERS
from clients.roles import Role
from core.errors import DomainError
from core.models import OwedWork
from core.owed import owed_work_sweep
from settlement.calendar import (
    CALENDAR_CHANGED,
    calendar_day_set,
    calendar_warnings,
    calendar_year_confirm,
    holiday_notice_apply,
    holiday_notice_preview,
    holiday_notice_read,
)
from settlement.models import CalendarYear, SettlementDay, TradingDay
from tests.factories import BranchFactory, SettlementDayFactory, make_staff
from tests.fixtures.tiering import OCTOBER, close, days_of, new_client, statements
from tiering.models import TierAssignment, TierMonth
from tiering.services import tiers_recalculate

NEW_YEAR_2027 = datetime.date(2027, 1, 1)
NOTICE_2027 = "holiday,first_day,last_day\n元旦,2027-01-01,2027-01-03\n春节,2027-02-06,2027-02-14\n"



@pytest.fixture(autouse=True)
def in_english():
    """The services' messages read here in English (the admin's tests below read them in Chinese, as staff do)."""
    with translation.override("en"):
        yield


def notice(text: str = NOTICE_2027) -> list:
    return holiday_notice_read(text.encode(), "notice.csv")


def test_2027_is_unconfirmed_from_the_first_of_november_and_not_before(db):
    assert calendar_warnings(datetime.date(2026, 10, 31)).unconfirmed_years == ()
    assert calendar_warnings(datetime.date(2026, 11, 1)).unconfirmed_years == (2027,)
    assert calendar_warnings(datetime.date(2026, 12, 31)).unconfirmed_years == (2027,)
    calendar_year_confirm(2027, notice="国办发明电〔2026〕X号")
    assert calendar_warnings(datetime.date(2026, 11, 1)).unconfirmed_years == ()
    # A year reached without confirmation is a warning all year.
    assert calendar_warnings(datetime.date(2028, 3, 1)).unconfirmed_years == (2028,)


def test_importing_the_notice_makes_new_years_day_2027_closed(db):
    assert TradingDay.objects.get(date=NEW_YEAR_2027).is_trading_day  # the seed knows no 2027 holidays
    changes = {change.date: change for change in holiday_notice_preview(notice())}
    assert changes[NEW_YEAR_2027].was_trading and not changes[NEW_YEAR_2027].trading
    assert changes[NEW_YEAR_2027].note == "元旦"
    spring = [day for day, change in changes.items() if change.was_trading and not change.trading and day.month == 2]
    assert spring == [datetime.date(2027, 2, day) for day in (8, 9, 10, 11, 12)]  # the weekdays of 6–14 February
    assert datetime.date(2027, 1, 4) not in changes  # the Monday after trades, as before
    assert TradingDay.objects.get(date=NEW_YEAR_2027).is_trading_day  # a preview writes nothing

    holiday_notice_apply(notice(), confirm=True, notice="2027 通知")
    day = TradingDay.objects.get(date=NEW_YEAR_2027)
    assert (day.is_trading_day, day.note) == (False, "元旦")
    assert CalendarYear.objects.get(year=2027).confirmed_at is not None
    assert holiday_notice_preview(notice()) == []  # imported twice: nothing more changes
    assert calendar_warnings(datetime.date(2026, 12, 2)).unconfirmed_years == ()


@pytest.mark.parametrize(("text", "named"), [
    ("holiday,first_day,last_day\n元旦,2027-01-01,2027-01-03\n春节,2027-02-31,2027-02-14\n", "Row 3: first_day"),
    ("holiday,first_day,last_day\n元旦,2027-01-03,2027-01-01\n", "Row 2, last_day: before first_day"),
    ("holiday,first_day,last_day\n,2027-01-01,2027-01-01\n", "Row 2: holiday is required"),
    ("holiday,first_day,last_day\n元旦,2027-12-31,2028-01-02\n", "Row 2, last_day: a range lies within one year"),
    ("holiday,first_day,last_day\n春节,2027-02-01,2027-03-05\n", "Row 2, last_day: a closure of more than a month"),
    ("holiday,first_day,last_day\n元旦,2027-01-01,2027-01-03\n又一个,2027-01-03,2027-01-04\n",
     "Row 3, first_day: overlaps row 2"),
    ("holiday,first_day\n元旦,2027-01-01\n", "no last_day column"),
    ("holiday,first_day,last_day\n", "no closed ranges"),
])  # fmt: skip
def test_a_bad_notice_names_its_row_and_field_and_writes_nothing(db, text, named):
    with pytest.raises(DomainError, match=named) as raised:
        notice(text)
    assert raised.value.status == 400
    assert TradingDay.objects.get(date=NEW_YEAR_2027).is_trading_day


def test_an_excel_notice_with_chinese_headers_reads_the_same(db):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["节日", "起", "止"])
    workbook.active.append(["元旦", datetime.datetime(2027, 1, 1), datetime.datetime(2027, 1, 3)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    ranges = holiday_notice_read(buffer.getvalue(), "2027.xlsx")
    assert [(r.row, r.name, r.first, r.last) for r in ranges] == [
        (2, "元旦", NEW_YEAR_2027, datetime.date(2027, 1, 3))]


def test_a_day_with_settlement_data_is_never_closed(db):
    SettlementDayFactory(trade_date=NEW_YEAR_2027)
    with pytest.raises(DomainError, match="Settlement data exists for 2027-01-01"):
        holiday_notice_apply(notice())
    with pytest.raises(DomainError, match="settlement data"):
        calendar_day_set(NEW_YEAR_2027, trading=False, note="交易所休市")
    assert TradingDay.objects.get(date=NEW_YEAR_2027).is_trading_day
    assert not OwedWork.objects.filter(job=CALENDAR_CHANGED).exists()


def test_a_trading_day_still_unsettled_three_trading_days_later_is_flagged(db):
    monday, tuesday, wednesday, thursday, friday = (datetime.date(2026, 11, day) for day in (16, 17, 18, 19, 20))
    for day in (monday, wednesday, thursday, friday):
        SettlementDayFactory(trade_date=day)
    # Tuesday has no settlement: by Thursday two trading days followed it, by Friday three.
    assert tuesday not in calendar_warnings(thursday).unsettled_days
    assert calendar_warnings(friday).unsettled_days == (tuesday,)
    assert calendar_warnings(datetime.date(2026, 11, 21)).unsettled_days == (tuesday,)  # the Saturday after
    SettlementDayFactory(trade_date=tuesday)
    assert calendar_warnings(datetime.date(2026, 11, 21)).unsettled_days == ()
    # Days before the first settlement ever (before go-live) are never flagged.
    assert datetime.date(2026, 11, 13) not in calendar_warnings(datetime.date(2026, 11, 25)).unsettled_days


def test_the_command_previews_then_imports(db, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(NOTICE_2027, encoding="utf-8")
    out = io.StringIO()
    call_command("import_trading_calendar", str(path), "--dry-run", stdout=out)
    assert "2027-01-01 Fri  trading → closed  元旦" in out.getvalue()
    assert TradingDay.objects.get(date=NEW_YEAR_2027).is_trading_day
    call_command("import_trading_calendar", str(path), "--confirm", "--notice", "2027 通知", stdout=io.StringIO())
    assert not TradingDay.objects.get(date=NEW_YEAR_2027).is_trading_day
    assert CalendarYear.objects.get(year=2027).notice == "2027 通知"
    path.write_text("holiday,first_day,last_day\n元旦,2027-01-01,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Row 2: last_day"):
        call_command("import_trading_calendar", str(path), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the owed work runs as the sweep runs it
def test_closing_a_day_of_a_graded_month_owes_that_month_again(own_redis):

    own_redis.stop()  # no queue: the sweep below runs the owed work
    client = new_client(BranchFactory(code="T01"))
    statements(client, OCTOBER, "1000000.00")
    close(OCTOBER)
    tiers_recalculate(OCTOBER)
    days = len(days_of(OCTOBER))
    assert TierMonth.objects.get(month=OCTOBER).trading_days == days
    SettlementDay.objects.filter(trade_date=datetime.date(2026, 10, 30)).delete()  # as if it never settled
    from settlement.models import DailyStatement

    DailyStatement.objects.filter(trade_date=datetime.date(2026, 10, 30)).delete()
    calendar_day_set(datetime.date(2026, 10, 30), trading=False, note="交易所临时休市")
    assert OwedWork.objects.get(job=CALENDAR_CHANGED).arguments == {"days": ["2026-10-30"]}
    # The calendar step owes October's recalculation, which then runs: the month has one trading day fewer.
    assert owed_work_sweep(OWED_WORK_RUNNERS) == {"done": 2, "not_done": 0}
    assert TierAssignment.objects.get(client=client, month=OCTOBER).trading_days == days - 1
    # A month not graded yet owes nothing: the nightly run grades it as usual.
    calendar_day_set(datetime.date(2027, 3, 1), trading=False, note="test")
    assert owed_work_sweep(OWED_WORK_RUNNERS) == {"done": 1, "not_done": 0}
    assert not OwedWork.objects.filter(job="tier_recalculation", key__contains="2027-03").exists()


@pytest.fixture
def head_office(db):
    return make_staff(Role.HEAD_OFFICE, None, "HQ1")


def test_head_office_imports_the_notice_in_the_admin_with_a_preview(head_office, login):
    browser = login(head_office)
    url = reverse("admin:settlement_tradingday_import")
    upload = io.BytesIO(NOTICE_2027.encode())
    upload.name = "2027.csv"
    preview = browser.post(url, {"file": upload})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "2027-01-01" in page and "元旦" in page and 'id="notice-apply"' in page
    assert TradingDay.objects.get(date=NEW_YEAR_2027).is_trading_day
    applied = browser.post(url, {"apply": "1", "ranges": preview.context["ranges_csv"], "confirm": "1",
                                 "notice": "2027 通知"})
    assert applied.status_code == 302
    assert not TradingDay.objects.get(date=NEW_YEAR_2027).is_trading_day
    assert CalendarYear.objects.get(year=2027).confirmed_by == head_office.user


def test_a_bad_upload_is_named_on_the_form(head_office, login):
    upload = io.BytesIO("holiday,first_day,last_day\n元旦,2027-13-01,2027-01-03\n".encode())
    upload.name = "2027.csv"
    page = login(head_office).post(reverse("admin:settlement_tradingday_import"), {"file": upload})
    assert page.status_code == 200 and "第 2 行：“起”" in page.content.decode()  # in the staff's language


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.SERVICE_STAFF, Role.RISK_OFFICER, Role.BRANCH_MANAGER])
def test_only_head_office_changes_the_calendar(world, login, role):
    browser = login(world["staff"][role])
    assert browser.get(reverse("admin:settlement_tradingday_import")).status_code == 403
    assert browser.post(reverse("admin:settlement_calendaryear_add"), {"year": 2027}).status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.BRANCH_MANAGER, Role.HEAD_OFFICE])
def test_the_banner_is_for_who_can_act_and_a_line_on_dashboards_for_the_others(world, login, role):
    """C2 (issue 36 item 5): head office, who imports the notice, reads the banner with its link on every page; the
    other roles read one line on the dashboards, none on their workbench or the start page."""
    browser = login(world["staff"][role])
    today = timezone.localdate()
    expect_2027 = today.month >= 11 and today.year == 2026
    for name in ("workbench", "tier-dashboard", "risk-dashboard", "service-dashboard", "admin:index"):
        response = browser.get(reverse(name))
        if response.status_code != 200:
            continue  # a dashboard the role does not read
        page = response.content.decode()
        assert ('id="calendar-warnings"' in page) == (expect_2027 and role == Role.HEAD_OFFICE), name
        assert (reverse("admin:settlement_tradingday_import") in page) == (expect_2027 and role == Role.HEAD_OFFICE)
        dashboard = name.endswith("-dashboard")
        assert ('id="calendar-line"' in page) == (expect_2027 and dashboard and role != Role.HEAD_OFFICE), name
    calendar_year_confirm(today.year + 1)
    for name in ("workbench", "risk-dashboard"):
        page = browser.get(reverse(name)).content.decode()
        assert 'id="calendar-warnings"' not in page and 'id="calendar-line"' not in page
