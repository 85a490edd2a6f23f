#!/usr/bin/env python3
"""futcrm's two commands, for a machine with only Python 3.11 and pip:

    python3 dev.py start   # install, migrate, demo data, print a login, run web + Celery worker + beat
    python3 dev.py test    # install, then every quality gate and the whole test suite (what CI runs)

Both create .venv/ and install the project with its dev extras when pyproject.toml changed since the last install.
With no DATABASE_URL / REDIS_URL set, an embedded PostgreSQL and Redis start under .data/.
"""

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".futcrm-installed"


def run(*command, env=None) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env)  # noqa: S603
    if result.returncode != 0:
        sys.exit(result.returncode)


def install() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"futcrm needs Python 3.11 (Django 5.2 LTS); this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print("Creating .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(wanted)


def supervise(*command) -> int:
    """Run `command` until it ends; a SIGTERM sent to this process is passed on to it once, so stopping dev.py stops
    the whole stack (devstack stops web, worker, beat, PostgreSQL and Redis on SIGTERM). Ctrl-C reaches the child
    from the terminal by itself; this process only waits for it."""
    print("+", " ".join(str(part) for part in command), flush=True)
    child = subprocess.Popen([str(part) for part in command], cwd=ROOT)  # noqa: S603
    passed_on = []

    def pass_on(signum, frame):
        if not passed_on and child.poll() is None:
            passed_on.append(signum)
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, pass_on)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return child.wait()


def start() -> None:
    sys.exit(supervise(PYTHON, "manage.py", "devstack", *sys.argv[2:]))


def test() -> None:
    run(PYTHON, "-m", "ruff", "check", ".")
    run(VENV / "bin" / "lint-imports")  # the floors (docs/architecture.md), contracts in pyproject.toml
    run(PYTHON, "manage.py", "makemigrations", "--check", "--dry-run")
    production = {
        **os.environ,
        "FUTCRM_ENV": "production",
        "DJANGO_SECRET_KEY": "ci-dummy-" + "x" * 60,
        "FUTCRM_PII_KEY": "Y2ktZHVtbXkta2V5LWZvci1jaGVjay1kZXBsb3kxMjM=",
        "DJANGO_ALLOWED_HOSTS": "crm.example.com",
        "DATABASE_URL": "postgresql://futcrm:dummy@127.0.0.1:5432/futcrm",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "FUTCRM_SMS_BACKEND": "core.sms.HttpBackend",
        "FUTCRM_SMS_GATEWAY_URL": "https://sms.example.com/send",
        "FUTCRM_SMS_GATEWAY_TOKEN": "ci-dummy-token",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "FUTCRM_PUBLIC_URL": "https://crm.example.com",
    }
    run(PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=production)
    database_options, stamp = test_database()
    run(PYTHON, "-m", "pytest", *database_options, *sys.argv[2:])
    stamp()


def test_database():
    """Locally the test database is kept between runs while the migrations are the same (building it is a minute of
    a run); CI (a fresh clone, or CI set), a change of a migration or of pyproject.toml, and a failed run build it
    anew. Returns pytest's option and what records, after a green run, which migrations the kept database has."""
    if "--create-db" in sys.argv or "--reuse-db" in sys.argv:
        return [], lambda: None
    sources = sorted(ROOT.glob("*/migrations/*.py")) + [ROOT / "pyproject.toml"]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()
    record = ROOT / ".data" / "test-database.sha256"
    fresh = os.environ.get("CI") or not record.exists() or record.read_text() != digest
    if record.exists():
        record.unlink()  # a run that stops half way leaves no record: the next one builds the database again

    def stamp():
        record.parent.mkdir(exist_ok=True)
        record.write_text(digest)

    return ["--create-db"] if fresh else ["--reuse-db"], stamp


if __name__ == "__main__":
    commands = {"start": start, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    install()
    commands[sys.argv[1]]()
