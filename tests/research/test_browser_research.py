"""Real browser (issue 18, Shows): an analyst drafts a trading tip, compliance refuses it (a specific point) and
approves the next version; a branch manager sends it to gold-and-above clients of the branch; only the client whose
suitability fits receives it; the follow-up task on the advisor's workbench is closed by a contact logged on the
client's page; the evening's coverage report lists who got nothing that day. In Chinese, at 1440×900, in Debian's
Chromium."""

from django.utils import timezone
from playwright.sync_api import sync_playwright

from clients.roles import Role
from core.tasks import run_owed_work
from research.models import Delivery, Distribution, Product, Publication, ReviewDecision
from service_log.models import FollowUpTask, InformationGap
from service_log.services import information_gaps_write
from tests.browser import BROWSER_TESTS, launch, log_in
from tests.fixtures.research import tier

pytestmark = BROWSER_TESTS

POINTS = "沪金短线偏强，可在 560 附近买入，止损 552。"
NO_POINTS = "沪金短线偏强，关注回调后的机会，注意控制仓位。"


def as_person(browser, live_server, profile, tmp_path, path: str):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, profile.user)
    page.goto(live_server.url + path)
    return page, errors


def test_a_tip_refused_then_approved_reaches_the_suited_gold_clients_and_is_followed_up(research, live_server,
                                                                                     monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares this thread with the ORM
    own, colleague, other = (research["clients"][key] for key in ("own", "colleague", "other_branch"))
    for client in (own, colleague, other):
        tier(client, "gold")
    colleague.risk_tolerance = "C2"  # gold, but an R3 tip does not suit them (适当性)
    colleague.save()
    gold = Product.objects.get(exchange="SHFE", code="au", kind="futures")

    with sync_playwright() as playwright:
        browser = launch(playwright)
        analyst, errors = as_person(browser, live_server, research["analyst"], tmp_path,
                                    "/admin/research/publication/add/")
        analyst.select_option("#id_kind", "tip")
        analyst.fill("#id_title", "沪金交易机会提示")
        analyst.select_option("#id_products_from", str(gold.pk))
        analyst.click("#id_products_add")
        analyst.select_option("#id_risk_level", "R3")
        analyst.fill("#id_body", POINTS)
        analyst.click("input[name=_continue]")
        analyst.wait_for_selector("#research-steps")
        publication = Publication.objects.get(title="沪金交易机会提示")
        analyst.click("button[value=submit]")
        analyst.wait_for_selector(".messagelist")
        path = f"/admin/research/publication/{publication.pk}/change/"

        compliance, compliance_errors = as_person(browser, live_server, research["compliance"], tmp_path, path)
        warnings = compliance.inner_text("#publication-warnings")
        assert "560" in warnings  # the specific point is named to the reviewer
        compliance.fill("textarea[name=comment]", "含具体进出点位，请删去后再提交。")
        compliance.click("button[value=refused]")
        compliance.wait_for_selector("#decisions")
        compliance.screenshot(path=str(tmp_path / "refused.png"), full_page=True)

        analyst.goto(live_server.url + path)
        analyst.fill("textarea[name=body]", NO_POINTS)
        analyst.click("button[value=version]")
        analyst.wait_for_selector("button[value=submit]")
        analyst.click("button[value=submit]")
        analyst.wait_for_selector(".messagelist")

        compliance.goto(live_server.url + path)
        assert compliance.query_selector("#publication-warnings") is None or "560" not in compliance.inner_text(
            "#publication-warnings")
        compliance.click("button[value=approved]")
        compliance.wait_for_selector("#decisions")
        decisions = list(ReviewDecision.objects.filter(version__publication=publication)
                         .order_by("decided_at").values_list("decision", "version__number"))
        assert decisions == [("refused", 1), ("approved", 2)]

        manager, manager_errors = as_person(browser, live_server, research["staff"][Role.BRANCH_MANAGER], tmp_path,
                                            path)
        for value in ("diamond", "platinum", "gold"):
            manager.check(f"#step-send input[name=tiers][value={value}]")
        manager.select_option("#step-send select[name=branch]", str(research["branches"][0].pk))
        manager.click("button[value=send]")
        manager.wait_for_selector(".messagelist")
        run_owed_work()  # what the worker does with the sending queued at commit
        distribution = Distribution.objects.get(publication=publication)
        assert distribution.state == "sent" and distribution.version.number == 2  # exactly the approved version
        assert list(Delivery.objects.filter(distribution=distribution).values_list("client__account_no",
                                                                                   flat=True)) == ["1001"]
        manager.goto(live_server.url + path)
        manager.screenshot(path=str(tmp_path / "sent.png"), full_page=True)

        advisor, advisor_errors = as_person(browser, live_server, research["staff"][Role.ADVISOR], tmp_path,
                                            "/workbench/")
        assert "沪金交易机会提示" in advisor.inner_text("body")  # the same-day follow-up task (S21)
        advisor.screenshot(path=str(tmp_path / "workbench.png"), full_page=True)
        advisor.click(f"a[href$='/admin/clients/client/{own.pk}/change/#contacts-group']")
        advisor.select_option("[name='contacts-0-channel']", "phone")
        advisor.select_option("[name='contacts-0-direction']", "outbound")
        advisor.select_option("[name='contacts-0-category']", "guidance")
        advisor.fill("[name='contacts-0-summary']", "回访沪金交易机会提示，客户已知悉风险，暂不操作。")
        advisor.click("input[name=_continue]")
        advisor.wait_for_selector(".messagelist")
        task = FollowUpTask.objects.get(client=own, source="research")
        assert task.done_at is not None and task.done_at <= task.due_at and task.contact is not None

        today = timezone.localdate()
        information_gaps_write(today)  # the evening's count (S4)
        assert set(InformationGap.objects.filter(trade_date=today).values_list("client__account_no", flat=True)) \
            == {"1002", "2001"}
        head_office, head_errors = as_person(browser, live_server, research["staff"][Role.HEAD_OFFICE], tmp_path,
                                             f"/dashboard/information/?day={today:%Y-%m-%d}")
        report = head_office.inner_text("#content")
        head_office.screenshot(path=str(tmp_path / "coverage.png"), full_page=True)
        head_office.click(f"a[href*='branch__id__exact={research['branches'][0].pk}']")
        listed = head_office.inner_text("#result_list")
        browser.close()

    assert "甲营业部" in report and "乙营业部" in report
    assert "1002" in listed and "1001" not in listed  # the colleague's client got nothing that day
    assert not (errors + compliance_errors + manager_errors + advisor_errors + head_errors)
