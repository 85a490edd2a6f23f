"""R3's manual exit (issue 16 item 5): an open entry's page has a button that removes the client from the list with a
reason, through risk.services.key_monitoring_end (which had no caller). Scoped (O), refused without a reason, and
only for the roles that keep the list."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from risk.models import KeyMonitoring
from tests.factories import KeyMonitoringFactory


@pytest.fixture
def entries(world):
    return {name: KeyMonitoringFactory(client=client, reason=KeyMonitoring.Reason.LARGE_LOSS,
                                               started_on=timezone.localdate() - datetime.timedelta(days=5),
                                               last_trigger_on=timezone.localdate() - datetime.timedelta(days=5))
            for name, client in world["clients"].items()}


def end(browser, entry, note):
    return browser.post(reverse("admin:risk_keymonitoring_end", args=[entry.pk]), {"end_note": note}, follow=True)


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("role", [Role.RISK_OFFICER, Role.BRANCH_MANAGER, Role.HEAD_OFFICE])
def test_a_role_that_keeps_the_list_removes_a_client_with_a_reason(world, entries, login, role):
    browser = login(world["staff"][role])
    page = browser.get(reverse("admin:risk_keymonitoring_change", args=[entries["own"].pk]))
    assert page.context["can_end"] and 'id="key-monitoring-end"' in page.content.decode()
    response = end(browser, entries["own"], "  客户已追加保证金，风险解除  ")
    entry = KeyMonitoring.objects.get(pk=entries["own"].pk)
    assert (entry.ended_on, entry.end_reason, entry.ended_by, entry.note) == (
        timezone.localdate(), KeyMonitoring.EndReason.MANUAL, world["staff"][role].user, "客户已追加保证金，风险解除")
    assert shown_messages(response) == ["已移出重点监控。"]
    assert not response.context["can_end"]  # an ended entry offers no button


def test_no_reason_no_removal(world, entries, login):
    response = end(login(world["staff"][Role.RISK_OFFICER]), entries["own"], "   ")
    assert KeyMonitoring.objects.get(pk=entries["own"].pk).ended_on is None
    assert shown_messages(response) == ["移出重点监控需要填写原因。"]


def test_another_branchs_entry_is_not_found_and_stays(world, entries, login):
    response = end(login(world["staff"][Role.RISK_OFFICER]), entries["other_branch"], "reason")
    assert response.status_code == 404
    assert KeyMonitoring.objects.get(pk=entries["other_branch"].pk).ended_on is None


def test_an_advisor_sees_no_button_and_cannot_remove(world, entries, login):
    browser = login(world["staff"][Role.ADVISOR])
    page = browser.get(reverse("admin:risk_keymonitoring_change", args=[entries["own"].pk]))
    assert page.status_code == 200 and not page.context["can_end"]
    response = end(browser, entries["own"], "reason")
    assert KeyMonitoring.objects.get(pk=entries["own"].pk).ended_on is None
    assert shown_messages(response) == ["只能由维护名单的岗位移出尚在名单上的客户。"]


def test_the_end_url_takes_only_a_post(world, entries, login):
    browser = login(world["staff"][Role.RISK_OFFICER])
    assert browser.get(reverse("admin:risk_keymonitoring_end", args=[entries["own"].pk])).status_code == 405
