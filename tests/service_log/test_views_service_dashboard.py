"""The managers' service dashboard (issue 6 item 10): plan compliance, complaints, satisfaction; scoped."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from service_log.services import complaint_register, survey_response_record
from tests.factories import ContactRecordFactory, KeyMonitoringFactory

TODAY = timezone.localdate()


@pytest.fixture
def service_world(world):
    for name in ("own", "colleague", "other_branch"):  # everyone on key monitoring: 3 contacts a week each
        KeyMonitoringFactory(client=world["clients"][name], reason="manual", started_on=TODAY,
                                     last_trigger_on=TODAY)
    own, advisor = world["clients"]["own"], world["staff"][Role.ADVISOR]
    for _ in range(3):
        ContactRecordFactory(client=own, staff=advisor, category="guidance", summary="call",
                                     contacted_at=timezone.now())
    head_office = world["staff"][Role.HEAD_OFFICE].user
    for name in ("own", "other_branch"):
        complaint_register(user=head_office, client_id=world["clients"][name].pk, channel="phone", category="fees",
                           description="fee")
        survey_response_record(user=head_office, client_id=world["clients"][name].pk, survey="Q4", score=4)
    return world


@pytest.mark.parametrize(("role", "branches", "complaints"), [
    (Role.BRANCH_MANAGER, {"A01": (2, 1)}, 1),
    (Role.HEAD_OFFICE, {"A01": (2, 1), "B01": (1, 0)}, 2),
])  # fmt: skip
def test_compliance_complaints_and_satisfaction_within_scope(service_world, login, role, branches, complaints):
    response = login(service_world["staff"][role]).get(reverse("service-dashboard"))
    assert response.status_code == 200
    data = response.context["data"]
    assert {key: (row["planned"], row["met"]) for key, row in data["compliance_by_branch"]} == branches
    assert sum(count for _state, _label, count in data["complaints_by_state"]) == complaints
    assert sum(row["answers"] for row in data["satisfaction"]) == complaints
    assert data["week_start"] == TODAY - datetime.timedelta(days=TODAY.weekday())


def test_advisors_have_no_service_dashboard(world, login):
    assert login(world["staff"][Role.SETTLEMENT_SYSTEM]).get(reverse("service-dashboard")).status_code == 403
