"""README's first command ends here: migrate, demo data, an admin login, then web + Celery worker + beat until
Ctrl-C. Without DATABASE_URL / REDIS_URL this process owns the embedded PostgreSQL and Redis, hands their URLs to
its children, and stops them when it exits."""

import os
import secrets
import signal
import socket
import string
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from backoffice.demo_history import demo_load
from clients.models import Client
from core.env import database_url


class Command(BaseCommand):
    help = "Run futcrm for development: web, Celery worker and beat, with demo data."

    def add_arguments(self, parser):
        parser.add_argument("--address", default="127.0.0.1:8000")
        parser.add_argument("--clients", type=int, default=2000)
        parser.add_argument("--months", type=int, default=3)

    def _admin_password(self) -> str:
        password = os.environ.get("FUTCRM_ADMIN_PASSWORD")
        if password:
            return password
        path = settings.DATA_DIR / "dev-secrets" / "admin-password"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            alphabet = string.ascii_letters + string.digits  # no leading "-" that a command line would misread
            path.write_text("".join(secrets.choice(alphabet) for _ in range(16)))
            path.chmod(0o600)
        return path.read_text().strip()

    @staticmethod
    def _public_url(address: str) -> str:
        """Where the demo's SMS links point (S15, S20, S30): FUTCRM_PUBLIC_URL when set, else the address served
        (on every interface: this machine's name, which a phone on the same network can reach)."""
        if os.environ.get("FUTCRM_PUBLIC_URL"):
            return os.environ["FUTCRM_PUBLIC_URL"]
        host, _sep, port = address.rpartition(":") if ":" in address else (address, "", "8000")
        if host in {"0.0.0.0", "::", "[::]", ""}:  # noqa: S104 (read, not bound)
            host = socket.gethostname()
        return f"http://{host}:{port}"

    def handle(self, *args, address, clients, months, **options):
        settings.FUTCRM_PUBLIC_URL = self._public_url(address)  # the demo's SMS are written below
        call_command("migrate", interactive=False, verbosity=0)
        password = self._admin_password()
        if not Client.objects.exists():
            self.stdout.write(f"Loading demo data: {clients} clients × {months} months of statements…")
            demo_load(clients=clients, months=months, password=password, write=self.stdout.write)
        admin, _created = get_user_model().objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        admin.set_password(password)
        admin.save()

        environment = {
            **os.environ,
            "DATABASE_URL": database_url(settings.DATABASES["default"]),  # the children join this server
            "REDIS_URL": settings.REDIS_URL,
            "FUTCRM_DATA_DIR": str(settings.DATA_DIR),
            "FUTCRM_PUBLIC_URL": settings.FUTCRM_PUBLIC_URL,  # the links the worker's SMS carry
            "PYTHONUNBUFFERED": "1",
        }
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", address, "--noreload"],
            "worker": [python, "-m", "celery", "-A", "futcrm", "worker", "--loglevel", "INFO", "--concurrency", "2"],
            # I2–I8: the snapshots' evaluations on a worker of their own, so a night's jobs never delay them.
            "intraday": [python, "-m", "celery", "-A", "futcrm", "worker", "--loglevel", "INFO", "--queues",
                         "intraday", "--pool", "solo", "--hostname", "intraday@%h"],
            "beat": [python, "-m", "celery", "-A", "futcrm", "beat", "--loglevel", "INFO",
                     "--schedule", str(settings.DATA_DIR / "celerybeat-schedule")],
        }
        # Ctrl-C (SIGINT) and a service manager's SIGTERM both stop the whole stack cleanly.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        children = {name: subprocess.Popen(command, env=environment, cwd=settings.BASE_DIR)  # noqa: S603
                    for name, command in commands.items()}
        self.stdout.write(self.style.SUCCESS(
            f"\nfutcrm is running: http://{address}/admin/\n"
            f"  login: admin / {password}   (superuser)\n"
            f"  demo staff, same password: head_office, bj01_manager, bj01_advisor1, bj01_service1, bj01_risk, …\n"
            f"  web, Celery workers and beat started; Ctrl-C stops everything.\n"
            f"  a trading session is being replayed (simulate_session): watch http://{address}/dashboard/intraday/\n"
        ))
        # Issue 33: a session of snapshots through the real endpoint, a snapshot every few seconds, so that heavy
        # holders' alerts appear on the advisors' desks while the newcomer watches. It ends; the stack stays.
        children["session"] = subprocess.Popen(  # noqa: S603
            [python, "manage.py", "simulate_session", "--url", f"http://{address}", "--interval", "4", "-v", "0"],
            env=environment, cwd=settings.BASE_DIR)
        try:
            while all(child.poll() is None for name, child in children.items() if name != "session"):
                time.sleep(0.5)
            failed = [name for name, child in children.items() if child.poll() is not None and name != "session"]
            self.stderr.write(f"{', '.join(failed)} stopped; stopping the rest.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children.values():
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt
