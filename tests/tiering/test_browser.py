"""Real browser (issue 4): Debian's Chromium, driven by Playwright, loads the tier dashboard; the charts render and
their numbers and the tables' numbers are the database's."""

import datetime

from django.db.models import Count
from django.utils import timezone
from playwright.sync_api import sync_playwright

from clients.roles import Role
from risk.models import Alert, RiskThresholdSet
from service_log.services import complaint_register, survey_response_record
from tests.browser import BROWSER_TESTS, launch, log_in, wait_until
from tests.factories import AlertFactory
from tests.fixtures.tiering import OCTOBER, SEPTEMBER, close, statements
from tiering.models import TierAssignment
from tiering.selectors import TIER_CODES
from tiering.services import tiers_recalculate

pytestmark = BROWSER_TESTS


def open_dashboard(live_server, user, path: str) -> dict:
    """Log in through the real login page, open `path`, wait for the charts; return what the browser saw."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, live_server, user, path)
        wait_until(page, "window.futcrmCharts !== undefined")
        seen = {
            "errors": errors,
            "charts": page.evaluate("""() => Object.fromEntries(Object.entries(window.futcrmCharts).map(
                ([name, chart]) => [name, {canvas: !!chart.getDom().querySelector('canvas'),
                                           series: chart.getOption().series.map(s => s.data)}]))"""),
            "per_tier": page.eval_on_selector_all("#per-tier tbody tr", """rows => rows.map(row => [
                row.dataset.tier, Number(row.querySelectorAll('td')[1].innerText)])"""),
            "text": {selector: page.inner_text(selector) for selector in ("#total-clients", "#open-total")
                     if page.query_selector(selector)},
        }
        browser.close()
    return seen


def test_tier_dashboard_renders_charts_with_the_database_figures(world, live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares this thread with the ORM

    for name, balance in (("own", "1000000.00"), ("colleague", "5000.00"), ("other_branch", "6000000.00")):
        statements(world["clients"][name], SEPTEMBER, balance)
        statements(world["clients"][name], OCTOBER, balance)
    close(SEPTEMBER)
    close(OCTOBER)
    tiers_recalculate(SEPTEMBER)
    tiers_recalculate(OCTOBER)
    expected = dict(TierAssignment.objects.filter(month=OCTOBER).values_list("tier").annotate(Count("id")))
    seen = open_dashboard(live_server, world["staff"][Role.HEAD_OFFICE].user, "/dashboard/tiers/%3Fmonth%3D2026-10")
    errors, rendered, table, total = seen["errors"], seen["charts"], seen["per_tier"], seen["text"]["#total-clients"]

    assert errors == []
    assert all(chart["canvas"] for chart in rendered.values()), rendered
    assert rendered["tiers"]["series"][0] == [expected.get(code, 0) for code in TIER_CODES]
    assert dict((tier, count) for tier, count in table if count) == expected
    assert int(total) == sum(expected.values()) == 3
    trend_last_month = [series[-1] for series in rendered["trend"]["series"]]
    assert trend_last_month == [expected.get(code, 0) for code in TIER_CODES]


def test_risk_dashboard_renders_charts_with_the_database_figures(world, live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")



    now = timezone.now()
    for name, kind in (("own", "margin_call"), ("colleague", "risk_warning"), ("other_branch", "margin_call")):
        AlertFactory(client=world["clients"][name], trade_date=timezone.localdate(), kind=kind,
                             severity="high" if kind == "margin_call" else "low",
                             thresholds=RiskThresholdSet.objects.get(), raised_at=now,
                             due_at=now + datetime.timedelta(hours=1))
    manager = world["staff"][Role.BRANCH_MANAGER].user  # sees branch A: one margin call, one warning
    seen = open_dashboard(live_server, manager, "/dashboard/risk/")
    errors, rendered, total = seen["errors"], seen["charts"], seen["text"]["#open-total"]

    kinds = list(Alert.Kind.values)
    assert errors == []
    assert all(chart["canvas"] for chart in rendered.values())
    expected = [1 if kind in {"margin_call", "risk_warning"} else 0 for kind in kinds]
    assert rendered["open"]["series"][0] == expected
    assert int(total) == 2
    assert [series[-1] for series in rendered["trend"]["series"]] == expected


def test_service_dashboard_renders_its_charts(world, live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    head_office = world["staff"][Role.HEAD_OFFICE].user
    for name, score in (("own", 5), ("colleague", 3)):
        complaint_register(user=head_office, client_id=world["clients"][name].pk, channel="phone",
                           category="service", description="waited long")
        survey_response_record(user=head_office, client_id=world["clients"][name].pk, survey="Q4", score=score)
    seen = open_dashboard(live_server, world["staff"][Role.BRANCH_MANAGER].user, "/dashboard/service/")
    assert seen["errors"] == []
    assert all(chart["canvas"] for chart in seen["charts"].values())
    assert seen["charts"]["complaints"]["series"][0] == [2, 0, 0]  # received, acknowledged, resolved
    assert seen["charts"]["satisfaction"]["series"][0] == [4.0]  # (5 + 3) / 2 this month
