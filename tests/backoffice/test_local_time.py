"""Every time a person sees is Asia/Shanghai (issue 14 item 6): the alert list, the alert page, the contacts list
and captions, the workbench and the client page, each compared with the stored instant. The instant is chosen so
that UTC and Shanghai fall on different days: a page showing UTC shows the wrong date as well as the wrong hour."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from risk.models import RiskThresholdSet
from tests.factories import AlertFactory, ContactRecordFactory

RAISED = datetime.datetime(2026, 12, 1, 19, 58, tzinfo=datetime.UTC)  # 2026-12-02 03:58 in Shanghai
DUE = RAISED + datetime.timedelta(minutes=60)  # 2026-12-02 04:58 in Shanghai
CONTACTED = datetime.datetime(2026, 12, 1, 17, 30, tzinfo=datetime.UTC)  # 2026-12-02 01:30 in Shanghai


def shanghai(instant, pattern="%Y-%m-%d %H:%M") -> str:
    return instant.astimezone(datetime.timezone(datetime.timedelta(hours=8))).strftime(pattern)


def utc(instant, pattern="%Y-%m-%d %H:%M") -> str:
    return instant.astimezone(datetime.UTC).strftime(pattern)


@pytest.fixture
def stored(world):
    own = world["clients"]["own"]
    alert = AlertFactory(client=own, trade_date=datetime.date(2026, 12, 1), kind="margin_call",
                                 severity="high", thresholds=RiskThresholdSet.objects.get(), raised_at=RAISED,
                                 due_at=DUE, assigned_to=world["advisors"][0])
    contact = ContactRecordFactory(client=own, staff=world["advisors"][0], category="risk_notice",
                                           summary="called", contacted_at=CONTACTED,
                                           next_follow_up=timezone.localdate())
    return {"alert": alert, "contact": contact, "browser_of": world["staff"][Role.ADVISOR]}


def read(login, stored, url) -> str:
    return login(stored["browser_of"]).get(url).content.decode()


def test_the_expected_local_times_are_what_the_zone_gives():
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"
    assert (shanghai(RAISED), shanghai(DUE), shanghai(CONTACTED)) == (
        "2026-12-02 03:58", "2026-12-02 04:58", "2026-12-02 01:30")


def test_the_alert_list(stored, login):
    page = read(login, stored, reverse("admin:risk_alert_changelist"))
    assert shanghai(DUE) in page and utc(DUE) not in page


def test_the_alert_page(stored, login):
    page = read(login, stored, reverse("admin:risk_alert_change", args=[stored["alert"].pk]))
    assert shanghai(RAISED) in page and shanghai(DUE) in page
    assert utc(RAISED) not in page and utc(DUE) not in page


def test_the_contacts_list_and_captions(stored, login):
    page = read(login, stored, reverse("admin:service_log_contactrecord_changelist"))
    assert shanghai(CONTACTED, "%H:%M") in page and not re.search(rf"\b{utc(CONTACTED, '%H:%M')}\b", page)
    assert str(stored["contact"]) == f"{shanghai(CONTACTED)} 电话"


def test_the_workbench(stored, login):
    page = read(login, stored, reverse("workbench"))
    assert shanghai(DUE, "%m-%d %H:%M") in page and utc(DUE, "%m-%d %H:%M") not in page


def test_the_client_page_header_and_timeline(stored, login):
    response = login(stored["browser_of"]).get(reverse("admin:clients_client_change",
                                                       args=[stored["alert"].client_id]))
    assert response.context["facts"]["last_contact"] == shanghai(CONTACTED)
    shown = {moment.kind: moment.local for moment in response.context["timeline"].moments}
    assert shown["联系"] == shanghai(CONTACTED) and shown["风险预警"] == shanghai(RAISED)
    page = response.content.decode()
    assert utc(CONTACTED) not in page and utc(RAISED) not in page
