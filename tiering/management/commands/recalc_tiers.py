import datetime

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.errors import DomainError
from tiering.services import tiers_recalculate


def _month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise CommandError(f"--month must be YYYY-MM, not {value!r}") from None


class Command(BaseCommand):
    help = "Compute every client's tier for a month (T1–T9, T12); provisional until all its days are closed."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, type=_month)

    def handle(self, *args, month, **options):
        with tqdm(total=3, desc=f"tiers {month:%Y-%m}", disable=options["verbosity"] == 0) as bar:
            def step(label):
                bar.set_postfix_str(label)
                bar.update(1)

            try:
                result = tiers_recalculate(month, progress=step)
            except DomainError as error:
                raise CommandError(error.message) from None
            bar.update(bar.total - bar.n)
        self.stdout.write(self.style.SUCCESS(
            "{month}: {assigned} clients, {state}, {trading_days} trading days up to {last_day}, "
            "policy v{policy_version}".format(**result)
        ))
