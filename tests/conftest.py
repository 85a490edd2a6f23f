import pytest

from clients.roles import Role
from tests.factories import BranchFactory, ClientFactory, make_staff
from tests.settlement_helpers import Api, statement_row, token_for


@pytest.fixture
def world(db):
    """Two branches; in branch A two advisors with one client each, and every other role; branch B has one client.
    The permission-matrix tests ask what each role sees of these three clients."""
    branch_a, branch_b = BranchFactory(code="A01", name="甲营业部"), BranchFactory(code="B01", name="乙营业部")
    advisor_1 = make_staff(Role.ADVISOR, branch_a, "A-ADV1")
    advisor_2 = make_staff(Role.ADVISOR, branch_a, "A-ADV2")
    advisor_b = make_staff(Role.ADVISOR, branch_b, "B-ADV1")
    staff = {
        Role.ADVISOR: advisor_1,
        Role.SERVICE_STAFF: make_staff(Role.SERVICE_STAFF, branch_a, "A-SVC"),
        Role.RISK_OFFICER: make_staff(Role.RISK_OFFICER, branch_a, "A-RISK"),
        Role.BRANCH_MANAGER: make_staff(Role.BRANCH_MANAGER, branch_a, "A-MGR"),
        Role.HEAD_OFFICE: make_staff(Role.HEAD_OFFICE, None, "HQ1"),
        Role.SETTLEMENT_SYSTEM: make_staff(Role.SETTLEMENT_SYSTEM, None, "SYS"),
    }
    clients = {
        "own": ClientFactory(account_no="1001", branch=branch_a, advisor=advisor_1, personal_data__phone="13800001001"),
        "colleague": ClientFactory(account_no="1002", branch=branch_a, advisor=advisor_2,
                                   personal_data__phone="13800001002"),
        "other_branch": ClientFactory(account_no="2001", branch=branch_b, advisor=advisor_b,
                                      personal_data__phone="13800002001"),
    }
    return {"branches": (branch_a, branch_b), "staff": staff, "clients": clients,
            "advisors": (advisor_1, advisor_2, advisor_b)}


# What each role sees of the world's clients (domain O).
VISIBLE = {
    Role.ADVISOR: {"own"},
    Role.SERVICE_STAFF: {"own", "colleague"},
    Role.RISK_OFFICER: {"own", "colleague"},
    Role.BRANCH_MANAGER: {"own", "colleague"},
    Role.HEAD_OFFICE: {"own", "colleague", "other_branch"},
    Role.SETTLEMENT_SYSTEM: set(),
}


@pytest.fixture
def login(client):
    def _login(profile):
        client.force_login(profile.user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


@pytest.fixture
def two_accounts_pushed(db, client):
    """Accounts 8001 and 8002 of branch BJ01's advisor pushed for 2026-11-20 by the settlement system; 8001 at
    90 % risk degree, so closing the day owes one risk warning (R2). Returns the API and the day's control totals."""
    branch = BranchFactory(code="BJ01")
    advisor = make_staff(Role.ADVISOR, branch, "BJ01A1")
    for account in ("8001", "8002"):
        ClientFactory(account_no=account, branch=branch, advisor=advisor)
    api = Api(client, token_for(make_staff(Role.SETTLEMENT_SYSTEM, None, "SYS").user, "settlement:write"))
    response = api.push([statement_row("8001", commission="12.50", margin="90000.00"), statement_row("8002")])
    assert response.status_code == 200, response.json()
    return api, {"row_count": 2, "total_balance": "199987.50", "total_commission": "12.50"}
