"""The development web server (devstack's runserver) does not exhaust PostgreSQL (issue 13 item 8): 2,000 requests,
each on a thread of its own, leave the number of connections where it was."""

import http.client
import os
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from clients.roles import Role
from core.env import database_url
from tests.factories import make_staff
from tests.settlement_helpers import token_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _connections_to(database: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                       [database])
        return cursor.fetchone()[0]


def test_two_thousand_requests_to_the_development_server_hold_the_connection_count_flat():
    token = token_for(make_staff(Role.HEAD_OFFICE, None, "HQ").user, "crm:read")
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(FUTCRM_ENV="development", DJANGO_SETTINGS_MODULE="futcrm.settings", DJANGO_LOG_LEVEL="WARNING",
               FUTCRM_API_RATE="100000/minute",
               DATABASE_URL=database_url(connection.settings_dict), REDIS_URL=settings.REDIS_URL)
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database = connection.settings_dict["NAME"]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "runserver did not start"
                time.sleep(0.2)
        before, peak = _connections_to(database), 0
        for number in range(2_000):
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            client.request("GET", "/api/v1/clients/", headers={"Authorization": f"Bearer {token}"})
            response = client.getresponse()
            response.read()
            client.close()
            assert response.status == 200, (number, response.status)
            if number % 200 == 0:
                peak = max(peak, _connections_to(database))
        time.sleep(0.5)
        after = _connections_to(database)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert after <= before + 2 and peak <= before + 5, (before, peak, after)
