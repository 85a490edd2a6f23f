"""Settings come from the environment with strict parsing; production demands its secrets (STYLE.md 8)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.env import database_from_url, database_url, env_bool, env_int

PRODUCTION = {
    "FUTCRM_ENV": "production",
    "DJANGO_SECRET_KEY": "test-" + "k" * 60,
    "FUTCRM_PII_KEY": "Y2ktZHVtbXkta2V5LWZvci1jaGVjay1kZXBsb3kxMjM=",
    "DJANGO_ALLOWED_HOSTS": "crm.example.com",
    "DATABASE_URL": "postgresql://futcrm:secret@db:5432/futcrm",
    "REDIS_URL": "redis://redis:6379/0",
    "FUTCRM_SMS_BACKEND": "core.sms.HttpBackend",
    "FUTCRM_SMS_GATEWAY_URL": "https://sms.example.com/send",
    "FUTCRM_SMS_GATEWAY_TOKEN": "ci-dummy-token",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "FUTCRM_PUBLIC_URL": "https://crm.example.com",
}


def manage(*arguments, env):
    clean = {key: value for key, value in os.environ.items() if key not in PRODUCTION}
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=settings.BASE_DIR, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("off", False), ("No", False)])
def test_env_bool(monkeypatch, value, expected):
    monkeypatch.setenv("FLAG", value)
    assert env_bool("FLAG", not expected) is expected


@pytest.mark.parametrize("value", ["maybe", "2", "tru"])
def test_env_bool_refuses_anything_else(monkeypatch, value):
    monkeypatch.setenv("FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", False)


def test_env_int_refuses_non_numbers(monkeypatch):
    monkeypatch.setenv("COUNT", "12a")
    with pytest.raises(ImproperlyConfigured, match="COUNT"):
        env_int("COUNT", 1)


def test_database_url_with_socket_directory_and_tcp():
    socket = database_from_url("postgresql://postgres:@/postgres?host=/tmp/pg")
    assert (socket["HOST"], socket["NAME"], socket["USER"]) == ("/tmp/pg", "postgres", "postgres")
    tcp = database_from_url("postgres://crm:p%40ss@db.internal:6432/futcrm")
    assert (tcp["HOST"], tcp["PORT"], tcp["PASSWORD"], tcp["NAME"]) == ("db.internal", "6432", "p@ss", "futcrm")
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://x@y/z")

    for url in ("postgresql://postgres@/test_postgres?host=/tmp/pg", "postgresql://crm:p%40ss@db.internal:6432/futcrm"):
        assert database_url(database_from_url(url)) == url  # what devstack and the job tests hand their children


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "FUTCRM_PII_KEY", "DATABASE_URL", "REDIS_URL",
                                     "FUTCRM_SMS_BACKEND", "DJANGO_EMAIL_BACKEND", "FUTCRM_PUBLIC_URL"])
def test_production_refuses_to_start_without_a_secret_or_server(missing):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} is required" in result.stderr


def test_a_malformed_flag_stops_start_up():
    result = manage("check", env={**PRODUCTION, "DJANGO_SECURE_SSL_REDIRECT": "perhaps"})
    assert result.returncode != 0
    assert "DJANGO_SECURE_SSL_REDIRECT='perhaps' is not a boolean" in result.stderr


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("FUTCRM_SMS_BACKEND", "core.sms.ConsoleBackend", "only logs or keeps messages"),
    ("FUTCRM_SMS_BACKEND", "core.sms.LocmemBackend", "only logs or keeps messages"),
    ("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend", "does not send mail"),
    ("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend", "does not send mail"),
    ("FUTCRM_SMS_GATEWAY_TOKEN", "", "needs FUTCRM_SMS_GATEWAY_URL and FUTCRM_SMS_GATEWAY_TOKEN"),
])
def test_production_refuses_development_backends(variable, value, says):
    """Issue 12 item 8: margin-call notices (R7) must never go only to a log."""
    result = manage("check", env={**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert says in result.stderr


def test_development_keeps_the_console_backends():
    development = {"FUTCRM_ENV": "development", "DJANGO_SETTINGS_MODULE": "futcrm.settings",
                   "DATABASE_URL": PRODUCTION["DATABASE_URL"], "REDIS_URL": PRODUCTION["REDIS_URL"]}
    result = manage("shell", "-c", "from django.conf import settings; print(settings.SMS_BACKEND, "
                    "settings.EMAIL_BACKEND)", env=development)
    assert result.returncode == 0, result.stderr
    printed = result.stdout.strip().splitlines()[-1].split()
    assert printed == ["core.sms.ConsoleBackend", "django.core.mail.backends.console.EmailBackend"]


@pytest.mark.parametrize("environment", ["production", "development"])
@pytest.mark.parametrize("key", ["not-a-key", "Y2ktZHVtbXk=", "x" * 44])
def test_start_up_refuses_a_malformed_pii_key_in_every_environment(environment, key):
    """Issue 13 item 7: the app used to start, and every page that masks a phone answered 500."""
    env = {**PRODUCTION, "FUTCRM_ENV": environment, "DJANGO_SETTINGS_MODULE": "futcrm.settings", "FUTCRM_PII_KEY": key}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "FUTCRM_PII_KEY is not a Fernet key" in result.stderr
