"""The trading calendar confirmed year by year (issue 16 item 4; docs/rules-added.md, C1–C4).

C1  Each year's calendar is confirmed by head office once the official holiday notice is in (CalendarYear).
C2  From 1 November an unconfirmed next year (and at any time an unconfirmed current year) is a warning on every
    page staff work in (dashboards, workbench, admin).
C3  The notice's closed ranges are imported (manage.py import_trading_calendar FILE, or the admin), with a
    preview of every day that changes: for each year the file covers, the days in its ranges are closed, the
    other weekdays trade, weekends never do. A day that already has settlement data is never closed.
C4  A calendar trading day with no settlement three trading days later is flagged (it may be a closure the
    calendar does not know). A changed day owes the recalculation of the graded months that read it
    (CALENDAR_CHANGED: the floor above, backoffice.workflows, runs it)."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.owed import owe_and_queue
from core.tabular import column_word, date_cell, read_table
from settlement.models import CalendarYear, SettlementDay, TradingDay

CALENDAR_CHANGED = "calendar_changed"  # owed work: arguments {"days": [ISO dates]} (C4)
WARN_FROM_MONTH = 11  # C2: from 1 November
UNSETTLED_AFTER = 3  # C4: trading days
NOTICE_COLUMNS = {
    "holiday": ("holiday", "name", "节日", "名称", "假日"),
    "first_day": ("first_day", "from", "start", "起", "开始日期", "起始日期", "休市起"),
    "last_day": ("last_day", "to", "end", "止", "结束日期", "截止日期", "休市止"),
}
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


@dataclass(frozen=True)
class HolidayRange:
    row: int
    name: str
    first: datetime.date
    last: datetime.date


@dataclass(frozen=True)
class DayChange:
    date: datetime.date
    was_trading: bool | None  # None: the calendar had no row for the day
    trading: bool
    note: str


def _date(text: str, row: int, field: str) -> datetime.date:
    try:
        return date_cell(text)
    except ValueError:
        raise DomainError(_("Row %(row)s: %(field)s %(value)s is not a date (YYYY-MM-DD).")
                          % {"row": row, "field": column_word(field), "value": repr(text)}, field=field,
                          code="invalid", status=400) from None


def holiday_notice_read(data: bytes, filename: str) -> list[HolidayRange]:
    """C3: the notice's closed ranges from a CSV or workbook (holiday, first_day, last_day). All of it or none:
    the first bad rows are named, each with its row and field."""
    problems, ranges = [], []
    for row, values in read_table(data, filename, columns=NOTICE_COLUMNS):
        try:
            name = values["holiday"]
            if not name:
                raise DomainError(_("Row %(row)s: %(field)s is required.")
                                  % {"row": row, "field": column_word("holiday")}, field="holiday", status=400)
            first, last = _date(values["first_day"], row, "first_day"), _date(values["last_day"], row, "last_day")
            if last < first:
                raise DomainError(_("Row %(row)s, %(field)s: before %(other)s.")
                                  % {"row": row, "field": column_word("last_day"), "other": column_word("first_day")},
                                  field="last_day", status=400)
            # C3 (issue 36): every refusal names its row and its field, as the person typed it.
            if first.year != last.year or not EARLIEST_YEAR <= first.year <= LATEST_YEAR:
                raise DomainError(_("Row %(row)s, %(field)s: a range lies within one year between %(earliest)s and "
                                    "%(latest)s.") % {"row": row, "field": column_word("last_day"),
                                                      "earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
                                  field="last_day", status=400)
            if (last - first).days > 31:
                raise DomainError(_("Row %(row)s, %(field)s: a closure of more than a month is not a holiday.")
                                  % {"row": row, "field": column_word("last_day")}, field="last_day", status=400)
        except DomainError as error:
            problems.append(error)
            continue
        ranges.append(HolidayRange(row, name[:100], first, last))
    if not problems and not ranges:
        problems.append(DomainError(_("The file has no closed ranges."), field="file", status=400))
    for index, one in enumerate(ranges):
        for other in ranges[index + 1:]:
            if one.first <= other.last and other.first <= one.last:
                problems.append(DomainError(_("Row %(row)s, %(field)s: overlaps row %(other)s.")
                                            % {"row": other.row, "field": column_word("first_day"),
                                               "other": one.row}, field="first_day", status=400))
    if problems:
        raise DomainError(" ".join(problem.message for problem in problems[:20]), field=problems[0].field,
                          code="invalid_rows", status=400)
    return ranges


def holiday_notice_preview(ranges: list[HolidayRange]) -> list[DayChange]:
    """C3: every day of the years the notice covers whose trading flag or note would change."""
    closed = {}
    for holiday in ranges:
        for offset in range((holiday.last - holiday.first).days + 1):
            closed[holiday.first + datetime.timedelta(days=offset)] = holiday.name
    years = sorted({day.year for day in closed})
    stored = {day.date: day for day in TradingDay.objects.filter(date__year__in=years)}
    changes = []
    for year in years:
        day = datetime.date(year, 1, 1)
        while day.year == year:
            trading = day.weekday() < 5 and day not in closed
            note = closed.get(day, "")
            current = stored.get(day)
            if current is None or current.is_trading_day != trading or (note and current.note != note):
                changes.append(DayChange(day, current.is_trading_day if current else None, trading,
                                         note or (current.note if current and not trading else "")))
            day += datetime.timedelta(days=1)
    return changes


@transaction.atomic
def holiday_notice_apply(ranges: list[HolidayRange], *, user=None, confirm: bool = False,
                         notice: str = "") -> list[DayChange]:
    """C3/C4: write the preview's changes (refusing to close a day that has settlement data), owe the
    recalculation of the graded months they touch, and (confirm) mark the notice's years confirmed (C1)."""
    changes = holiday_notice_preview(ranges)
    settled = set(SettlementDay.objects.filter(trade_date__in=[c.date for c in changes if not c.trading])
                  .values_list("trade_date", flat=True))
    if settled:
        listed = ", ".join(day.isoformat() for day in sorted(settled)[:10])
        raise DomainError(_("Settlement data exists for %(days)s: a day the settlement system settled is not "
                            "closed by the notice. Check the dates.") % {"days": listed}, field="first_day",
                          code="settled", status=409)
    for change in changes:
        TradingDay.objects.update_or_create(date=change.date, defaults={"is_trading_day": change.trading,
                                                                        "note": change.note})
    calendar_changed_owe([change.date for change in changes if change.was_trading != change.trading])
    if confirm:
        for year in sorted({holiday.first.year for holiday in ranges}):
            calendar_year_confirm(year, user=user, notice=notice)
    return changes


@transaction.atomic
def calendar_day_set(day: datetime.date, *, trading: bool, note: str = "") -> TradingDay:
    """An exchange-only closure (or a day opened again) edited by hand in the admin (C4: owes the months)."""
    if not trading and SettlementDay.objects.filter(trade_date=day).exists():
        raise DomainError(_("%(day)s has settlement data: it was a trading day.") % {"day": day},
                          field="is_trading_day", code="settled", status=409)
    current = TradingDay.objects.select_for_update().filter(date=day).first()
    row, _created = TradingDay.objects.update_or_create(date=day, defaults={"is_trading_day": trading,
                                                                            "note": note})
    if current is None or current.is_trading_day != trading:
        calendar_changed_owe([day])
    return row


def calendar_changed_owe(days: list[datetime.date]) -> None:
    """C4: in the change's transaction, the recalculation its days owe (run by the floor above)."""
    if not days:
        return
    first, last = min(days), max(days)
    owe_and_queue(CALENDAR_CHANGED, f"{first}…{last}@{timezone.now():%Y%m%dT%H%M%S.%f}",
                  arguments={"days": sorted(day.isoformat() for day in days)},
                  what="the recalculation after a calendar change")


@transaction.atomic
def calendar_year_confirm(year: int, *, user=None, notice: str = "") -> CalendarYear:
    """C1: the year's calendar is confirmed (the caller checks that `user` is head office)."""
    if not TradingDay.objects.filter(date__year=year).exists():
        raise DomainError(_("The calendar has no days of %(year)s: import its notice first.") % {"year": year},
                          field="year", code="no_days", status=400)
    record, _created = CalendarYear.objects.update_or_create(year=year, defaults={
        "confirmed_at": timezone.now(), "confirmed_by": user, "notice": notice[:200]})
    return record


def unsettled_trading_days(today: datetime.date):
    """C4: calendar trading days, since the first day ever settled, with no settlement although three trading days
    have followed them by `today` (one query, whatever it is used for)."""
    first_settled = SettlementDay.objects.order_by("trade_date").values("trade_date")[:1]
    cutoff = (TradingDay.objects.trading().filter(date__lte=today).order_by("-date")
              .values("date")[UNSETTLED_AFTER:UNSETTLED_AFTER + 1])
    return (TradingDay.objects.trading().filter(date__gte=Subquery(first_settled), date__lte=Subquery(cutoff))
            .exclude(Exists(SettlementDay.objects.filter(trade_date=OuterRef("date")))))


@dataclass(frozen=True)
class CalendarWarnings:
    unconfirmed_years: tuple[int, ...]  # C2
    unsettled_days: tuple[datetime.date, ...]  # C4, the latest first (at most 6)

    def __bool__(self) -> bool:
        return bool(self.unconfirmed_years or self.unsettled_days)


def calendar_warnings(today: datetime.date | None = None) -> CalendarWarnings:
    """C2 and C4 in two queries: the years a person should confirm now, and the calendar trading days still without
    settlement three trading days later (since the first day ever settled)."""
    today = today or timezone.localdate()
    due = [today.year, today.year + 1] if today.month >= WARN_FROM_MONTH else [today.year]
    confirmed = set(CalendarYear.objects.filter(year__in=due, confirmed_at__isnull=False)
                    .values_list("year", flat=True))
    unsettled = unsettled_trading_days(today).order_by("-date").values_list("date", flat=True)[:6]
    return CalendarWarnings(tuple(year for year in due if year not in confirmed), tuple(unsettled))


# C5 Trading sessions (issue 36 item 4): when a product trades, local time. Day sessions by the product's group (the
# exchanges' current hours); the night session, for the products that have one, opens at 21:00 on the evening of a
# trading day whose next trading day is the next weekday (a Friday night belongs to Monday; there is none on the
# evening before a holiday) and ends at the product's own hour: 23:00, or 01:00 / 02:30 the next morning.
DAY_SESSIONS = {
    "commodity": [(datetime.time(9), datetime.time(10, 15)), (datetime.time(10, 30), datetime.time(11, 30)),
                  (datetime.time(13, 30), datetime.time(15))],
    "index": [(datetime.time(9, 30), datetime.time(11, 30)), (datetime.time(13), datetime.time(15))],
    "bond": [(datetime.time(9, 30), datetime.time(11, 30)), (datetime.time(13), datetime.time(15, 15))],
}
NIGHT_OPENS = datetime.time(21)


def night_session_held(evening: datetime.date) -> bool:
    """C5: a night session on this evening: a trading day whose next trading day is the next weekday."""
    if not TradingDay.objects.trading().filter(date=evening).exists():
        return False
    next_weekday = evening + datetime.timedelta(days=3 if evening.isoweekday() == 5 else 1)
    return TradingDay.objects.next_after(evening) == next_weekday


def in_trading_session(moment: datetime.datetime, *, day_session: str, night_ends: datetime.time | None) -> bool:
    """C5: whether a product of this day-session group and night end trades at `moment`. The end of a session is
    outside it (copper at 01:00 has stopped; at 00:59 it trades)."""
    local = timezone.localtime(moment)
    day, time = local.date(), local.time()
    if any(start <= time < end for start, end in DAY_SESSIONS[day_session]):
        return TradingDay.objects.trading().filter(date=day).exists()
    if night_ends is None:
        return False
    past_midnight = night_ends < NIGHT_OPENS  # 01:00, 02:30: the session ends the next morning
    if time >= NIGHT_OPENS and (past_midnight or time < night_ends):
        return night_session_held(day)
    if past_midnight and time < night_ends:
        return night_session_held(day - datetime.timedelta(days=1))
    return False
