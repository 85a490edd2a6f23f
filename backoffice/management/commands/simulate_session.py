import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from backoffice import intraday_simulator as simulator
from backoffice.workflows import OWED_WORK_RUNNERS
from core.owed import owed_work_sweep
from settlement.intraday import INTRADAY_EVALUATION


class Command(BaseCommand):
    help = ("Replay a trading session of intraday snapshots for the demo clients through the snapshot endpoint "
            "(issue 33): the market drifts and copper falls 3.6 %, so heavy long holders' alerts reach their "
            "advisors' desks.")

    def add_arguments(self, parser):
        parser.add_argument("--url", help="a running futcrm, e.g. http://127.0.0.1:8000 (default: in this process)")
        parser.add_argument("--steps", type=int, default=12, help="snapshots after the opening one (default 12)")
        parser.add_argument("--interval", type=float, default=0.0, help="seconds between snapshots (default 0)")
        parser.add_argument("--clients", type=int, default=None, help="at most this many clients")
        parser.add_argument("--evaluate", action="store_true",
                            help="evaluate each snapshot here instead of leaving it to the intraday worker")

    def handle(self, *args, url, steps, interval, clients, evaluate, **options):
        day = simulator.simulated_trading_day()
        if day is None:
            raise CommandError("No open trading day today or next in the calendar to replay a session for.")
        session = simulator.Session(day, steps=steps, limit=clients)
        if not session.holdings:
            raise CommandError("No client with equity to hold positions: load the demo first (seed_demo).")
        token = simulator.settlement_token()
        runners = {INTRADAY_EVALUATION: OWED_WORK_RUNNERS[INTRADAY_EVALUATION]}
        bodies = session.snapshots(simulator.next_sequence(day))
        bar = tqdm(total=steps + 1, desc=f"session {day}", unit="snapshot", disable=options["verbosity"] == 0)
        for number, body in enumerate(bodies):
            if number and interval:
                time.sleep(interval)
            status, answer = simulator.push(body, token, url)
            if status != 200:
                raise CommandError(f"snapshot {body['sequence']} refused ({status}): {answer}")
            if evaluate:
                owed_work_sweep(runners)
            bar.update(1)
        bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"{steps + 1} snapshots of trading day {day} pushed for {len(session.holdings)} clients; "
            f"the intraday desk is at /dashboard/intraday/."))
