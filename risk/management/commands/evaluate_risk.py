import datetime

from django.core.management.base import BaseCommand, CommandError

from risk.services import alerts_evaluate
from settlement.models import SettlementDay


class Command(BaseCommand):
    help = "Raise the risk alerts (R2) of a closed settlement day; running it again raises nothing new."

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, type=datetime.date.fromisoformat)

    def handle(self, *args, date, **options):
        if not SettlementDay.objects.filter(trade_date=date, status=SettlementDay.Status.CLOSED).exists():
            raise CommandError(f"Settlement day {date} is not closed; alerts are raised from closed days only.")
        raised = alerts_evaluate(date)
        self.stdout.write(self.style.SUCCESS(f"{raised} alerts raised for {date}."))
