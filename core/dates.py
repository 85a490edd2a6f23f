"""Calendar arithmetic shared by tiers (T1 windows), risk (R3/R4 months) and the dashboards."""

import datetime
import re

from django.utils import timezone

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def parse_iso_date(value) -> datetime.date:
    """A date written exactly YYYY-MM-DD (fromisoformat alone also takes 20261120); ValueError otherwise."""
    if not _ISO_DATE.fullmatch(str(value)):
        raise ValueError(value)
    return datetime.date.fromisoformat(str(value))


# Tier months and dashboard months a person may ask for: far enough back for any history, never year 0 or 9999 (a
# month before or after them has no previous or next month to compute).
FIRST_MONTH = datetime.date(1990, 1, 1)
LAST_MONTH = datetime.date(2199, 12, 1)
_ISO_MONTH = re.compile(r"\d{4}-\d{2}")


def parse_month(value) -> datetime.date:
    """A month written exactly YYYY-MM, between FIRST_MONTH and LAST_MONTH, as its first day; ValueError otherwise."""
    if not _ISO_MONTH.fullmatch(str(value)):
        raise ValueError(value)
    month = datetime.date(int(str(value)[:4]), int(str(value)[5:7]), 1)
    if not FIRST_MONTH <= month <= LAST_MONTH:
        raise ValueError(value)
    return month


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of `month`'s month and the first day of the next (a half-open range of days)."""
    first = month.replace(day=1)
    return first, add_months(first, 1)


def local_month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month's first and the next month's first local midnight (settings.TIME_ZONE): a half-open range of times."""
    return tuple(timezone.make_aware(datetime.datetime.combine(day, datetime.time())) for day in month_bounds(month))


def in_window(moment: datetime.datetime, *, past: datetime.timedelta, ahead: datetime.timedelta,
              now: datetime.datetime | None = None) -> bool:
    """STYLE.md 21: a time from outside is believed only within its window: not earlier than `past` before now,
    not later than `ahead` after it (a clock a little fast). Both ends are allowed."""
    now = now or timezone.now()
    return now - past <= moment <= now + ahead



# How people read moments (issue 36 item 5): one format, local time, deadlines as the end of the day they fall on.

def moment_text(instant: datetime.datetime | None) -> str:
    """`2026-12-07 23:48` in Asia/Shanghai; "—" for none."""
    return f"{timezone.localtime(instant):%Y-%m-%d %H:%M}" if instant else "—"


def deadline_text(instant: datetime.datetime | None) -> str:
    """A deadline at local midnight is the end of the day before it: `2026-12-08 23:59`, never `2026-12-09 00:00`
    (the same deadline reads the same on every page)."""
    if not instant:
        return "—"
    local = timezone.localtime(instant)
    if local.time() == datetime.time(0, 0):
        local -= datetime.timedelta(minutes=1)
    return f"{local:%Y-%m-%d %H:%M}"
