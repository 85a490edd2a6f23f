"""S9, issue 13 item 3: no phone or ID number reaches a log. Known numbers are pushed, every way of searching for
them is used against the development server (runserver) and the production one (gunicorn with futcrm/gunicorn.py),
and neither server's captured output holds any of them."""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from clients.roles import Role
from core.env import database_url
from core.logging import mask_personal_numbers
from tests.factories import BranchFactory, make_staff, valid_id_card
from tests.settlement_helpers import Api, token_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE, LANDLINE = "13912345678", "010-88776655"
ID_NUMBER = valid_id_card("11010519800101001")
CSRF = "k" * 32


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _session_cookie(user) -> str:
    session = SessionStore()
    session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash()})
    session.create()
    return f"sessionid={session.session_key}; csrftoken={CSRF}"


def _serve(command: list[str], port: int, log_path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(FUTCRM_ENV="development", DJANGO_SETTINGS_MODULE="futcrm.settings", DJANGO_LOG_LEVEL="INFO",
               DATABASE_URL=database_url(connection.settings_dict), REDIS_URL=settings.REDIS_URL,
               FUTCRM_API_RATE="100000/minute")
    log = open(log_path, "w")  # noqa: SIM115 - closed with the server below
    server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    server.log = log
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            assert time.monotonic() < deadline, log_path.read_text()[-2000:]
            time.sleep(0.2)


def _every_search(port: int, token: str, cookie: str) -> list[int]:
    """Each way a person or a system looks a client up by a whole number; returns the statuses."""
    statuses = []

    def call(method, path, body=None, headers=None):
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        client.request(method, path, body=body, headers=headers or {})
        response = client.getresponse()
        response.read()
        client.close()
        statuses.append(response.status)

    bearer = {"Authorization": f"Bearer {token}"}
    browser = {"Cookie": cookie, "X-CSRFToken": CSRF, "Referer": f"http://127.0.0.1:{port}/admin/"}
    for number in (PHONE, LANDLINE, ID_NUMBER):
        call("GET", f"/api/v1/clients/?search={number}", headers=bearer)  # refused: 400
        call("POST", "/api/v1/clients/search/", json.dumps({"search": number}),
             {**bearer, "Content-Type": "application/json"})
        call("GET", f"/admin/clients/client/?q={number}", headers=browser)  # moved out of the URL: 302
        call("POST", "/admin/clients/client/search/", f"q={number}",
             {**browser, "Content-Type": "application/x-www-form-urlencoded"})
        call("GET", f"/admin/autocomplete/?app_label=service_log&model_name=contactrecord&field_name=client"
                    f"&term={number}", headers=browser)
    return statuses


def test_no_phone_or_id_number_reaches_the_servers_logs(client, tmp_path):
    branch = BranchFactory(code="BJ01")
    make_staff(Role.ADVISOR, branch, "BJ01A1")
    api = Api(client, token_for(make_staff(Role.SETTLEMENT_SYSTEM, None, "SYS").user, "settlement:write"))
    rows = [{"account_no": account, "name": "王伟", "client_type": "individual", "branch_code": "BJ01",
             "opened_on": "2025-03-01", "id_type": "id_card", "id_number": id_number, "phone": phone}
            for account, phone, id_number in (("9001", PHONE, ID_NUMBER),
                                             ("9002", LANDLINE, valid_id_card("11010519800101002")))]
    assert api.push_clients(rows).status_code == 200
    head_office = make_staff(Role.HEAD_OFFICE, None, "HQ")
    token, cookie = token_for(head_office.user, "crm:read"), _session_cookie(head_office.user)

    servers = {
        "runserver": lambda port: [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "gunicorn": lambda port: [sys.executable, "-m", "gunicorn", "-c", "python:futcrm.gunicorn",
                                  "futcrm.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
    }
    for name, command in servers.items():
        port, log_path = _free_port(), tmp_path / f"{name}.log"
        server = _serve(command(port), port, log_path)
        try:
            statuses = _every_search(port, token, cookie)
        finally:
            server.terminate()
            server.wait(timeout=30)
            server.log.close()
        assert statuses.count(400) == 3 and statuses.count(302) == 3 and 500 not in statuses, (name, statuses)
        logged = log_path.read_text()
        assert logged.count("/api/v1/clients/") >= 6, (name, logged[-2000:])  # the requests were logged …
        digits = {re.sub(r"\D", "", number) for number in (PHONE, LANDLINE, ID_NUMBER[:17])}
        joined = re.sub(r"-|%2[Dd]", "", logged)  # a landline written with its dash, plain or URL-encoded
        assert not [number for number in digits if number in joined], (name, logged[-3000:])
        assert "[号码已隐藏]" in logged  # … with the numbers masked in them


@pytest.mark.parametrize(("line", "masked"), [
    ("GET /api/v1/clients/?search=13912345678 HTTP/1.1", "GET /api/v1/clients/?search=[号码已隐藏] HTTP/1.1"),
    ("term=11010519800101001X&x=1", "term=[号码已隐藏]&x=1"),
    ("q=010-88776655", "q=[号码已隐藏]"),
    ("q=010%2D88776655", "q=[号码已隐藏]"),
    ("account 80001325 and last four 5678", "account 80001325 and last four 5678"),  # not personal numbers
])
def test_the_mask(line, masked):
    assert mask_personal_numbers(line) == masked
