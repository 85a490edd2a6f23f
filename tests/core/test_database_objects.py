"""STYLE.md 16: what the migrations installed is what the code declares. Every trigger is declared on the model it
fires on (django-pgtrigger, `Meta.triggers`) and every plain SQL function in an app's `sql.py` (`FUNCTIONS`); the
test database is built by the migrations alone, so an edit of either without the migration that installs it fails
here (and `makemigrations --check` fails for a trigger)."""

import copy
import re

import pgtrigger
import pytest
from django.db import connection
from pgtrigger.core import INSTALLED, OUTDATED

from clients.models import Client
from service_desk import sql as service_desk_sql
from service_log import sql as service_log_sql
from settlement import sql as settlement_sql

DECLARED_FUNCTION_TEXTS = [settlement_sql.FUNCTIONS, service_log_sql.FUNCTIONS, service_desk_sql.FUNCTIONS]
_FUNCTION = re.compile(r"CREATE (?:OR REPLACE )?FUNCTION (\w+)\(.*?\$\$(.*?)\$\$", re.S)
_TRIGGER_FUNCTION = re.compile(r"CREATE OR REPLACE FUNCTION (pgtrigger_\w+)\(\)\s*RETURNS TRIGGER AS \$\$(.*?)\$\$",
                               re.S)


def _declared_functions() -> dict[str, str]:
    """Name → body of every plain function the code declares, and of every declared trigger's function."""
    bodies = {name: body for text in DECLARED_FUNCTION_TEXTS for name, body in _FUNCTION.findall(text)}
    for model, trigger in pgtrigger.registered():
        compiled = str(trigger.compile(model).install_sql)
        (name, body), = _TRIGGER_FUNCTION.findall(compiled)
        bodies[name] = body
    return bodies


def _installed_functions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("""SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                          WHERE n.nspname = 'public' AND p.proname <> '_pgtrigger_should_ignore'""")
        return dict(cursor.fetchall())


def _installed_triggers() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal")
        return set(cursor.fetchall())


def _normal(body: str) -> str:
    return "\n".join(line.rstrip() for line in body.strip().splitlines())


@pytest.mark.django_db
def test_every_declared_trigger_is_installed_as_declared():
    """pgtrigger compares the hash of what the model declares with the one its migration stored on the trigger."""
    statuses = {f"{model._meta.label}:{trigger.name}": trigger.get_installation_status(model)[0]
                for model, trigger in pgtrigger.registered()}
    assert len(statuses) >= 25
    assert {name: status for name, status in statuses.items() if status != INSTALLED} == {}


@pytest.mark.django_db
def test_no_trigger_is_installed_that_no_model_declares():
    declared = {(model._meta.db_table, trigger.get_pgid(model)) for model, trigger in pgtrigger.registered()}
    assert _installed_triggers() - declared == set()
    # What fires on a client is declared on Client (clients/triggers.py), whatever floor its derived rows are on.
    assert {name for table, name in _installed_triggers() if table == "clients_client"} == {
        trigger.get_pgid(Client) for trigger in Client._meta.triggers}


@pytest.mark.django_db
def test_a_trigger_edited_without_its_migration_is_found():
    """The check can fail: the same trigger with one word of its body changed is no longer the installed one."""
    trigger = next(trigger for trigger in Client._meta.triggers if trigger.name == "contact_plan_move")
    assert trigger.get_installation_status(Client)[0] == INSTALLED
    edited = copy.copy(trigger)
    edited.func = trigger.func.replace("RETURN NULL;", "RETURN NEW;")
    assert edited.get_installation_status(Client)[0] == OUTDATED

@pytest.mark.django_db
def test_every_installed_function_is_the_declared_text():
    """A function body edited in sql.py (or in the database by hand) without the migration that installs it."""
    declared, installed = _declared_functions(), _installed_functions()
    assert set(installed) == set(declared)
    assert [name for name in declared if _normal(declared[name]) != _normal(installed[name])] == []


@pytest.mark.django_db
def test_a_function_edited_in_the_database_is_found():
    """The check can fail: a body changed under the code's feet is reported by name."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE OR REPLACE FUNCTION service_clock(at timestamptz) RETURNS numeric LANGUAGE sql STABLE "
                       "AS $$ SELECT 0::numeric $$")
    declared, installed = _declared_functions(), _installed_functions()
    assert [name for name in declared if _normal(declared[name]) != _normal(installed[name])] == ["service_clock"]
