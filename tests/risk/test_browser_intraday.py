"""Real browser (issue 33, Shows): a snapshot pushed by the counter is evaluated on the intraday queue by a real
Celery worker, and the advisor's desk, open in Chromium, shows the alert it raised within 5 seconds, without a
reload; the other advisor's desk does not."""

import json
import time

from django.test import Client as HttpClient
from playwright.sync_api import sync_playwright

from risk.models import Alert
from tests.browser import BROWSER_TESTS, launch, log_in, wait_until
from tests.fixtures.intraday import account, intraday_worker, position, quote, snapshot

pytestmark = BROWSER_TESTS


def test_the_advisors_desk_shows_the_alert_a_pushed_snapshot_raised_without_a_reload(intraday, live_server,
                                                                                     monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares this thread with the ORM
    mine, theirs = (advisor.user for advisor in intraday["advisors"])
    opening = snapshot(1, quotes=[quote(last="72000")], accounts=[account("8001"), account("8003")],
                       positions=[position("8001", volume=1), position("8003", volume=1)])
    assert intraday["api"].push(opening).status_code == 200  # flat market: nothing to say yet

    with sync_playwright() as playwright, intraday_worker():
        browser = launch(playwright)
        pages = {}
        for user in (mine, theirs):
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                    timezone_id="Asia/Shanghai")
            log_in(page, live_server, user, "/dashboard/intraday/")
            page.wait_for_selector("#intraday-live")
            page.evaluate("window.notReloaded = true")
            pages[user] = page
        desk = pages[mine]
        assert desk.locator(".intraday-alerts [data-alert]").count() == 0

        falling = snapshot(2, quotes=[quote(last="70000")])  # copper falls 2.78 %: heavy longs are hit
        started = time.monotonic()
        response = HttpClient().post("/api/v1/settlement/snapshots", json.dumps(falling),
                                     content_type="application/json", **intraday["api"].headers)
        assert response.status_code == 200, response.content
        wait_until(desk, "document.querySelectorAll('.intraday-alerts [data-alert]').length >= 1", timeout_ms=5000)
        seen = time.monotonic() - started
        text = desk.inner_text("#intraday-live")
        assert "逆势重仓 · cu" in text and "（8001）" in text and "（8003）" not in text
        assert desk.evaluate("window.notReloaded === true")
        assert desk.locator(".intraday-alerts li.new").count() == 1  # marked as new where they appeared
        desk.screenshot(path=str(tmp_path / "desk.png"))
        other = pages[theirs]
        wait_until(other, "document.querySelectorAll('.intraday-alerts [data-alert]').length >= 1", timeout_ms=5000)
        assert "（8001）" not in other.inner_text("#intraday-live")
        browser.close()
    assert Alert.objects.filter(client__account_no="8001", kind="adverse_move").exists()
    print(f"\nalert on the advisor's desk {seen:.1f} s after the snapshot's push")
