"""Every page, for every role (issue 36 item 1): the demo of `dev.py start` is loaded (smaller), and each of eight
roles logs in and reads the admin index, every list it may open, every dashboard, the workbench and the notices,
then follows each same-site link those pages show one level, and the links of the detail pages it reached one more
(a list's first row, every sort column, every filter, every export). Links that differ only in a number or a
filter's value are read once (`pattern`). The clients' public pages (survey, publication, event) are read without
a login. It fails on any 5xx; a 403 or 404 reached from a link a page showed; a raw code or an English word in what
a person reads (product codes, account numbers and units allowed); a login name where a person's name belongs; a
date or time not in the one local format (`2026-12-07 23:48`); a page wider than 1440 px in Chromium. Pages slower
than 300 ms in the server are reported, not failed (CI's machine is shared).

The counts and the slow pages are printed (`-s`); the closing note of issue 36 quotes them."""

import collections
import re
import time
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from acquisition.events import guest_link
from acquisition.models import EventGuest
from backoffice.demo_history import demo_load
from clients.models import Client
from clients.roles import Role
from research.models import Delivery, Product
from research.services import delivery_link
from service_desk.models import Questionnaire, SurveyInvitation
from service_desk.surveys import invitation_link, survey_invite
from tests.fixtures.pages import choice_codes, visible_text

PASSWORD = "crawl-password-1"
ROLES = {Role.ADVISOR: "bj01_advisor1", Role.SERVICE_STAFF: "bj01_service1", Role.RISK_OFFICER: "bj01_risk",
         Role.BRANCH_MANAGER: "bj01_manager", Role.HEAD_OFFICE: "head_office", Role.ANALYST: "analyst",
         Role.CHIEF_ANALYST: "chief_analyst", Role.COMPLIANCE: "compliance"}
START = ["admin:index", "workbench", "notices", "tier-dashboard", "cards-dashboard", "risk-dashboard",
         "service-dashboard", "information-coverage", "complaint-analysis", "survey-results", "service-kpis",
         "knowledge-report", "survey-report", "suggestion-box", "research-library", "prospect-funnel",
         "referrer-report"]
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
        self.read_text(role, url, visible_text(html), admin_users=url.startswith("/admin/auth/user/"))
        return response, html

    def read_text(self, role, url, text, *, admin_users=False):
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
        for depth in range(3):
            following = []
            for url, linked_from in level:
                response, html = self.read(browser, role, url, linked_from=linked_from)
                if response.status_code != 200 or not html:
                    continue
                # The index and the dashboards lead everywhere (depth 0 → lists → rows and sorts); past the lists,
                # only the detail pages' links are followed once more.
                if depth == 2 or depth == 1 and not re.search(r"/\d+/change/|/library/\d+/", url):
                    continue
                for link in links(html):
                    if pattern(link) not in seen:
                        seen.add(pattern(link))
                        following.append((link, url))
            self.links_followed += len(following)
            level = following


@pytest.fixture
def demo(transactional_db):
    demo_load(clients=150, months=1, password=PASSWORD, write=None)


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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("demo")
def test_every_page_for_every_role_reads_well():
    started = time.perf_counter()
    logins = set(get_user_model().objects.values_list("username", flat=True))
    products = set(Product.objects.values_list("code", flat=True)) | {
        code.upper() for code in Product.objects.values_list("code", flat=True)}
    crawl = Crawl(choice_codes(), logins, products)
    for role, username in ROLES.items():
        browser = Browser()
        browser.force_login(get_user_model().objects.get(username=username))
        crawl.role(browser, role)
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
