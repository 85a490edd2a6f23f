"""Issue 13 item 1: one account cannot stop a day's risk run. The contract's extremes are evaluated (degrees up to
10^17 are stored), and a day whose evaluation fails is recorded as failed, shown on the risk dashboard and in the
job records, and retried until it succeeds."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from backoffice.workflows import OWED_WORK_LABELS, OWED_WORK_RUNNERS
from clients.roles import Role
from core.models import JobRun, OwedWork
from core.owed import owed_work_sweep
from risk.models import Alert, RiskThresholdSet
from tests.factories import BranchFactory, ClientFactory, make_staff
from tests.settlement_helpers import TRADE_DATE, Api, statement_row, token_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MAX = "999999999999999.99"  # the largest |value| the contract allows (< 10^15, two places)


@pytest.fixture
def settlement_api(client, own_redis):
    own_redis.stop()  # no queue: the sweeps below run the owed work, and nothing is left in the suite's Redis
    branch = BranchFactory(code="BJ01")
    advisor = make_staff(Role.ADVISOR, branch, "BJ01A1")
    for account in ("9001", "9002", "9003", "9004", "9005"):
        ClientFactory(account_no=account, branch=branch, advisor=advisor)
    return Api(client, token_for(make_staff(Role.SETTLEMENT_SYSTEM, None, "SYS").user, "settlement:write"))


def push_and_close(api, rows) -> None:
    assert api.push(rows).status_code == 200
    total = sum(Decimal(row["balance"]) for row in rows)
    response = api.close(row_count=len(rows), total_balance=f"{total:.2f}", total_commission="0.00")
    assert response.status_code == 200, response.json()


def test_the_contracts_extremes_raise_their_alerts(settlement_api):
    push_and_close(settlement_api, [
        statement_row("9001", pre_balance="0.01", margin=MAX),        # degree 10^17 - 1: overflowed numeric(12,4)
        statement_row("9002", pre_balance="0.00", margin="5.00"),     # no equity, margin held: above every line
        statement_row("9003", pre_balance="-" + MAX, margin="0.00"),  # the most negative equity
        statement_row("9004", pre_balance=MAX, margin=MAX),           # exactly 100 %
        statement_row("9005", pre_balance="0.05", margin="5000000.00"),  # the reported case: degree 10^8
    ])

    assert owed_work_sweep(OWED_WORK_RUNNERS)["done"] == 5
    alerts = {(alert.client.account_no, alert.kind): alert.risk_degree for alert in Alert.objects.all()}
    assert alerts == {
        ("9001", "margin_call"): Decimal("99999999999999999.0000"),
        ("9002", "margin_call"): None,
        ("9003", "negative_equity"): Decimal("0.0000"),  # no margin, no risk (R1); the equity is below zero
        ("9004", "margin_call"): Decimal("1.0000"),
        ("9005", "margin_call"): Decimal("100000000.0000"),
    }
    assert settlement_api.status().json()["alerts_raised"] == 5


def test_a_failed_evaluation_is_recorded_shown_and_retried(settlement_api, login):
    RiskThresholdSet.objects.update(approved_at=None)  # the evaluation cannot run: no thresholds in force (R8)
    push_and_close(settlement_api, [statement_row("9001", margin="95000.00")])

    assert owed_work_sweep(OWED_WORK_RUNNERS) == {"done": 1, "not_done": 1}  # the tiers ran; the evaluation did not
    evaluation = OwedWork.objects.get(job="risk_evaluation")
    assert evaluation.done_at is None and "No approved risk thresholds" in evaluation.last_error
    assert JobRun.objects.get(key=f"risk:{TRADE_DATE}").status == "failed"
    assert not OwedWork.objects.filter(job="margin_call_notices", done_at__isnull=False).exists()  # the chain waits

    page = login(make_staff(Role.HEAD_OFFICE, None, "HQ")).get(reverse("risk-dashboard"))
    assert [day["trade_date"].isoformat() for day in page.context["data"]["unevaluated"]] == [TRADE_DATE]
    text = page.content.decode()
    assert "2026-11-20 的风险评估失败（已尝试 1 次）" in text  # in Chinese …
    assert "No approved" not in text  # … and no traceback for a person
    changelist = login(make_staff(Role.HEAD_OFFICE, None, "HQ2")).get(reverse("admin:core_owedwork_changelist"))
    assert str(OWED_WORK_LABELS["risk_evaluation"]) in changelist.content.decode()

    RiskThresholdSet.objects.update(approved_at=timezone.now())  # put right
    OwedWork.objects.filter(pk=evaluation.pk).update(not_before=timezone.now())  # its retry is due
    assert owed_work_sweep(OWED_WORK_RUNNERS) == {"done": 4, "not_done": 0}
    assert Alert.objects.get().kind == "risk_warning"
    assert login(make_staff(Role.HEAD_OFFICE, None, "HQ3")).get(reverse("risk-dashboard")).context["data"][
        "unevaluated"] == []
