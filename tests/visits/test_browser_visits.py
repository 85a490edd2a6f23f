"""Real browser (issue 34, Shows): a new account arrives by the client push, its return visit appears on the
service staff's workbench, is made in Chromium by clicking through the script, and the counter's endpoint lists it
as successful."""

import json

from django.test import Client as HttpClient
from django.utils import timezone
from playwright.sync_api import sync_playwright

from clients.roles import Role
from core.tasks import run_owed_work
from tests.browser import BROWSER_TESTS, launch, log_in
from tests.factories import make_staff
from tests.fixtures.settlement_days import client_row
from visits.models import ReturnVisit

pytestmark = BROWSER_TESTS


def test_a_pushed_accounts_visit_is_made_from_the_workbench_and_read_by_the_counter(setup, live_server, settings,
                                                                                    monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares this thread with the ORM
    settings.FUTCRM_VISITS_FROM = "2026-01-01"
    service = make_staff(Role.SERVICE_STAFF, setup["branch"], "BJ01S1")
    today = timezone.localdate()
    pushed = setup["api"].push_clients([client_row("9101", name="钱多多", opened_on=today.isoformat())])
    assert pushed.status_code == 200, pushed.content
    run_owed_work()  # what the worker does with the push's owed welcome: the visit is owed with it (A5)
    visit = ReturnVisit.objects.get(client__account_no="9101")

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
        log_in(page, live_server, service.user, "/workbench/")
        page.wait_for_selector("#return-visits")
        assert "钱多多（9101）" in page.inner_text("#return-visits")
        page.click("#return-visits a:has-text('钱多多')")
        page.wait_for_selector("form.visit-form")
        items = page.locator("ol.visit-items > li")
        assert items.count() == 6 and "本人亲自开立" in items.nth(0).inner_text()
        for number in range(items.count()):
            items.nth(number).locator("input[value=confirmed]").check()
        page.select_option("#outcome", "reached")
        page.fill("#recording_ref", "CC-20261208-0001")
        page.click("form.visit-form input[type=submit]")
        page.wait_for_selector(".visit-attempts")
        text = page.inner_text("#content")
        assert "新开户 · 回访成功" in text and "CC-20261208-0001" in text
        assert page.locator("form.visit-form").count() == 0
        page.screenshot(path=str(tmp_path / "visit.png"))
        browser.close()

    visit.refresh_from_db()
    assert visit.status == ReturnVisit.Status.SUCCESSFUL and visit.finished_by == service
    answer = HttpClient().get(f"/api/v1/settlement/visits?from={today}&to={today}&trigger=new_account",
                              **setup["api"].headers)
    assert answer.status_code == 200, answer.content
    rows = json.loads(answer.content)["results"]
    assert [(row["account_no"], row["outcome"]) for row in rows] == [("9101", "successful")]
