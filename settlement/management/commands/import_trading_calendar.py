"""C3 (settlement/calendar.py): `manage.py import_trading_calendar FILE [--dry-run] [--confirm] [--notice TEXT]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from settlement.calendar import holiday_notice_apply, holiday_notice_preview, holiday_notice_read


class Command(BaseCommand):
    help = ("Import the official holiday notice's closed ranges (CSV or Excel: holiday, first_day, last_day): "
            "prints every day that changes, then writes them unless --dry-run.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="only print the preview")
        parser.add_argument("--confirm", action="store_true", help="mark the notice's years confirmed (C1)")
        parser.add_argument("--notice", default="", help="the notice's number and date, kept with the year")

    def handle(self, *args, file: Path, dry_run: bool, confirm: bool, notice: str, **options):
        try:
            ranges = holiday_notice_read(file.read_bytes(), file.name)
            changes = holiday_notice_preview(ranges)
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        except DomainError as error:
            raise CommandError(error.message) from None
        for change in changes:
            before = {None: "not in the calendar", True: "trading", False: "closed"}[change.was_trading]
            after = "trading" if change.trading else "closed"
            self.stdout.write(f"{change.date:%Y-%m-%d %a}  {before} → {after}  {change.note}")
        if dry_run:
            self.stdout.write(f"{len(changes)} days would change (dry run: nothing written).")
            return
        try:
            holiday_notice_apply(ranges, confirm=confirm, notice=notice)
        except DomainError as error:
            raise CommandError(error.message) from None
        confirmed = " and confirmed" if confirm else ""
        self.stdout.write(self.style.SUCCESS(f"{len(changes)} days changed{confirmed}."))
