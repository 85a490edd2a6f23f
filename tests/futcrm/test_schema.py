"""The schema says what the API answers (issue 13 item 9): a bounded schemathesis run (a fixed seed, a few
examples per operation) against the app in process, with a settlement:write and a crm:read token, fails on any 5xx
and on any response whose status, content type or body the schema does not describe."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

from clients.roles import Role
from tests.factories import BranchFactory, ClientFactory, make_staff
from tests.settlement_helpers import token_for

CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance, schemathesis.checks.response_schema_conformance]


@pytest.fixture
def api_schema():
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def tokens(db):
    branch = BranchFactory(code="BJ01")
    advisor = make_staff(Role.ADVISOR, branch, "BJ01A1")
    ClientFactory(account_no="8001", branch=branch, advisor=advisor)
    return {"write": token_for(make_staff(Role.SETTLEMENT_SYSTEM, None, "SYS").user, "settlement:write"),
            "read": token_for(make_staff(Role.HEAD_OFFICE, None, "HQ").user, "crm:read")}


@schema.parametrize()
@settings(max_examples=6, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_what_the_schema_says(case, tokens):
    token = tokens["write" if case.path.startswith("/api/v1/settlement/") else "read"]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
