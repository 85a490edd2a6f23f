import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from backoffice.demo import DemoSeeder
from clients.models import Client


class Command(BaseCommand):
    help = "Create deterministic demo data: branches, staff of every role, clients and daily statements."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=2000)
        parser.add_argument("--months", type=int, default=3,
                            help="complete months of statements before the current one")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--end-date", type=datetime.date.fromisoformat, default=None,
                            help="last statement date (default: yesterday)")
        parser.add_argument("--password", required=True, help="password of every demo staff login")

    def handle(self, *args, clients, months, seed, end_date, password, **options):
        if clients < 1 or months < 0:
            raise CommandError("--clients must be at least 1 and --months at least 0.")
        if Client.objects.exists():
            raise CommandError("The database already holds clients; seed_demo only fills an empty database.")
        bars = []

        def progress(total, label):
            if bars:
                bars[-1].close()
            bar = tqdm(total=total, desc=label, unit="client", disable=options["verbosity"] == 0)
            bars.append(bar)
            return bar.update

        end_date = end_date or timezone.localdate() - datetime.timedelta(days=1)
        summary = DemoSeeder(clients=clients, months=months, seed=seed, end_date=end_date, password=password,
                             progress=progress).run()
        for bar in bars:
            bar.close()
        self.stdout.write(self.style.SUCCESS(
            "Seeded {branches} branches, {clients} clients, {statements} statements over {trading_days} trading days "
            "({first_day} – {last_day}).".format(**summary)
        ))
