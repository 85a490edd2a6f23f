"""Real browser (issue 14 item 8): an advisor walks R5 entirely by clicking, in Debian's Chromium: the workbench,
the alert, reveal the phone, log the contact, resolve; then the client page with its equity chart drawn from the
database's statements."""

import datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from playwright.sync_api import sync_playwright

from clients.roles import Role
from risk.models import AlertEvent, RiskThresholdSet
from service_log.models import ContactRecord
from settlement.models import DailyStatement
from tests.browser import BROWSER_TESTS, launch, log_in, wait_until
from tests.factories import AlertFactory

pytestmark = BROWSER_TESTS


def recent_statements(client, days: int = 5) -> list[DailyStatement]:
    """A statement for each of the last `days` days, the latest at 110 % risk degree (a margin call)."""
    today = timezone.localdate()
    rows = []
    for back in range(days, 0, -1):
        day = today - datetime.timedelta(days=back)
        balance = Decimal("100000.00") + back * 1000
        margin = Decimal("110000.00") if back == 1 else Decimal("60000.00")
        rows.append(DailyStatement(trade_date=day, client=client, pre_balance=balance, deposit=0, withdrawal=0,
                                   close_profit=0, position_profit=0, commission=0, other_adjustments=0,
                                   balance=balance, margin=margin, available=balance - margin, trade_volume=1,
                                   position_volume=2))
    with connection.cursor() as cursor:
        for first in {row.trade_date.replace(day=1) for row in rows}:
            cursor.execute("SELECT futcrm_ensure_statement_partition(%s)", [first])
    return DailyStatement.objects.bulk_create(rows)


def test_an_advisor_answers_a_margin_call_by_clicking(world, live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares this thread with the ORM
    own, advisor = world["clients"]["own"], world["staff"][Role.ADVISOR]
    rows = recent_statements(own)
    now = timezone.now()
    alert = AlertFactory(client=own, trade_date=rows[-1].trade_date, kind="margin_call", severity="high",
                                 thresholds=RiskThresholdSet.objects.get(), raised_at=now, risk_degree="1.1000",
                                 due_at=now + datetime.timedelta(minutes=60), assigned_to=advisor)

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, live_server, advisor.user)

        page.click("text=今日工作台")
        page.click("#alerts a:has-text('追加保证金')")
        assert page.inner_text("h2:has-text('处理步骤')")
        phone = page.locator(".alert-situation span").first
        assert phone.inner_text() == "138****1001"
        page.click("button.pii-reveal")
        wait_until(page, "document.querySelector('.alert-situation span').innerText === '13800001001'")

        page.fill("#id_contact-summary", "已电话通知追加保证金，客户今日入金 20,000")
        page.click("button[value=contact]")
        page.wait_for_selector("text=已登记联系")
        page.fill("#id_step_note", "客户已入金，风险度回到 90% 以下")
        page.click("button[value=resolve]")
        page.wait_for_selector(".messagelist >> text=已解决")
        shown_status = page.inner_text(".fieldBox.field-status .readonly")

        page.click(".alert-situation a")  # the client
        wait_until(page, "window.futcrmCharts && window.futcrmCharts.money")
        chart = page.evaluate("""() => { const option = window.futcrmCharts.money.getOption();
            return {dates: option.xAxis[0].data, series: option.series.map(s => [s.name, s.data])}; }""")
        header_equity = page.inner_text("#fact-equity")
        browser.close()

    alert.refresh_from_db()
    assert errors == []
    assert (alert.status, alert.resolution_note) == ("resolved", "客户已入金，风险度回到 90% 以下")
    assert shown_status == "已解决"
    contact = ContactRecord.objects.get(alert=alert)
    assert (contact.staff, contact.summary) == (advisor, "已电话通知追加保证金，客户今日入金 20,000")
    assert list(AlertEvent.objects.filter(alert=alert).order_by("pk").values_list("action", flat=True)) == [
        "acknowledged", "contacted", "resolved"]
    series = dict(chart["series"])
    assert chart["dates"] == [row.trade_date.isoformat() for row in rows]
    assert series["权益"] == [float(row.balance) for row in rows]
    latest = rows[-1]
    assert series["保证金"][-1] == 110000.0
    assert series["风险度"][-1] == float((latest.margin / latest.balance * 100).quantize(Decimal("0.01")))  # 108.91
    assert header_equity == f"{rows[-1].balance:,.2f}"
