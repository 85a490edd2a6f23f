"""No raw code reaches a person (issue 14, Shows): the pages an advisor and head office read all day, rendered
with a client who has every kind of record, hold none of our models' choice codes (`margin_call`, `gold`,
`risk_notice` …) nor a criterion written as code (`equity>=…`) in their visible text."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from risk.models import Alert, KeyMonitoring, RiskThresholdSet
from risk.services import alert_acknowledge
from service_log.models import Complaint, ContactRecord
from tests.tiering.test_services import OCTOBER, SEPTEMBER, close, statements
from tiering.services import tiers_recalculate

OUR_APPS = {"clients", "settlement", "tiering", "risk", "service_log", "core", "backoffice"}


def choice_codes() -> set[str]:
    """Every choice value of our models that reads like a word (`margin_call`, `gold`, `open` …)."""
    codes = set()
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "choices", None) or []:
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z_]{2,}", value):
                    codes.add(value)
    return codes


class VisibleText(HTMLParser):
    """The text a person sees: no scripts, styles or attribute values."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in {"script", "style", "template"}

    def handle_endtag(self, tag):
        self.hidden -= tag in {"script", "style", "template"} and self.hidden > 0

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture
def busy_client(world):
    """'own' with two graded months, a margin call acknowledged, key monitoring, a contact and a complaint."""
    own, advisor = world["clients"]["own"], world["staff"][Role.ADVISOR]
    for number, profile in enumerate([*world["staff"].values(), *world["advisors"]]):
        profile.full_name = f"员工{number}"  # the factories' names are role codes ("advisor user12")
        profile.save()
    statements(own, SEPTEMBER, "1000000.00")
    statements(own, OCTOBER, "5000.00")
    close(SEPTEMBER)
    close(OCTOBER)
    tiers_recalculate(SEPTEMBER)
    tiers_recalculate(OCTOBER)
    now = timezone.now()
    alert = Alert.objects.create(client=own, trade_date=OCTOBER, kind="margin_call", severity="high",
                                 thresholds=RiskThresholdSet.objects.get(), raised_at=now, risk_degree="1.0500",
                                 due_at=now - datetime.timedelta(minutes=5), assigned_to=advisor)
    alert_acknowledge(user=advisor.user, alert_id=alert.pk)
    KeyMonitoring.objects.create(client=own, reason="large_loss", started_on=OCTOBER, last_trigger_on=OCTOBER)
    ContactRecord.objects.create(client=own, staff=advisor, category="risk_notice", channel="wechat",
                                 summary="通知追加保证金", next_follow_up=timezone.localdate())
    Complaint.objects.create(client=own, channel="phone", category="service", description="等待时间长",
                             received_at=now, acknowledge_by=now + datetime.timedelta(hours=2),
                             resolve_by=now + datetime.timedelta(days=15))
    return {"world": world, "alert": alert}


PAGES = {
    "workbench": lambda data: reverse("workbench"),
    "workbench, alerts whole": lambda data: reverse("workbench") + "?kind=alerts",
    "alert list": lambda data: reverse("admin:risk_alert_changelist"),
    "alert page": lambda data: reverse("admin:risk_alert_change", args=[data["alert"].pk]),
    "client list": lambda data: reverse("admin:clients_client_changelist"),
    "client page": lambda data: reverse("admin:clients_client_change", args=[data["alert"].client_id]),
    "contacts": lambda data: reverse("admin:service_log_contactrecord_changelist"),
    "complaints": lambda data: reverse("admin:service_log_complaint_changelist"),
}


def test_the_codes_are_found_where_they_are():
    codes = choice_codes()
    assert {"margin_call", "gold", "risk_notice", "large_loss", "acknowledged"} <= codes
    assert set(re.findall(r"[a-z_]+", visible_text("<p>margin_call</p><script>gold</script>"))) & codes == {
        "margin_call"}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", [Role.ADVISOR, Role.HEAD_OFFICE])
def test_no_raw_code_in_what_people_read(busy_client, login, page, role):
    response = login(busy_client["world"]["staff"][role]).get(PAGES[page](busy_client))
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    raw = set(re.findall(r"\b[a-z][a-z_]{2,}\b", text)) & choice_codes()
    assert raw == set(), f"{page} as {role}: {sorted(raw)}"
    assert not re.search(r"(equity|commission)\s*[<>]=?", text)
