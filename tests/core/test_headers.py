"""Issue 35: a Content-Security-Policy on every page (scripts only from this site's files: no inline script), and
Cache-Control: no-store on the dashboards, exports, the API and the token pages."""

import re
from pathlib import Path

from django.urls import reverse

from clients.roles import Role

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_the_workbench_carries_the_policy_and_is_never_cached(world, login):
    page = login(world["staff"][Role.ADVISOR]).get(reverse("workbench"))
    assert page.status_code == 200
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert "no-store" in page["Cache-Control"]


def test_dashboards_exports_and_the_api_are_never_cached(world, login):
    browser = login(world["staff"][Role.HEAD_OFFICE])
    for path in (reverse("tier-dashboard"), reverse("risk-dashboard"), reverse("tier-dashboard-export", args=["csv"]),
                 "/api/v1/clients/", "/api/docs/"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
        assert response.has_header("Content-Security-Policy"), path


def test_no_template_holds_an_inline_script_or_an_event_handler_attribute():
    """What the policy would block: every script is a file under static/ (page.js wires the selects and buttons)."""
    offending = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text) or re.search(
                r"\son(click|change|submit|load|input|keydown)=", text):
            offending.append(template.relative_to(TEMPLATES).as_posix())
    assert offending == []
