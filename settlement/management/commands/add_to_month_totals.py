"""Put closed days that are not in the month totals (settlement.StatementMonth) into them, as their close would
have: history imported with its days marked closed, say. Days that are not closed are left to their close."""

import argparse

from django.core.management.base import BaseCommand
from tqdm import tqdm

from core.dates import parse_iso_date
from settlement.models import SettlementDay
from settlement.services import statement_month_totals


def _date(value: str):
    try:
        return parse_iso_date(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = "Add closed settlement days that are not yet in the month totals (the tier engine's sums) to them."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=_date, help="first trade date YYYY-MM-DD")
        parser.add_argument("--to", dest="last", type=_date, help="last trade date YYYY-MM-DD")

    def handle(self, *args, first=None, last=None, **options):
        days = SettlementDay.objects.filter(status=SettlementDay.Status.CLOSED, in_month_totals=False)
        if first:
            days = days.filter(trade_date__gte=first)
        if last:
            days = days.filter(trade_date__lte=last)
        dates = list(days.order_by("trade_date").values_list("trade_date", flat=True))
        for day in tqdm(dates, desc="month totals", unit="day", disable=options["verbosity"] == 0):
            statement_month_totals(day, include=True)
        self.stdout.write(self.style.SUCCESS(f"{len(dates)} closed day(s) added to the month totals"))
