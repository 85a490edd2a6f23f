"""Calendar arithmetic shared by tiers (T1 windows), risk (R3/R4 months) and the dashboards."""

import datetime
import re

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
