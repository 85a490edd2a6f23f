"""The alert page (issue 14 item 4, in part): what a call needs, in Chinese, to every role that sees the alert:
the client as a link, the phone masked with a reveal button for roles that may reveal it, the day's equity, margin
and risk degree as a percentage, the margin-call line in force (R8), the shortfall to it, and the history."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.roles import Role
from risk import services
from risk.models import AlertEvent, RiskThresholdSet
from risk.sql import r1_shortfall
from tests.factories import AlertFactory
from tests.fixtures.pages import visible_text
from tests.fixtures.risk import DAY, statement
from tests.fixtures.world import VISIBLE


@pytest.fixture
def margin_call(world):
    statement(world["clients"]["own"], margin="120000.00")  # 120 % of 100,000
    now = timezone.now()
    alert = AlertFactory(client=world["clients"]["own"], trade_date=DAY, kind="margin_call", severity="high",
                                 thresholds=RiskThresholdSet.objects.get(), raised_at=now, risk_degree="1.2000",
                                 due_at=now + datetime.timedelta(minutes=60), assigned_to=world["advisors"][0])
    services.alert_acknowledge(user=world["staff"][Role.ADVISOR].user, alert_id=alert.pk)
    return alert


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.SERVICE_STAFF, Role.RISK_OFFICER, Role.BRANCH_MANAGER,
                                  Role.HEAD_OFFICE])
def test_the_alert_page_shows_the_position_the_line_and_the_history(world, login, margin_call, role):
    assert "own" in VISIBLE[role]
    page = login(world["staff"][role]).get(reverse("admin:risk_alert_change", args=[margin_call.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "138****1001" in text and "13800001001" not in text  # masked (S9)
    assert "pii-reveal" in text  # every one of these roles may reveal a phone
    assert "100,000.00" in text and "120,000.00" in text and "120.00%" in text and "100.00%" in text
    assert "20,000.01" in text  # the shortfall to the margin-call line
    assert "确认" in text or "已确认" in text  # the history shows the acknowledgement, in Chinese
    assert page.context["inline_admin_formsets"][0].formset.queryset.count() == 1


@pytest.mark.parametrize(("margin", "balance", "ratio", "shortfall"), [
    ("120000.00", "100000.00", "1.0000", "20000.01"),  # margin = 120 % of equity: 20,000.01 brings it under 100 %
    ("100000.00", "100000.00", "1.0000", "0.01"),      # exactly on the line (以上 includes it): one fen
    ("99999.99", "100000.00", "1.0000", "0.00"),       # already under
    ("5.00", "0.00", "1.0000", "5.01"),                # no equity
    ("80000.00", "100000.00", "0.8000", "0.01"),
])
def test_the_shortfall_at_its_boundaries(margin, balance, ratio, shortfall):
    assert r1_shortfall(Decimal(margin), Decimal(balance), Decimal(ratio)) == Decimal(shortfall)


def test_the_alert_list_shows_degrees_as_percentages_and_links_the_client(world, login, margin_call):
    page = login(world["staff"][Role.ADVISOR]).get(reverse("admin:risk_alert_changelist")).content.decode()
    assert "120.00%" in page and "1.2000" not in page
    assert reverse("admin:clients_client_change", args=[margin_call.client_id]) in page


def test_the_history_says_the_systems_notes_in_words(world, login, margin_call):
    """Issue 36: the alert's history and the client's timeline read "contact record 3235" and "overdue (R6)"; the
    notes the system writes are said in the reader's language, what a person wrote as written."""
    for note in ("contact record 3235", "overdue (R6)", "客户已追加保证金"):
        AlertEvent.objects.create(alert=margin_call, action="escalated", note=note)
    for url in (reverse("admin:risk_alert_change", args=[margin_call.pk]),
                reverse("admin:clients_client_change", args=[margin_call.client_id])):
        text = visible_text(login(world["staff"][Role.ADVISOR]).get(url).content.decode())
        assert "见服务记录第 3235 号" in text and "未按时联系，已自动升级（R6）" in text and "客户已追加保证金" in text
        assert "contact record" not in text and "overdue (R6)" not in text, url
