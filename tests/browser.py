"""What the real-browser tests share: Debian's Chromium driven by Playwright (never a downloaded browser), started
as this machine allows, and the login through the real login page. CI installs Chromium (.ci/run), so there the
tests must run; elsewhere they say why they did not."""

import os
import shutil
import time

import pytest

from tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                       reason="Debian's chromium is not installed (apt-get install chromium)"),
]
# No sandbox (root), Chinese UI, and none of Chromium's own network calls, which this machine's closed network refuses.
ARGS = ["--no-sandbox", "--lang=zh-CN", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def log_in(page, live_server, user, next_path: str = "") -> None:
    page.goto(f"{live_server.url}/admin/login/" + (f"?next={next_path}" if next_path else ""))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def wait_until(page, expression: str, timeout_ms: int = 15_000) -> None:
    """Wait until `expression` is true in the page. Playwright's wait_for_function compiles its predicate inside the
    page, which the Content-Security-Policy forbids (no eval); page.evaluate goes through the DevTools protocol."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_ms} ms: {expression}")
        page.wait_for_timeout(100)

