"""The risk dashboard's summary (issue 15 item 2): risk.AlertSummary is kept by the writes that change it. After
every kind of write the kept rows equal a build from scratch (risk/sql.py, SUMMARY_REBUILD); a client moved to
another branch moves on the dashboard at once; R6 compliance counts a contact exactly at the deadline as in time
and one a microsecond later as late."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from risk import services, sql
from risk.models import Alert, AlertEvent, AlertSummary, RiskThresholdSet
from tests.factories import AlertEventFactory, AlertFactory, ContactRecordFactory, SettlementDayFactory
from tests.fixtures.risk import DAY, statement


def kept() -> set[tuple]:
    return {row for row in AlertSummary.objects.values_list("trade_date", "branch_id", "advisor_id", "kind", "raised",
                                                            "contacted", "contacted_in_time")
            if any(row[4:])}


def rebuilt() -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql.SUMMARY_REBUILD)
    return kept()


def assert_kept_equals_rebuilt():
    before = kept()
    assert before == rebuilt()
    return before


def raise_alert(client, *, kind="margin_call", days_ago=1, due_in=datetime.timedelta(hours=1)) -> Alert:
    now = timezone.now()
    return AlertFactory(client=client, trade_date=timezone.localdate() - datetime.timedelta(days=days_ago),
                                kind=kind, severity="high", thresholds=RiskThresholdSet.objects.get(),
                                raised_at=now, due_at=now + due_in, assigned_to=client.advisor)


def contact(world, alert, staff_role=Role.HEAD_OFFICE):
    staff = world["staff"][staff_role]
    services.alert_acknowledge(user=staff.user, alert_id=alert.pk)
    record = ContactRecordFactory(client=alert.client, staff=staff, category="risk_notice", summary="called")
    services.alert_record_contact(user=staff.user, alert_id=alert.pk, contact=record)


def dashboard(world, login, role):
    return login(world["staff"][role]).get(reverse("risk-dashboard")).context["data"]


def test_every_kind_of_write_keeps_the_summary_equal_to_a_rebuild(world):
    own, colleague, other = (world["clients"][name] for name in ("own", "colleague", "other_branch"))
    alerts = [raise_alert(own), raise_alert(own, kind="risk_warning"), raise_alert(colleague, days_ago=2),
              raise_alert(other)]
    figures = assert_kept_equals_rebuilt()
    assert sum(row[4] for row in figures) == 4
    contact(world, alerts[0])  # acknowledged, then contacted in time
    assert_kept_equals_rebuilt()
    services.alert_resolve(user=world["staff"][Role.HEAD_OFFICE].user, alert_id=alerts[0].pk, note="deposited")
    services.alert_escalate(user=world["staff"][Role.HEAD_OFFICE].user, alert_id=alerts[2].pk)
    assert_kept_equals_rebuilt()
    Alert.objects.filter(pk=alerts[1].pk).update(status=Alert.Status.WITHDRAWN)  # its statements were corrected
    figures = assert_kept_equals_rebuilt()
    assert sum(row[4] for row in figures) == 3 and sum(row[5] for row in figures) == 1
    Alert.objects.filter(pk=alerts[1].pk).update(status=Alert.Status.OPEN)  # raised again
    colleague.advisor = world["advisors"][0]
    colleague.save()
    own.branch, own.advisor = world["branches"][1], world["advisors"][2]
    own.save()
    assert_kept_equals_rebuilt()
    AlertEvent.objects.filter(alert=alerts[3]).delete()
    Alert.objects.filter(pk=alerts[3].pk).delete()
    figures = assert_kept_equals_rebuilt()
    assert sum(row[4] for row in figures) == 3


def test_a_day_raised_in_one_statement_is_counted_once(world):
    """R2 raises a day's alerts in one INSERT … SELECT: the statement trigger counts them in one grouped pass."""
    for client in world["clients"].values():
        statement(client, margin="100000.00")
    SettlementDayFactory(trade_date=DAY, status="closed")
    assert services.alerts_evaluate(DAY) == 3
    assert services.alerts_evaluate(DAY) == 0  # a repeat raises nothing and counts nothing twice
    figures = assert_kept_equals_rebuilt()
    assert {(row[0], row[3], row[4]) for row in figures} == {(DAY, "margin_call", 1)}
    assert sum(row[4] for row in figures) == 3


def test_a_client_moved_to_another_branch_moves_on_the_dashboard_at_once(world, login):
    own = world["clients"]["own"]
    raise_alert(own)
    manager_before = dashboard(world, login, Role.BRANCH_MANAGER)
    assert sum(manager_before["trend"]["margin_call"]) == 1
    own.branch, own.advisor = world["branches"][1], world["advisors"][2]
    own.save()
    assert sum(dashboard(world, login, Role.BRANCH_MANAGER)["trend"]["margin_call"]) == 0
    assert sum(dashboard(world, login, Role.HEAD_OFFICE)["trend"]["margin_call"]) == 1
    assert sum(dashboard(world, login, Role.ADVISOR)["trend"]["margin_call"]) == 0  # no longer advisor 1's


@pytest.mark.parametrize(("late_by", "in_time"), [
    (datetime.timedelta(0), 1),                        # exactly at the deadline: in time (R6)
    (datetime.timedelta(microseconds=1), 0),           # one microsecond after: late
])  # fmt: skip
def test_compliance_at_the_deadline(world, login, late_by, in_time):
    alert = raise_alert(world["clients"]["own"])
    contact(world, alert)
    contacted_at = Alert.objects.get(pk=alert.pk).contacted_at
    Alert.objects.filter(pk=alert.pk).update(due_at=contacted_at - late_by)
    assert_kept_equals_rebuilt()
    assert dashboard(world, login, Role.ADVISOR)["compliance"] == {"due": 1, "in_time": in_time,
                                                                   "rate": 100.0 if in_time else 0.0}


def test_contacted_at_is_the_first_contact_whoever_records_it(world):
    alert = raise_alert(world["clients"]["own"])
    first = AlertEventFactory(alert=alert, action=AlertEvent.Action.CONTACTED)
    AlertEventFactory(alert=alert, action=AlertEvent.Action.CONTACTED)
    assert Alert.objects.get(pk=alert.pk).contacted_at == AlertEvent.objects.get(pk=first.pk).at


def test_withdrawn_alerts_count_for_nothing_and_open_ones_past_due_are_missed(world, login):
    own, colleague = world["clients"]["own"], world["clients"]["colleague"]
    raise_alert(own, due_in=-datetime.timedelta(minutes=1))  # past its deadline, not contacted: missed
    raise_alert(colleague, due_in=datetime.timedelta(minutes=1))  # still due: not counted yet
    withdrawn = raise_alert(own, kind="risk_warning", due_in=-datetime.timedelta(minutes=1))
    Alert.objects.filter(pk=withdrawn.pk).update(status=Alert.Status.WITHDRAWN)
    data = dashboard(world, login, Role.BRANCH_MANAGER)
    assert data["compliance"] == {"due": 1, "in_time": 0, "rate": 0.0}
    assert sum(data["trend"]["margin_call"]) == 2 and sum(data["trend"]["risk_warning"]) == 0
