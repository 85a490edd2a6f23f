"""Chinese public holidays on which the futures exchanges are closed (State Council notices), used to seed the
trading calendar. Weekends are never trading days, make-up working Saturdays included. Exchange-only closures and
years not listed here are edited in the admin (TradingDay)."""

import datetime


def _span(first: str, last: str) -> list[datetime.date]:
    start, end = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
    return [start + datetime.timedelta(days=offset) for offset in range((end - start).days + 1)]


PUBLIC_HOLIDAYS: dict[datetime.date, str] = {}
for name, first, last in [
    ("元旦", "2024-01-01", "2024-01-01"),
    ("春节", "2024-02-10", "2024-02-17"),
    ("清明节", "2024-04-04", "2024-04-06"),
    ("劳动节", "2024-05-01", "2024-05-05"),
    ("端午节", "2024-06-10", "2024-06-10"),
    ("中秋节", "2024-09-15", "2024-09-17"),
    ("国庆节", "2024-10-01", "2024-10-07"),
    ("元旦", "2025-01-01", "2025-01-01"),
    ("春节", "2025-01-28", "2025-02-04"),
    ("清明节", "2025-04-04", "2025-04-06"),
    ("劳动节", "2025-05-01", "2025-05-05"),
    ("端午节", "2025-05-31", "2025-06-02"),
    ("国庆节、中秋节", "2025-10-01", "2025-10-08"),
    ("元旦", "2026-01-01", "2026-01-03"),
    ("春节", "2026-02-15", "2026-02-23"),
    ("清明节", "2026-04-04", "2026-04-06"),
    ("劳动节", "2026-05-01", "2026-05-05"),
    ("端午节", "2026-06-19", "2026-06-21"),
    ("中秋节", "2026-09-25", "2026-09-27"),
    ("国庆节", "2026-10-01", "2026-10-07"),
]:
    for day in _span(first, last):
        PUBLIC_HOLIDAYS[day] = name

SEEDED_FROM = datetime.date(2024, 1, 1)
SEEDED_UNTIL = datetime.date(2027, 12, 31)


def is_trading_day_by_default(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in PUBLIC_HOLIDAYS
