"""The alert desk (issue 14 item 4): one button per R5 step the user may take now, on the alert page; a contact
logged there acknowledges an open alert and answers it in the same step, its staff member defaulting to the user
and limited to staff the user may act for (O); another branch's alert cannot be stepped."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from risk import services
from risk.models import Alert, AlertEvent, RiskThresholdSet
from risk.services import Step
from service_log.models import ContactRecord
from tests.factories import AlertFactory


def raise_alert(world, name="own", status=Alert.Status.OPEN) -> Alert:
    now = timezone.now()
    return AlertFactory(client=world["clients"][name], trade_date=datetime.date(2026, 11, 20),
                                kind="margin_call", severity="high", thresholds=RiskThresholdSet.objects.get(),
                                raised_at=now, due_at=now + datetime.timedelta(minutes=60), status=status)


def page_of(browser, alert):
    return browser.get(reverse("admin:risk_alert_change", args=[alert.pk]))


def step(browser, alert, name, **fields):
    return browser.post(reverse("admin:risk_alert_step", args=[alert.pk]), {"step": name, **fields}, follow=True)


def contact_fields(staff, summary="called: client will deposit 50,000 today"):
    return {"contact-channel": "phone", "contact-summary": summary, "contact-outcome": "",
            "contact-next_follow_up": "", "contact-staff": staff.pk}


@pytest.mark.parametrize(("status", "escalated", "expected"), [
    (Alert.Status.OPEN, False, [Step.ACKNOWLEDGE, Step.CONTACT, Step.ESCALATE]),
    (Alert.Status.ACKNOWLEDGED, False, [Step.CONTACT, Step.ESCALATE]),
    (Alert.Status.CONTACTED, False, [Step.RESOLVE, Step.ESCALATE]),
    (Alert.Status.CONTACTED, True, [Step.RESOLVE]),
    (Alert.Status.RESOLVED, False, []),
    (Alert.Status.WITHDRAWN, False, []),
])  # fmt: skip
def test_the_steps_follow_the_state(world, status, escalated, expected):
    alert = raise_alert(world, status=status)
    alert.escalated = escalated
    assert services.alert_steps_open_to(world["staff"][Role.ADVISOR].user, alert) == expected


@pytest.mark.parametrize(("role", "offered"), [
    (Role.ADVISOR, True), (Role.RISK_OFFICER, True), (Role.BRANCH_MANAGER, True), (Role.HEAD_OFFICE, True),
    (Role.SERVICE_STAFF, False),  # sees the alert, does not work alerts (R5's acting roles)
])  # fmt: skip
def test_the_page_shows_a_button_for_each_open_step_and_no_save_button(world, login, role, offered):
    alert = raise_alert(world)
    text = page_of(login(world["staff"][role]), alert).content.decode()
    for value in (Step.ACKNOWLEDGE, Step.CONTACT, Step.ESCALATE):
        assert (f'name="step" value="{value}"' in text) is offered
    assert 'name="step" value="resolve"' not in text  # not before a contact
    assert 'name="_save"' not in text  # nothing on the alert is edited by hand
    if not offered:
        assert "没有可由您执行的步骤" in text


def test_acknowledge_is_one_click_with_its_event(world, login):
    alert = raise_alert(world)
    page = step(login(world["staff"][Role.ADVISOR]), alert, Step.ACKNOWLEDGE)
    assert page.status_code == 200 and "已确认" in page.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.ACKNOWLEDGED
    assert list(AlertEvent.objects.filter(alert=alert).values_list("action", flat=True)) == ["acknowledged"]


def test_a_contact_on_an_open_alert_acknowledges_and_answers_it(world, login):
    advisor = world["staff"][Role.ADVISOR]
    alert = raise_alert(world)
    step(login(advisor), alert, Step.CONTACT, **contact_fields(advisor))
    contact = ContactRecord.objects.get(alert=alert)
    assert (contact.staff, contact.client, contact.category, contact.direction) == (
        advisor, alert.client, "risk_notice", "outbound")
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.CONTACTED
    assert list(AlertEvent.objects.filter(alert=alert).order_by("pk").values_list("action", flat=True)) == [
        "acknowledged", "contacted"]


def test_the_contact_form_defaults_to_the_user_and_offers_only_staff_they_may_act_for(world, login):
    alert = raise_alert(world)
    advisor_form = page_of(login(world["staff"][Role.ADVISOR]), alert).context["contact_form"]
    assert list(advisor_form.fields["staff"].queryset) == [world["staff"][Role.ADVISOR]]
    assert advisor_form["staff"].value() == world["staff"][Role.ADVISOR].pk
    manager_form = page_of(login(world["staff"][Role.BRANCH_MANAGER]), alert).context["contact_form"]
    offered = set(manager_form.fields["staff"].queryset)
    assert world["advisors"][1] in offered and world["advisors"][2] not in offered  # branch A only
    assert world["staff"][Role.SETTLEMENT_SYSTEM] not in offered


def test_another_branchs_staff_is_refused_and_nothing_is_written(world, login):
    alert = raise_alert(world)
    page = step(login(world["staff"][Role.BRANCH_MANAGER]), alert, Step.CONTACT,
                **contact_fields(world["advisors"][2]))
    assert page.status_code == 200 and page.context["contact_form"].errors["staff"]
    assert not ContactRecord.objects.exists() and Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN


def test_a_contact_without_a_summary_comes_back_with_what_was_typed(world, login):
    advisor = world["staff"][Role.ADVISOR]
    alert = raise_alert(world)
    fields = {**contact_fields(advisor, summary=""), "contact-outcome": "will deposit"}
    page = step(login(advisor), alert, Step.CONTACT, **fields)
    form = page.context["contact_form"]
    assert form.errors["summary"] and form["outcome"].value() == "will deposit"
    assert not ContactRecord.objects.exists() and Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN


def test_resolve_needs_its_note(world, login):
    advisor = world["staff"][Role.ADVISOR]
    browser = login(advisor)
    alert = raise_alert(world)
    step(browser, alert, Step.CONTACT, **contact_fields(advisor))
    refused = step(browser, alert, Step.RESOLVE, note="  ")
    assert "请先写明" in refused.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.CONTACTED
    step(browser, alert, Step.RESOLVE, note="client deposited 50,000; degree 85 %")
    resolved = Alert.objects.get(pk=alert.pk)
    assert (resolved.status, resolved.resolution_note) == ("resolved", "client deposited 50,000; degree 85 %")


def test_a_step_not_open_now_is_refused(world, login):
    alert = raise_alert(world)
    page = step(login(world["staff"][Role.ADVISOR]), alert, Step.RESOLVE, note="done")
    assert "已被推进" in page.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN


def test_escalate_hands_the_alert_to_the_branch_risk_officer(world, login):
    alert = raise_alert(world)
    step(login(world["staff"][Role.ADVISOR]), alert, Step.ESCALATE)
    escalated = Alert.objects.get(pk=alert.pk)
    assert escalated.escalated and escalated.assigned_to == world["staff"][Role.RISK_OFFICER]


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.BRANCH_MANAGER, Role.RISK_OFFICER])
def test_another_branchs_alert_cannot_be_stepped(world, login, role):
    alert = raise_alert(world, "other_branch")
    browser = login(world["staff"][role])
    for name in (Step.ACKNOWLEDGE, Step.CONTACT, Step.ESCALATE):
        response = browser.post(reverse("admin:risk_alert_step", args=[alert.pk]),
                                {"step": name, **contact_fields(world["staff"][role])})
        assert response.status_code == 404
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN and not ContactRecord.objects.exists()


def test_a_colleagues_alert_is_not_the_advisors(world, login):
    alert = raise_alert(world, "colleague")
    response = login(world["staff"][Role.ADVISOR]).post(reverse("admin:risk_alert_step", args=[alert.pk]),
                                                        {"step": Step.ACKNOWLEDGE})
    assert response.status_code == 404 and Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN


def test_the_step_url_takes_posts_only(world, login):
    alert = raise_alert(world)
    assert login(world["staff"][Role.ADVISOR]).get(reverse("admin:risk_alert_step", args=[alert.pk])).status_code \
        == 405
