"""S1 contact records through contact_record_create, which owns R5's "a contact answers an alert" (issue 12 item
4), with the scope rules of domain O for every entry point: the service, the contacts admin, the client page."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from core.errors import DomainError
from risk import services as risk_services
from risk.models import Alert, AlertEvent, RiskThresholdSet
from service_log.models import ContactRecord
from service_log.services import contact_record_create
from tests.factories import AlertFactory
from tests.fixtures.scoping import inline_management_forms

CALL = {"category": "risk_notice", "summary": "called about the margin call"}


def alert_for(world, name: str, *, acknowledged_by=None) -> Alert:
    now = timezone.now()
    alert = AlertFactory(client=world["clients"][name], trade_date=datetime.date(2026, 11, 20),
                                 kind="margin_call", severity="high", thresholds=RiskThresholdSet.objects.get(),
                                 raised_at=now, due_at=now + datetime.timedelta(minutes=60),
                                 assigned_to=world["clients"][name].advisor)
    if acknowledged_by is not None:
        risk_services.alert_acknowledge(user=acknowledged_by, alert_id=alert.pk)
    return alert


def test_the_staff_member_defaults_to_the_user_and_the_contact_answers_an_acknowledged_alert(world):
    advisor = world["staff"][Role.ADVISOR]
    alert = alert_for(world, "own", acknowledged_by=advisor.user)
    contact = contact_record_create(user=advisor.user, client_id=alert.client_id, alert_id=alert.pk, **CALL)
    assert contact.staff == advisor and contact.alert_not_answered is None
    assert Alert.objects.get(pk=alert.pk).status == "contacted"


def test_a_contact_on_an_open_alert_acknowledges_and_answers_it_in_one_step(world):
    """Issue 14 item 4: the person on the phone logs the call; the alert is acknowledged and contacted at once."""
    advisor = world["staff"][Role.ADVISOR]
    alert = alert_for(world, "own")
    contact = contact_record_create(user=advisor.user, client_id=alert.client_id, alert_id=alert.pk, **CALL)
    assert contact.alert_id == alert.pk and contact.alert_not_answered is None
    assert list(AlertEvent.objects.filter(alert=alert).values_list("action", flat=True).order_by("at", "id")) == [
        "acknowledged", "contacted"]


def test_a_role_that_does_not_work_alerts_keeps_the_contact_and_is_told_why_in_chinese(world):
    staff = world["staff"][Role.SERVICE_STAFF]  # sees the branch's alerts, does not work them (R5)
    alert = alert_for(world, "own")
    contact = contact_record_create(user=staff.user, client_id=alert.client_id, alert_id=alert.pk, **CALL)
    assert contact.alert_id == alert.pk and "不处理风险预警" in contact.alert_not_answered
    assert Alert.objects.get(pk=alert.pk).status == "open"


@pytest.mark.parametrize(("what", "refusal"), [
    ("client outside the scope", PermissionDenied),
    ("alert of another branch", PermissionDenied),
    ("staff of another branch", PermissionDenied),
    ("alert of another client", DomainError),
    ("unknown field", DomainError),
])
def test_refusals_write_nothing(world, what, refusal):
    advisor = world["staff"][Role.ADVISOR]
    own, other_branch = world["clients"]["own"], world["clients"]["other_branch"]
    arguments = {
        "client outside the scope": {"client_id": other_branch.pk},
        "alert of another branch": {"client_id": own.pk, "alert_id": alert_for(world, "other_branch").pk},
        "staff of another branch": {"client_id": own.pk, "staff_id": world["advisors"][2].pk},
        "alert of another client": {"client_id": own.pk, "alert_id": alert_for(world, "colleague").pk},
        "unknown field": {"client_id": own.pk, "branch": "B01"},
    }[what]
    user = world["staff"][Role.HEAD_OFFICE].user if what == "alert of another client" else advisor.user
    with pytest.raises(refusal):
        contact_record_create(user=user, **arguments, **CALL)
    assert not ContactRecord.objects.exists()


def _inline_contact(world, **fields) -> dict:
    data = {**inline_management_forms(world), "investor_category": "ordinary", "risk_tolerance": "",
            "contacts-TOTAL_FORMS": "1", "contacts-0-contacted_at_0": "2026-11-20",
            "contacts-0-contacted_at_1": "10:00:00", "contacts-0-channel": "phone", "contacts-0-direction": "outbound",
            "contacts-0-category": "risk_notice", "contacts-0-summary": "called about the margin call"}
    data.update({f"contacts-0-{name}": value for name, value in fields.items()})
    return data


def test_the_client_page_refuses_another_branchs_alert_and_staff(world, login):
    """The inline used to accept an alert or a member of staff outside the user's scope (issue 12)."""
    advisor = world["staff"][Role.ADVISOR]
    browser = login(advisor)
    url = reverse("admin:clients_client_change", args=[world["clients"]["own"].pk])
    for fields in ({"staff": advisor.pk, "alert": alert_for(world, "other_branch").pk},
                   {"staff": world["advisors"][2].pk},
                   {"staff": advisor.pk, "alert": alert_for(world, "colleague").pk}):
        response = browser.post(url, _inline_contact(world, **fields))
        assert response.status_code == 200  # the page again, with the error on the field
        assert response.context["inline_admin_formsets"][-1].formset.errors[0], fields
    assert not ContactRecord.objects.exists()


def test_the_client_page_logs_a_contact_that_answers_the_alert(world, login):
    advisor = world["staff"][Role.ADVISOR]
    alert = alert_for(world, "own", acknowledged_by=advisor.user)
    response = login(advisor).post(reverse("admin:clients_client_change", args=[alert.client_id]),
                                   _inline_contact(world, staff=advisor.pk, alert=alert.pk))
    assert response.status_code == 302
    contact = ContactRecord.objects.get()
    assert (contact.client_id, contact.staff, contact.alert_id) == (alert.client_id, advisor, alert.pk)
    assert Alert.objects.get(pk=alert.pk).status == "contacted"
