"""Browser tests that see what a person sees (issue 15 item 6): Debian's Chromium opens each page an advisor and
head office read, in Chinese at 1440×900 and at 1366×768. A page fails on a horizontal scroll bar, an error in the
console or the page, or a chart drawn with no data and no empty state; each one is saved as a screenshot under
.artifacts/screens/ (ignored by git), which CI keeps."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import sync_playwright

from clients.roles import Role
from risk.models import KeyMonitoring
from tests.browser import BROWSER_TESTS, launch, log_in
from tests.fixtures.tiering import OCTOBER

SCREENS = Path(__file__).resolve().parents[2] / ".artifacts" / "screens"
pytestmark = BROWSER_TESTS
SIZES = [(1440, 900), (1366, 768)]


def pages(data, role) -> dict[str, str]:
    head_office_only = {  # issue 16: the imports that keep the calendar and the key-monitoring list
        "calendar-import": reverse("admin:settlement_tradingday_import"),
        "key-monitoring-import": reverse("admin:risk_keymonitoring_import"),
        "tier-policies": reverse("admin:tiering_tierpolicy_changelist"),
    } if role == Role.HEAD_OFFICE else {}
    return {**head_office_only,
        "cards-dashboard": reverse("cards-dashboard") + f"?month={OCTOBER:%Y-%m}",
        "workbench": reverse("workbench"),
        "client-page": reverse("admin:clients_client_change", args=[data["alert"].client_id]),
        "alert-page": reverse("admin:risk_alert_change", args=[data["alert"].pk]),
        "client-list": reverse("admin:clients_client_changelist"),
        "tier-dashboard": reverse("tier-dashboard") + f"?month={OCTOBER:%Y-%m}",
        "risk-dashboard": reverse("risk-dashboard"),
        "service-dashboard": reverse("service-dashboard"),
        "key-monitoring-page": reverse("admin:risk_keymonitoring_change",
                                       args=[KeyMonitoring.objects.get(client_id=data["alert"].client_id).pk]),
    }


CHARTS = """() => Object.entries(window.futcrmCharts || {}).map(([name, chart]) => {
    const option = chart.getOption();
    const drawnText = (option.graphic || []).flatMap(g => g.elements || []).map(e => (e.style || {}).text);
    return {name, canvas: !!chart.getDom().querySelector('canvas'), title: ((option.title || [])[0] || {}).text,
            says: drawnText, points: option.series.reduce((sum, s) => sum + (s.data || []).filter(
                v => v !== null && v !== 0 && !(Array.isArray(v) && v[2] === 0)).length, 0)};
})"""


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.HEAD_OFFICE])
def test_each_page_fits_draws_and_says_nothing_in_the_console(busy_client, live_server, monkeypatch, role):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares this thread with the ORM
    SCREENS.mkdir(parents=True, exist_ok=True)
    user = busy_client["world"]["staff"][role].user
    problems = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for width, height in SIZES:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN",
                                    timezone_id="Asia/Shanghai")
            errors = []
            page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
            page.on("console", lambda message, errors=errors: errors.append(message.text)
                    if message.type == "error" else None)
            log_in(page, live_server, user)
            for name, path in pages(busy_client, role).items():
                errors.clear()
                page.goto(live_server.url + path)
                page.wait_for_load_state("networkidle")
                # Measured before the screenshot: a full-page screenshot resizes the page, which hid a chart drawn
                # too wide (the charts now follow their boxes).
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                page.screenshot(path=str(SCREENS / f"{name}-{role}-{width}x{height}.png"), full_page=True)
                if overflow > 0:
                    problems.append(f"{name} at {width}×{height}: {overflow} px wider than the window")
                if errors:
                    problems.append(f"{name} at {width}×{height}: {errors}")
                for chart in page.evaluate(CHARTS):
                    if not chart["canvas"]:
                        problems.append(f"{name}: chart {chart['name']} has no canvas")
                    if not chart["title"]:
                        problems.append(f"{name}: chart {chart['name']} has no title")
                    if not chart["points"] and "暂无数据" not in chart["says"]:
                        problems.append(f"{name}: chart {chart['name']} is empty without saying 暂无数据")
            page.close()
        browser.close()
    assert problems == []
