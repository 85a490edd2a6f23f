"""The client page (客户360, issue 14 item 1): the header's facts, the money for the chart, the statements a page
at a time and as CSV (scoped, O), and one timeline in local time; nothing a person reads is a raw code."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from backoffice import client_page
from clients.roles import Role
from risk.models import RiskThresholdSet
from risk.services import alert_acknowledge
from service_log.models import ContactRecord, MessageTemplate
from settlement.models import DailyStatement
from tests.factories import (
    AlertFactory,
    ComplaintFactory,
    ContactRecordFactory,
    KeyMonitoringFactory,
    SmsDeliveryFactory,
    TierChangeFactory,
    TierOverrideFactory,
)
from tests.fixtures.risk import DAY, statement
from tests.fixtures.scoping import ROLES
from tests.fixtures.tiering import OCTOBER, SEPTEMBER, close, days_of, statements
from tests.fixtures.world import VISIBLE
from tiering.services import tiers_recalculate


def page_of(browser, client, **params):
    return browser.get(reverse("admin:clients_client_change", args=[client.pk]), params)


@pytest.fixture
def own_on_the_phone(world):
    """'own': a statement at 85 % risk degree, on key monitoring, with an open margin call and a contact."""
    own = world["clients"]["own"]
    statement(own, margin="85000.00")
    KeyMonitoringFactory(client=own, reason="large_loss", started_on=DAY, last_trigger_on=DAY)
    now = timezone.now()
    AlertFactory(client=own, trade_date=DAY, kind="margin_call", severity="high", risk_degree="0.8500",
                         thresholds=RiskThresholdSet.objects.get(), raised_at=now - datetime.timedelta(hours=2),
                         due_at=now - datetime.timedelta(hours=1))
    ContactRecordFactory(client=own, staff=world["advisors"][0], category="guidance", summary="market view",
                                 contacted_at=now - datetime.timedelta(days=1),
                                 next_follow_up=timezone.localdate() + datetime.timedelta(days=3))
    own.marketer = world["advisors"][1]
    own.save()
    return world


def test_the_header_has_what_a_call_needs(own_on_the_phone, login):
    world = own_on_the_phone
    own = world["clients"]["own"]
    facts = page_of(login(world["staff"][Role.ADVISOR]), own).context["facts"]
    contact = ContactRecord.objects.get()
    assert (facts["equity"], facts["margin"], facts["available"], facts["degree"]) == (
        "100,000.00", "85,000.00", "15,000.00", "85.00%")
    assert facts["trade_date"] == DAY.isoformat()
    assert facts["key_monitoring"] == "大额亏损" and facts["open_alerts"] == 1 and facts["open_complaints"] == 0
    assert facts["last_contact"] == timezone.localtime(contact.contacted_at).strftime("%Y-%m-%d %H:%M")
    assert facts["next_follow_up"] == contact.next_follow_up.isoformat()
    assert (facts["advisor"], facts["marketer"]) == (str(world["advisors"][0]), str(world["advisors"][1]))


def test_an_override_in_force_is_shown_beside_the_computed_tier(world, login):
    own, head_office = world["clients"]["own"], world["staff"][Role.HEAD_OFFICE].user
    statements(own, OCTOBER, "1000000.00")
    close(OCTOBER)
    tiers_recalculate(OCTOBER)
    month = timezone.localdate().replace(day=1)
    TierOverrideFactory(client=own, tier="diamond", first_month=month, last_month=month, reason="VIP",
                                requested_by=world["staff"][Role.BRANCH_MANAGER].user, approved_by=head_office,
                                approved_at=timezone.now())
    page = page_of(login(world["staff"][Role.ADVISOR]), own)
    assert page.context["facts"]["computed_tier"] == "黄金"
    assert f"人工调整：钻石，至 {month:%Y-%m}" in page.content.decode()


def test_the_contribution_card_is_shown_and_a_silver_card_in_force_first(world, login):
    """T13/T16 on the client page: the latest month's card with its month; an approved silver card in force first."""
    from tiering.cards import cards_compute
    from tiering.models import SilverCard

    own = world["clients"]["own"]
    statements(own, OCTOBER, "1000000.00")
    close(OCTOBER)
    cards_compute(OCTOBER)
    browser = login(world["staff"][Role.ADVISOR])
    assert page_of(browser, own).context["facts"]["card"] == "白金卡（2026-10）"
    month = timezone.localdate().replace(day=1)
    SilverCard.objects.create(client=own, first_month=month, last_month=month, reason="新户",
                              requested_by=world["staff"][Role.ADVISOR].user,
                              approved_by=world["staff"][Role.BRANCH_MANAGER].user, approved_at=timezone.now())
    page = page_of(browser, own)
    assert page.context["facts"]["card"] == "银卡" and "贡献卡：银卡" in page.content.decode()


def test_the_chart_has_the_last_twelve_months_of_money(world):
    own = world["clients"]["own"]
    statements(own, SEPTEMBER, "200000.00")
    statements(own, OCTOBER, "300000.00")
    series = client_page.money_series(own, today=datetime.date(2027, 8, 15))  # September 2026 is 12 months back
    assert series["dates"][0] == days_of(SEPTEMBER)[0].isoformat() and len(series["dates"]) == len(
        days_of(SEPTEMBER)) + len(days_of(OCTOBER))
    assert series["equity"][0] == 200000.0 and series["equity"][-1] == 300000.0
    assert client_page.money_series(own, today=datetime.date(2027, 9, 15))["dates"][0] == days_of(OCTOBER)[
        0].isoformat()  # September is 13 months back now


def test_a_degree_with_no_finite_value_is_a_gap_in_the_chart(world):
    own = world["clients"]["own"]
    statement(own, balance="0.00", margin="5.00")
    series = client_page.money_series(own, today=DAY)
    assert series["degree"] == [None] and series["equity"] == [0.0]


def test_the_statements_table_pages(world, login):
    own = world["clients"]["own"]
    statements(own, SEPTEMBER, "200000.00")
    statements(own, OCTOBER, "300000.00")
    days = days_of(SEPTEMBER) + days_of(OCTOBER)
    browser = login(world["staff"][Role.ADVISOR])
    first = page_of(browser, own).context["statements"]
    assert first.paginator.count == len(days) and len(first.object_list) == client_page.STATEMENTS_PER_PAGE
    assert first.object_list[0]["trade_date"] == days[-1].isoformat()  # newest first
    last = page_of(browser, own, statements_page=first.paginator.num_pages).context["statements"]
    assert last.object_list[-1]["trade_date"] == days[0].isoformat()


@pytest.mark.parametrize("role", [role for role in ROLES if role != Role.SETTLEMENT_SYSTEM])
@pytest.mark.parametrize("target", ["own", "colleague", "other_branch"])
def test_the_statements_export_is_scoped(world, login, role, target):
    client = world["clients"][target]
    statement(client, margin="85000.00")
    response = login(world["staff"][role]).get(reverse("admin:clients_client_statements_export", args=[client.pk]))
    if target in VISIBLE[role]:
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][0] == "资金账号" and "权益" in rows[0] and rows[0][-1] == "风险度"
        assert rows[1][0] == client.account_no and rows[1][rows[0].index("权益")] == "100000.00"
        assert rows[1][-1] == "85.00%" and len(rows) == 2
    else:
        assert response.status_code == 404


def test_the_export_takes_inclusive_dates_and_refuses_others(world, login):
    own = world["clients"]["own"]
    statements(own, SEPTEMBER, "200000.00")
    statements(own, OCTOBER, "300000.00")
    url = reverse("admin:clients_client_statements_export", args=[own.pk])
    browser = login(world["staff"][Role.ADVISOR])
    october = days_of(OCTOBER)
    response = browser.get(url, {"from": october[0].isoformat(), "to": october[-1].isoformat()})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    assert [row[1] for row in rows] == [day.isoformat() for day in october]
    refused = browser.get(url, {"from": "20261001"})
    assert refused.status_code == 400 and "YYYY-MM-DD" in refused.content.decode()


def test_the_timeline_is_one_story_newest_first_in_local_time(world, login):
    own, advisor = world["clients"]["own"], world["staff"][Role.ADVISOR]
    now = timezone.now()
    contact = ContactRecordFactory(client=own, staff=advisor, category="risk_notice", channel="phone",
                                           summary="called about the margin", contacted_at=now -
                                           datetime.timedelta(hours=3))
    alert = AlertFactory(client=own, trade_date=DAY, kind="margin_call", severity="high",
                                 thresholds=RiskThresholdSet.objects.get(), raised_at=now - datetime.timedelta(hours=5),
                                 due_at=now - datetime.timedelta(hours=4), risk_degree="1.1000")
    alert_acknowledge(user=advisor.user, alert_id=alert.pk)
    ComplaintFactory(client=own, channel="phone", category="service", description="waited long",
                             received_at=now - datetime.timedelta(days=2), acknowledge_by=now, resolve_by=now)
    SmsDeliveryFactory(client=own, template=MessageTemplate.objects.get(code="margin_call"),
                               text="请追加保证金", status="sent")
    TierChangeFactory(client=own, month=OCTOBER, from_tier="platinum", to_tier="gold", upgrade=True)
    moments = page_of(login(advisor), own).context["timeline"].moments
    kinds = [moment.kind for moment in moments]
    assert kinds == ["短信", "预警处理", "联系", "风险预警", "投诉", "级别变动"]
    assert [moment.at for moment in moments] == sorted((moment.at for moment in moments), reverse=True)
    shown = {moment.kind: moment.local for moment in moments}
    assert shown["联系"] == timezone.localtime(contact.contacted_at).strftime("%Y-%m-%d %H:%M")
    assert shown["级别变动"] == "2026-10-01"
    texts = " ".join(moment.text for moment in moments)
    assert "追加保证金" in texts and "110.00%" in texts and "已确认" in texts and "白金 → 黄金" in texts


def test_no_raw_code_reaches_the_page(own_on_the_phone, login):
    text = page_of(login(own_on_the_phone["staff"][Role.ADVISOR]), own_on_the_phone["clients"]["own"]).content
    visible = text.decode()
    for code in ("margin_call", "large_loss", "risk_notice", "equity>="):
        assert f">{code}<" not in visible and f" {code} " not in visible
    assert DailyStatement.objects.count() == 1


def test_the_page_is_built_for_a_call(world, login):
    """Issue 36 item 3: the header and the money, then the form to log this call, then the timeline (paged), then
    the record; past contacts are read in the timeline, never as forms (the page was 23,700 px tall)."""
    own, advisor = world["clients"]["own"], world["advisors"][0]
    for day in range(client_page.TIMELINE_SIZE + 5):
        ContactRecordFactory(client=own, staff=advisor, summary=f"第 {day} 次通话",
                             contacted_at=timezone.now() - datetime.timedelta(days=day))
    page = page_of(login(advisor), own)
    html = page.content.decode()
    with translation.override("zh-hans"):
        record = html.index(gettext("Settlement master data"))  # the record's first fieldset
    assert html.index('id="money"') < html.index("登记本次联系") < html.index('id="timeline"') < record
    assert re.search(r'name="[\w-]+-INITIAL_FORMS" value="0"', html) and "第 0 次通话</textarea>" not in html
    first = page.context["timeline"]
    assert len(first.moments) == client_page.TIMELINE_SIZE and first.has_next and "第 0 次通话" in first.moments[0].text
    second = page_of(login(advisor), own, timeline_page=2).context["timeline"]
    assert second.number == 2 and not second.has_next and "第 29 次通话" in second.moments[-1].text
