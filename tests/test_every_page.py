"""Every page, for every role (issue 36 item 1): the demo of `dev.py start` is loaded (smaller), and each of eight
roles logs in and reads the admin index, every dashboard, the workbench and the notices, every list they link to,
each list's first row, every sort column, every filter and every export, and follows the links of each detail page
it reached one more level. Links that differ only in a number or a
filter's value are read once (`pattern`). The clients' public pages (survey, publication, event) are read without
a login. It fails on any 5xx; a 403 or 404 reached from a link a page showed; a raw code or an English word in what
a person reads (product codes, account numbers and units allowed); a login name where a person's name belongs; a
date or time not in the one local format (`2026-12-07 23:48`); a page wider than 1440 px in Chromium. Pages slower
than 300 ms in the server are reported, not failed (CI's machine is shared).

The counts and the slow pages are printed (`-s`); the closing note of issue 36 quotes them."""

import collections
import functools
import mimetypes
import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import sync_playwright

from acquisition.events import guest_link
from acquisition.models import EventGuest
from backoffice.demo_history import demo_load
from backoffice.intraday_simulator import simulated_trading_day
from clients.models import Client
from clients.roles import Role
from research.models import Delivery, Product
from research.services import delivery_link
from risk.models import INTRADAY_KINDS, Alert, MarketEvent
from service_desk.models import Questionnaire, SurveyInvitation
from service_desk.surveys import invitation_link, survey_invite
from settlement.models import IntradaySnapshot
from tests.browser import CHROMIUM, launch
from tests.fixtures.pages import choice_codes, visible_text

PASSWORD = "crawl-password-1"
ROLES = {Role.ADVISOR: "bj01_advisor1", Role.SERVICE_STAFF: "bj01_service1", Role.RISK_OFFICER: "bj01_risk",
         Role.BRANCH_MANAGER: "bj01_manager", Role.HEAD_OFFICE: "head_office", Role.ANALYST: "analyst",
         Role.CHIEF_ANALYST: "chief_analyst", Role.COMPLIANCE: "compliance"}
START = ["admin:index", "workbench", "notices", "tier-dashboard", "cards-dashboard", "risk-dashboard",
         "service-dashboard", "information-coverage", "complaint-analysis", "survey-results", "service-kpis",
         "knowledge-report", "survey-report", "suggestion-box", "research-library", "prospect-funnel",
         "referrer-report", "visits-dashboard", "visit-sample"]
NOT_FOLLOWED = re.compile(r"^/(static/|i18n/|admin/logout/|admin/password_change/|api/|account/)")
SLOW_MS = 300
# What a person may read in Latin letters on a Chinese page: the names of things that have no other name (the
# language switch's "English", PTA, the API), file kinds and the product's name.
ALLOWED_WORDS = {"English", "PTA", "API", "futcrm", "SMS", "ID", "KPI", "SLA", "CSV", "Excel", "VIP", "IP", "PDF"}
TIME_FORMAT_WRONG = [
    (re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"), "a date written 2026年12月7日"),
    (re.compile(r"(?<![\d-])\d{2}-\d{2} \d{2}:\d{2}"), "a time without its year"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\+00:00|\bUTC\b"), "a time in UTC or ISO form"),
    (re.compile(r"\d{1,2}:\d{2}:\d{2}\.\d+"), "a time with fractions of a second"),
]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        parts = urlsplit(href)
        if parts.scheme and parts.netloc != "testserver" or href.startswith(("#", "//")) or parts.scheme in {
                "mailto", "tel", "javascript"}:
            continue
        path = parts.path
        if not path.startswith("/") or NOT_FOLLOWED.match(path):
            continue
        found.append(path + (f"?{parts.query}" if parts.query else ""))
    return found


def pattern(url: str) -> str:
    """Links that differ only in a row's number or a filter's value are one page; a sort column is its own."""
    parts = urlsplit(url)
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "o":
            query.append(f"o={value.split('.')[0].lstrip('-')}")
        elif key not in {"p", "_changelist_filters"}:
            query.append(key)
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(sorted(query))


class Crawl:
    def __init__(self, codes, logins, products):
        self.codes, self.logins, self.allowed = codes, logins, ALLOWED_WORDS | products
        self.failures, self.slow, self.visited = [], [], collections.Counter()
        self.links_followed = 0
        self.pages = collections.defaultdict(list)  # role → the HTML pages it read, for the width in Chromium

    def fail(self, role, url, what):
        self.failures.append(f"{role} {url}: {what}")

    def read(self, browser, role, url, *, linked_from=None):
        started = time.perf_counter()
        response = browser.get(url, follow=True)
        elapsed = (time.perf_counter() - started) * 1000
        self.visited[role] += 1
        if elapsed > SLOW_MS:
            self.slow.append((round(elapsed), role, url))
        status = response.status_code
        if status >= 500:
            self.fail(role, url, f"answered {status}")
        elif status in {403, 404} and linked_from:
            self.fail(role, url, f"answered {status}, linked from {linked_from}")
        if "text/html" not in response.get("Content-Type", ""):
            return response, ""
        html = response.content.decode()
        if status == 200 and not response.redirect_chain:  # a redirect's target is read as its own page
            self.pages[role].append(url)
        self.read_text(role, url, visible_text(html), admin_users=url.startswith("/admin/auth/user/"))
        return response, html

    def read_text(self, role, url, text, *, admin_users=False):
        # Addresses (a call's recording, rec://…), an SMS template's placeholders ({name}) and an API token's prefix
        # (fcrm_ and seven random characters: now and then all letters) are data, not words.
        text = re.sub(r"\b[a-z]+://\S+|\{\w+\}|\bfcrm_\w+", " ", text)
        words = set(re.findall(r"(?<![\w.@/-])[A-Za-z][A-Za-z_]+(?![\w@/-])", text))
        raw = words & self.codes
        if raw:
            self.fail(role, url, f"raw codes {sorted(raw)}")
        if re.search(r"(equity|commission|balance)\s*[<>]=?", text):
            self.fail(role, url, "a criterion written as code")
        names = {word for word in re.findall(r"[A-Za-z][\w]+", text) if word in self.logins}
        if names and not admin_users:
            self.fail(role, url, f"login names {sorted(names)}")
        english = words - raw - self.allowed - self.logins
        if english:
            self.fail(role, url, f"English {sorted(english)[:8]}")
        for wrong, what in TIME_FORMAT_WRONG:
            if found := wrong.search(text):
                self.fail(role, url, f"{what}: {found.group(0)!r}")

    def role(self, browser, role):
        seen, level = set(), []
        for name in START:
            url = reverse(name)
            seen.add(pattern(url))
            level.append((url, None))
        for depth in range(4):
            following = []
            for url, linked_from in level:
                response, html = self.read(browser, role, url, linked_from=linked_from)
                if response.status_code != 200 or not html:
                    continue
                # The start pages lead to the lists, the lists to their rows, sorts, filters and exports; past the
                # lists, only a detail page's links are followed, one level.
                if depth == 3 or depth == 2 and not re.search(r"/\d+/change/|/library/\d+/", url):
                    continue
                for link in links(html):
                    if pattern(link) not in seen:
                        seen.add(pattern(link))
                        following.append((link, url))
            self.links_followed += len(following)
            level = following


class Chromium:
    """Debian's Chromium at 1440×900 reading pages through the test's own Django client: every request of the page
    (the page, its styles and scripts) is answered by Django in this process and this transaction, so the width is
    measured on the very pages the crawl read, with no server to start."""

    ORIGIN = "http://futcrm.test"

    def __init__(self, playwright):
        self.browser = launch(playwright)

    def width_of_pages(self, crawl, role, browser_client, urls, measured: set):
        """Each page once: head office reads first (every branch's columns are the widest), and a page another role
        reads in the same layout (`pattern`) is not measured again."""
        context = self.browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        context.route(lambda url: url.startswith(self.ORIGIN), lambda route: self.answer(route, browser_client))
        page = context.new_page()
        for url in urls:
            if "?" in url or pattern(url) in measured:
                continue  # a list sorted or filtered is laid out as the list
            measured.add(pattern(url))
            page.goto(self.ORIGIN + url, wait_until="domcontentloaded")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 1440:
                crawl.fail(role, url, f"{width} px wide at 1440 px")
        context.close()

    @staticmethod
    def answer(route, browser_client):
        parts = urlsplit(route.request.url)
        if parts.path.startswith("/static/"):
            return route.fulfill(**static_file(parts.path.removeprefix("/static/")))
        response = browser_client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        headers = {key.lower(): value for key, value in response.items() if key.lower() != "content-length"}
        return route.fulfill(status=response.status_code, headers=headers, body=response.content)


@functools.cache
def static_file(path: str) -> dict:
    """A static file as Chromium is answered it (Playwright turns the browser's cache off while it routes)."""
    found = finders.find(path)
    if not found:
        return {"status": 404, "body": ""}
    kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
    return {"status": 200, "headers": {"content-type": kind}, "body": Path(found).read_bytes()}


@pytest.fixture
def demo(transactional_db):
    demo_load(clients=150, months=1, password=PASSWORD, write=None)
    # Issue 33: a replayed session, as dev.py start runs it, so the intraday desk, its market event and the client
    # pages' intraday panels are crawled with something in them.
    call_command("simulate_session", "--evaluate", "--steps", "4", verbosity=0)


def session_reached_the_advisors() -> None:
    """Issue 33 item 6: the replayed session (the demo fixture ran it as dev.py start does) made copper a market event
    and its heavy holders' alerts appear on their own advisor's desk, and on no other advisor's."""
    day = simulated_trading_day()
    assert IntradaySnapshot.objects.filter(trading_day=day, evaluated_at__isnull=False).count() == 5
    assert MarketEvent.objects.filter(trade_date=day, product="cu").exists()
    alert = Alert.objects.filter(trade_date=day, kind="adverse_move", product="cu").select_related("client").first()
    advisor = alert.client.advisor
    browser = Browser()
    browser.force_login(advisor.user)
    html = browser.get("/dashboard/intraday/feed").json()["html"]
    alerts = Alert.objects.filter(trade_date=day, kind__in=INTRADAY_KINDS).select_related("client")
    assert f"（{alert.client.account_no}）" in html
    others = {each.client.account_no for each in alerts if each.client.advisor_id != advisor.pk}
    assert others and not any(f"（{number}）" in html for number in others)


def public_pages() -> list[str]:
    """A survey, a publication and an event as a client opens them from an SMS (and the suggestion box)."""
    open_ones = SurveyInvitation.objects.filter(answered_at__isnull=True, expires_at__gt=timezone.now())
    if not open_ones.exists():  # the small demo's clients answered all theirs
        survey_invite(user=get_user_model().objects.get(username="head_office"),
                      questionnaire_id=Questionnaire.objects.filter(active=True).first().pk,
                      clients=Client.objects.open()[:1])
    invitation = open_ones.first()
    pages = [urlsplit(invitation_link(invitation)).path,
             urlsplit(delivery_link(Delivery.objects.order_by("pk").first().pk)).path,
             reverse("suggestion-box")]
    guest = EventGuest.objects.order_by("-event__starts_at", "pk").first()
    pages.append(urlsplit(guest_link(guest.pk, guest.event)).path)
    return pages


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                    reason="Debian's chromium is not installed (apt-get install chromium)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("demo")
def test_every_page_for_every_role_reads_well(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls made inside its route handler are the
    # test's own, in order, in this thread (Django's guard is for code that would share a connection across tasks).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    started = time.perf_counter()
    session_reached_the_advisors()
    logins = set(get_user_model().objects.values_list("username", flat=True))
    products = set(Product.objects.values_list("code", flat=True)) | {
        code.upper() for code in Product.objects.values_list("code", flat=True)}
    crawl = Crawl(choice_codes(), logins, products)
    measured = set()
    with sync_playwright() as playwright:
        chromium = Chromium(playwright)
        for role, username in sorted(ROLES.items(), key=lambda item: item[0] != Role.HEAD_OFFICE):
            browser = Browser()
            browser.force_login(get_user_model().objects.get(username=username))
            crawl.role(browser, role)
            chromium.width_of_pages(crawl, role, browser, crawl.pages[role], measured)
    caches["default"].clear()  # the public pages' rate limits (S15) count per address, and the crawl read from one
    anonymous = Browser()
    for url in public_pages():
        response, _html = crawl.read(anonymous, "client", url, linked_from="an SMS")
        assert response.status_code == 200, url
    seconds = time.perf_counter() - started
    print(f"\ncrawl: {len(ROLES)} roles, {sum(crawl.visited.values())} pages ({dict(crawl.visited)}), "
          f"{crawl.links_followed} links followed, {len(crawl.failures)} failures, {seconds:.0f} s")
    for elapsed, role, url in sorted(crawl.slow, reverse=True)[:25]:
        print(f"  slow: {elapsed} ms  {role}  {url}")
    assert crawl.failures == [], "\n".join(crawl.failures[:2000])
