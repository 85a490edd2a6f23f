"""Real browser (issue 17, Shows): a call event opens a ticket and the staff member's page shows it without a
reload; they answer with a knowledge-base article and resolve it; the client answers the survey from the SMS link
on a phone-sized page, in Debian's Chromium."""

import json
import re
from urllib.parse import urlsplit

from django.test import Client as HttpClient
from playwright.sync_api import sync_playwright

from clients.roles import Role
from service_desk import services, surveys
from service_desk.models import SurveyInvitation, Ticket, TicketCategory, TicketEvent
from service_log.models import SurveyResponse
from tests.browser import BROWSER_TESTS, launch, log_in
from tests.settlement_helpers import token_for

pytestmark = BROWSER_TESTS

ARTICLE = ("银期转账资金未到账的处理", "银期转账在交易时段内实时到账。显示成功但未到账时，请先核对银行账户余额，"
           "再在交易软件中查询转账流水。")


def test_a_call_becomes_a_ticket_answered_from_the_knowledge_base_and_rated_by_the_client(world, live_server,
                                                                                         monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares this thread with the ORM
    desk = world["staff"][Role.SERVICE_STAFF]
    category = TicketCategory.objects.get(code="bank_transfer")
    article = services.article_write(user=desk.user, category_id=category.pk, title=ARTICLE[0], body=ARTICLE[1],
                                     keywords="转账 到账")
    token = token_for(world["staff"][Role.SETTLEMENT_SYSTEM].user, "service:calls")

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, live_server, desk.user)
        page.goto(f"{live_server.url}/workbench/")
        page.wait_for_timeout(1500)  # the page's first poll has run: what comes now is new

        answer = HttpClient().post("/api/v1/service/calls", json.dumps({
            "call_id": "CC-20261203-0001", "caller_number": "13800001001", "called_line": "95xxx",
            "staff_code": desk.staff_code}), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert answer.status_code == 201, answer.content
        notice = page.wait_for_selector("#notices a.notice", timeout=12000)  # no reload: the poll brings it
        assert "来电" in notice.inner_text()
        page.screenshot(path=str(tmp_path / "notice.png"))
        notice.click()
        page.wait_for_selector("#ticket-steps")
        ticket = Ticket.objects.get(calls__call_id="CC-20261203-0001")
        assert page.url.endswith(f"/service_desk/ticket/{ticket.pk}/change/")

        page.fill("#kb-query", "转账没到账")
        page.click("#kb-search")
        page.wait_for_selector(f"#kb input[name=article][value='{article.pk}']")
        page.check(f"#kb input[name=article][value='{article.pk}']")
        page.click("button[value=reply]")
        page.wait_for_selector(".messagelist >> text=已完成")
        page.fill("textarea[name=text]", "已核实资金到账，请客户刷新交易软件查看。")
        page.click("button[value=resolve]")
        page.wait_for_selector(".messagelist >> text=已完成")
        state = page.inner_text(".field-state .readonly")
        page.screenshot(path=str(tmp_path / "ticket.png"), full_page=True)

        invitation = SurveyInvitation.objects.get(ticket=ticket)
        surveys.survey_invitations_send()
        invitation.refresh_from_db()
        link = re.search(r"https?://\S+", invitation.sms.text).group(0)
        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
        phone.goto(live_server.url + urlsplit(link).path)  # the SMS names FUTCRM_PUBLIC_URL; here the test server
        phone.click(".scale label:has-text('5')")
        phone.click("button[type=submit]")
        phone.wait_for_selector("text=您的回答已收到")
        phone.screenshot(path=str(tmp_path / "survey.png"))
        phone.reload()
        used_again = phone.inner_text("h1")
        browser.close()

    assert errors == []
    reply = TicketEvent.objects.get(ticket=ticket, kind="reply", article__isnull=False)
    assert reply.article == article.current and reply.text == ARTICLE[1]
    ticket.refresh_from_db()
    assert ticket.state == "resolved" and state == "已解决" and ticket.client == world["clients"]["own"]
    assert SurveyResponse.objects.get(reference=f"invitation {invitation.pk}").score == 5
    assert used_again == "感谢您"  # the link answered once says so
