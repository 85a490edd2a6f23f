import datetime

from django.core.management.base import BaseCommand, CommandError

from backoffice.workflows import risk_evaluation_run
from settlement.models import SettlementDay


class Command(BaseCommand):
    help = "Raise the risk alerts (R2) of a closed settlement day; running it again raises nothing new."

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, type=datetime.date.fromisoformat)

    def handle(self, *args, date, **options):
        if not SettlementDay.objects.filter(trade_date=date, status=SettlementDay.Status.CLOSED).exists():
            raise CommandError(f"Settlement day {date} is not closed; alerts are raised from closed days only.")
        run = risk_evaluation_run(date)  # under a job record, like the day-close workflow's own step
        if run.status != run.Status.SUCCEEDED:
            raise CommandError(f"Risk evaluation of {date} is already running (job {run.pk}); try again later.")
        self.stdout.write(self.style.SUCCESS(f"{run.result['raised_now']} alerts raised for {date}."))
