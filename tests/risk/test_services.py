"""R5/R6: the alert workflow, its forbidden transitions, who and when, overdue escalation, and its scope."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from core.errors import DomainError
from risk import services
from risk.models import Alert, AlertEvent, RiskThresholdSet
from service_log.models import ContactRecord
from tests.factories import AlertFactory, ContactRecordFactory, make_staff
from tests.fixtures.world import VISIBLE


@pytest.fixture
def alert(world):
    now = timezone.now()
    return AlertFactory(client=world["clients"]["own"], trade_date=datetime.date(2026, 11, 20),
                                kind="margin_call", severity="high", thresholds=RiskThresholdSet.objects.get(),
                                raised_at=now, due_at=now + datetime.timedelta(minutes=60),
                                assigned_to=world["advisors"][0])


def contact_for(world, client, staff=None):
    return ContactRecordFactory(client=client, staff=staff or world["staff"][Role.ADVISOR],
                                        category="risk_notice", summary="called about the margin call")


def test_the_whole_way_with_who_and_when(world, alert):
    advisor = world["staff"][Role.ADVISOR].user
    services.alert_acknowledge(user=advisor, alert_id=alert.pk)
    services.alert_record_contact(user=advisor, alert_id=alert.pk, contact=contact_for(world, alert.client))
    services.alert_resolve(user=advisor, alert_id=alert.pk, note="client deposited 200,000")
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolution_note == "client deposited 200,000"
    assert list(AlertEvent.objects.filter(alert=alert).values_list("action", "actor")) == [
        ("acknowledged", advisor.pk), ("contacted", advisor.pk), ("resolved", advisor.pk)]
    assert ContactRecord.objects.get().alert == alert


@pytest.mark.parametrize("step", ["contact_first", "resolve_first", "acknowledge_twice", "resolve_without_note"])
def test_forbidden_transitions_change_nothing(world, alert, step):
    advisor = world["staff"][Role.ADVISOR].user
    with pytest.raises(DomainError):
        if step == "contact_first":
            services.alert_record_contact(user=advisor, alert_id=alert.pk, contact=contact_for(world, alert.client))
        elif step == "resolve_first":
            services.alert_resolve(user=advisor, alert_id=alert.pk, note="done")
        elif step == "acknowledge_twice":
            services.alert_acknowledge(user=advisor, alert_id=alert.pk)
            services.alert_acknowledge(user=advisor, alert_id=alert.pk)
        else:
            services.alert_acknowledge(user=advisor, alert_id=alert.pk)
            services.alert_record_contact(user=advisor, alert_id=alert.pk, contact=contact_for(world, alert.client))
            services.alert_resolve(user=advisor, alert_id=alert.pk, note="   ")
    alert.refresh_from_db()
    assert alert.status in {"open", "acknowledged", "contacted"} and alert.resolution_note == ""


def test_a_contact_with_another_client_does_not_count(world, alert):
    advisor = world["staff"][Role.ADVISOR].user
    services.alert_acknowledge(user=advisor, alert_id=alert.pk)
    other = contact_for(world, world["clients"]["colleague"], world["staff"][Role.BRANCH_MANAGER])
    with pytest.raises(DomainError, match="another client"):
        services.alert_record_contact(user=advisor, alert_id=alert.pk, contact=other)


@pytest.mark.parametrize("role", [Role.SERVICE_STAFF, Role.SETTLEMENT_SYSTEM])
def test_roles_that_do_not_work_alerts_are_refused(world, alert, role):
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(user=world["staff"][role].user, alert_id=alert.pk)
    assert Alert.objects.get(pk=alert.pk).status == "open"


def test_another_branchs_risk_officer_cannot_touch_it(world, alert):

    outsider = make_staff(Role.RISK_OFFICER, world["branches"][1], "B-RISK")
    with pytest.raises(PermissionDenied):
        services.alert_escalate(user=outsider.user, alert_id=alert.pk)
    assert not Alert.objects.get(pk=alert.pk).escalated


def test_overdue_alerts_escalate_to_the_branch_risk_officer_once(world, alert):
    Alert.objects.filter(pk=alert.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    assert services.alerts_escalate_overdue() == 1
    assert services.alerts_escalate_overdue() == 0
    alert.refresh_from_db()
    assert alert.escalated and alert.assigned_to == world["staff"][Role.RISK_OFFICER]
    event = AlertEvent.objects.get(alert=alert)
    assert (event.action, event.actor, event.note) == ("escalated", None, "overdue (R6)")


def test_an_alert_contacted_in_time_is_not_escalated(world, alert):
    advisor = world["staff"][Role.ADVISOR].user
    services.alert_acknowledge(user=advisor, alert_id=alert.pk)
    services.alert_record_contact(user=advisor, alert_id=alert.pk, contact=contact_for(world, alert.client))
    Alert.objects.filter(pk=alert.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    assert services.alerts_escalate_overdue() == 0


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.SERVICE_STAFF, Role.BRANCH_MANAGER, Role.HEAD_OFFICE])
def test_contact_records_are_scoped_in_the_admin(world, login, role):


    for client in world["clients"].values():
        contact_for(world, client, world["staff"][Role.HEAD_OFFICE])
    response = login(world["staff"][role]).get(reverse("admin:service_log_contactrecord_changelist"))
    accounts = {contact.client.account_no for contact in response.context["cl"].result_list}
    assert accounts == {world["clients"][name].account_no for name in VISIBLE[role]}


def test_the_admin_takes_an_alert_the_whole_way(world, alert, login):

    browser = login(world["staff"][Role.ADVISOR])
    changelist = reverse("admin:risk_alert_changelist")
    browser.post(changelist, {"action": "acknowledge", "_selected_action": [alert.pk]})
    assert Alert.objects.get(pk=alert.pk).status == "acknowledged"
    browser.post(reverse("admin:service_log_contactrecord_add"), {
        "client": alert.client.pk, "staff": world["staff"][Role.ADVISOR].pk, "contacted_at_0": "2026-11-20",
        "contacted_at_1": "10:00:00", "channel": "phone", "direction": "outbound", "category": "risk_notice",
        "summary": "called about the margin call", "alert": alert.pk,
    })  # fmt: skip
    assert Alert.objects.get(pk=alert.pk).status == "contacted"
    page = browser.post(changelist, {"action": "resolve", "_selected_action": [alert.pk]})
    assert "resolution_note" in page.content.decode()  # the note is asked for first
    browser.post(changelist, {"action": "resolve", "_selected_action": [alert.pk], "apply": "1",
                              "resolution_note": "client added margin"})
    resolved = Alert.objects.get(pk=alert.pk)
    assert (resolved.status, resolved.resolution_note) == ("resolved", "client added margin")
