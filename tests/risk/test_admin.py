"""Every time a person sees is Asia/Shanghai (issue 14 item 6, in part): the alert list's deadline and the captions
of contacts, compared with the stored instant."""

import datetime

from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from risk.models import Alert, RiskThresholdSet
from service_log.models import ContactRecord
from tests.factories import AlertFactory

STORED = datetime.datetime(2026, 12, 1, 20, 58, tzinfo=datetime.UTC)  # 2026-12-02 04:58 in Shanghai


def test_the_alert_list_shows_the_deadline_in_shanghai_time(world, login):
    AlertFactory(client=world["clients"]["own"], trade_date=datetime.date(2026, 12, 1), kind="margin_call",
                         severity="high", thresholds=RiskThresholdSet.objects.get(), raised_at=STORED,
                         due_at=STORED, assigned_to=world["advisors"][0])
    page = login(world["staff"][Role.ADVISOR]).get(reverse("admin:risk_alert_changelist")).content.decode()
    assert "2026-12-02 04:58" in page and "2026-12-01 20:58" not in page


def test_a_contact_is_captioned_in_shanghai_time_and_words():
    contact = ContactRecord(contacted_at=STORED, channel="phone")
    assert str(contact) == f"{timezone.localtime(STORED):%Y-%m-%d %H:%M} 电话" == "2026-12-02 04:58 电话"


def test_an_alert_is_captioned_in_words():
    assert str(Alert(trade_date=datetime.date(2026, 12, 1), kind="margin_call")) == "2026-12-01 追加保证金"
