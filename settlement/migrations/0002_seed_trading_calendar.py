"""Seed the trading calendar 2024–2027 from weekends and Chinese public holidays (settlement/holidays.py)."""

import datetime

from django.db import migrations

from settlement.holidays import PUBLIC_HOLIDAYS, SEEDED_FROM, SEEDED_UNTIL, is_trading_day_by_default


def seed(apps, schema_editor):
    TradingDay = apps.get_model("settlement", "TradingDay")
    days = []
    day = SEEDED_FROM
    while day <= SEEDED_UNTIL:
        days.append(TradingDay(date=day, is_trading_day=is_trading_day_by_default(day),
                               note=PUBLIC_HOLIDAYS.get(day, "")))
        day += datetime.timedelta(days=1)
    TradingDay.objects.bulk_create(days, ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("settlement", "TradingDay").objects.filter(date__gte=SEEDED_FROM, date__lte=SEEDED_UNTIL).delete()


class Migration(migrations.Migration):
    dependencies = [("settlement", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
