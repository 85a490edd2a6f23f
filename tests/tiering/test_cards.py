"""The guide's contribution cards (issue 16 item 6; T13–T16 in docs/rules-added.md): each contribution as its
deviation from the firm's average, (client − average) ÷ average × 100, the larger of the two against the bands
(above 30 %; −30 % to 30 %; below −30 %) and the profit-rate stability against the firm's average; the bands a
versioned, approved policy; 银卡 set by an advisor for a new ordinary account, approved by the department head;
the dashboard and its export scoped (O)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from clients.roles import Role
from core.errors import DomainError
from settlement.models import DailyStatement
from tests.factories import BranchFactory, ClientFactory, make_staff
from tests.fixtures.tiering import OCTOBER, close, days_of, statements
from tests.fixtures.world import VISIBLE
from tiering.cards import (
    cards_compute,
    cards_dashboard,
    cards_policy_approve,
    cards_policy_draft_save,
    silver_card_approve,
    silver_card_request,
)
from tiering.models import ContributionCard, ContributionMonth, ContributionPolicy, SilverCard


def card_of(client, month=OCTOBER):
    return ContributionCard.objects.get(client=client, month=month)


def firm_of(branch, equities, *, commissions=None):
    """Clients with steady equity (stability 0: stable) and, when given, the month's commission."""
    clients = []
    for index, equity in enumerate(equities):
        client = ClientFactory(branch=branch, opened_on=datetime.date(2020, 1, 6))
        commission = commissions[index] if commissions else "0"
        statements(client, OCTOBER, equity, commission_total=commission)
        clients.append(client)
    close(OCTOBER)
    return clients


def last_equity(client, amount: str) -> None:
    """The month's last statement of `client` ends at `amount`, by a deposit or a withdrawal (its identity holds)."""
    row = DailyStatement.objects.get(client=client, trade_date=days_of(OCTOBER)[-1])
    change = Decimal(amount) - row.pre_balance
    DailyStatement.objects.filter(client=client, trade_date=row.trade_date).update(
        balance=amount, available=amount, deposit=max(change, 0), withdrawal=max(-change, 0))


@pytest.fixture
def branch(db):
    return BranchFactory(code="C01")


def test_the_deviation_decides_at_its_band_edges(branch):
    """Four clients of 1,000 average 1,000 … the deviations are (x·N − Σx) ÷ Σx × 100. Equities 1,300 / 1,000 /
    1,000 / 700 average 1,000: +30 % exactly is not above 30 (白金卡); −30 % exactly is within the band (白金卡);
    a cent more moves each across."""
    top, middle, other, bottom = firm_of(branch, ["1300.00", "1000.00", "1000.00", "700.00"])
    cards_compute(OCTOBER)
    assert card_of(top).margin_deviation == Decimal("30.00") and card_of(top).card == "platinum_card"
    assert card_of(bottom).margin_deviation == Decimal("-30.00") and card_of(bottom).card == "platinum_card"
    assert card_of(middle).margin_deviation == Decimal("0.00")

    last_equity(top, "1300.04")
    last_equity(bottom, "699.96")
    cards_compute(OCTOBER)  # Σ 4,000.00 still; +30.004 → 30.00 (rounded once, not above); push a cent further
    assert card_of(top).margin_deviation == Decimal("30.00") and card_of(top).card == "platinum_card"
    last_equity(top, "1300.40")
    last_equity(bottom, "699.60")
    cards_compute(OCTOBER)
    assert (card_of(top).margin_deviation, card_of(top).card) == (Decimal("30.04"), "diamond_card")
    assert (card_of(bottom).margin_deviation, card_of(bottom).card) == (Decimal("-30.04"), "gold_card")


def test_stability_above_the_firms_average_makes_black_gold_not_diamond(branch):
    steady, swinging, quiet = firm_of(branch, ["3000.00", "3000.00", "100.00"])
    # The swinging client's profit alternates ±10 % of its previous equity; the others make none (deviation 0).
    for index, day in enumerate(days_of(OCTOBER)):
        profit = Decimal("300.00") if index % 2 else Decimal("-300.00")
        DailyStatement.objects.filter(client=swinging, trade_date=day).update(close_profit=profit,
                                                                               pre_balance=Decimal("3000.00") - profit)
    cards_compute(OCTOBER)
    month = ContributionMonth.objects.get(month=OCTOBER)
    assert card_of(steady).stability == Decimal("0") and card_of(steady).stable  # 0 ≤ the average
    assert card_of(swinging).stability > month.average_stability and not card_of(swinging).stable
    assert (card_of(steady).card, card_of(swinging).card) == ("diamond_card", "black_gold_card")
    assert card_of(quiet).card == "gold_card"  # −95 %, below −30
    assert month.clients == 3 and month.total_equity == Decimal("6100.00")


def test_commission_counts_when_it_deviates_more_than_equity(branch):
    equal, trader = firm_of(branch, ["1000.00", "1000.00"], commissions=["0.00", "500.00"])
    cards_compute(OCTOBER)
    assert card_of(trader).commission_deviation == Decimal("100.00") and card_of(trader).card == "diamond_card"
    assert card_of(equal).commission_deviation == Decimal("-100.00") and card_of(equal).card == "platinum_card"


def test_a_new_policy_version_moves_the_bands_from_its_month_only(branch):
    top, *_rest = firm_of(branch, ["1250.00", "1000.00", "750.00", "1000.00"])  # +25 %
    cards_compute(OCTOBER)
    assert card_of(top).card == "platinum_card"
    author, approver = make_staff(Role.HEAD_OFFICE, None, "HQA").user, make_staff(Role.HEAD_OFFICE, None, "HQB").user
    policy = cards_policy_draft_save(user=author, policy=ContributionPolicy(
        version=2, effective_from=OCTOBER, high_band=Decimal("20"), low_band=Decimal("-20"),
        regrade_reason="bands at ±20 from October"))
    with translation.override("en"), pytest.raises(DomainError, match="second person"):
        cards_policy_approve(policy=policy, user=author)
    cards_compute(OCTOBER)
    assert card_of(top).policy.version == 1  # a draft is never in force
    cards_policy_approve(policy=policy, user=approver)
    assert cards_compute(OCTOBER)["policy_version"] == 2
    assert card_of(top).card == "diamond_card"


def test_the_silver_card_is_an_advisors_request_approved_by_the_branch_manager(world):
    advisor, manager = world["staff"][Role.ADVISOR], world["staff"][Role.BRANCH_MANAGER]
    new = ClientFactory(branch=advisor.branch, advisor=advisor, opened_on=datetime.date(2026, 10, 15))
    old = world["clients"]["own"]
    today = datetime.date(2026, 12, 2)
    card = silver_card_request(user=advisor.user, client_id=new.pk, reason="新开户，资金规模可观", today=today)
    assert (card.first_month, card.last_month) == (datetime.date(2026, 12, 1), datetime.date(2027, 1, 1))
    with pytest.raises(DomainError, match="three months"):
        silver_card_request(user=advisor.user, client_id=old.pk, reason="x", today=today)
    with pytest.raises(DomainError, match="three months"):  # exactly three months after opening: too late
        silver_card_request(user=advisor.user, client_id=new.pk, reason="x", today=datetime.date(2027, 1, 15))
    silver_card_request(user=advisor.user, client_id=new.pk, reason="x", today=datetime.date(2027, 1, 14))
    with pytest.raises(PermissionDenied):  # another branch's client
        silver_card_request(user=advisor.user, client_id=world["clients"]["other_branch"].pk, reason="x",
                            today=today)
    with pytest.raises(PermissionDenied):  # the requester cannot approve, nor another branch's manager
        silver_card_approve(user=make_staff(Role.BRANCH_MANAGER, world["branches"][1], "B-MGR").user, card=card)
    silver_card_approve(user=manager.user, card=card)
    assert SilverCard.objects.in_force(datetime.date(2026, 12, 1)).get().client == new
    assert not SilverCard.objects.in_force(datetime.date(2027, 2, 1)).exists()


def test_a_silver_card_in_force_counts_as_silver_on_the_dashboard(world):
    advisor, manager = world["staff"][Role.ADVISOR], world["staff"][Role.BRANCH_MANAGER]
    for client in world["clients"].values():
        statements(client, OCTOBER, "1000.00")
    new = ClientFactory(branch=advisor.branch, advisor=advisor, opened_on=datetime.date(2026, 10, 1))
    statements(new, OCTOBER, "1000.00")
    close(OCTOBER)
    cards_compute(OCTOBER)
    card = silver_card_request(user=advisor.user, client_id=new.pk, reason="新户", today=datetime.date(2026, 10, 20))
    silver_card_approve(user=manager.user, card=card)
    counts = {row["card"]: row["clients"] for row in cards_dashboard(manager.user, OCTOBER).per_card}
    assert counts == {"diamond_card": 0, "black_gold_card": 0, "platinum_card": 2, "gold_card": 0,
                      "silver_card": 1}


@pytest.fixture
def carded(world):
    for client in world["clients"].values():
        statements(client, OCTOBER, "1000.00")
    close(OCTOBER)
    cards_compute(OCTOBER)
    return world


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.SERVICE_STAFF, Role.RISK_OFFICER, Role.BRANCH_MANAGER,
                                  Role.HEAD_OFFICE])
def test_the_dashboard_and_its_export_show_what_the_role_may_see(carded, login, role):
    browser = login(carded["staff"][role])
    page = browser.get(reverse("cards-dashboard"), {"month": "2026-10"})
    assert page.status_code == 200
    assert page.context["dashboard"].total == len(VISIBLE[role])
    content = page.content.decode()
    assert "白金卡" in content and ">platinum_card<" not in content  # the code only in links and attributes
    exported = browser.get(reverse("cards-dashboard-export", args=["csv"]), {"month": "2026-10"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    per_card = {row[0]: row[1] for row in rows[2:7]}
    assert per_card["白金卡"] == str(len(VISIBLE[role]))
    listing = browser.get(reverse("admin:tiering_contributioncard_changelist"), {"month": "2026-10-01"})
    assert listing.context["cl"].result_count == len(VISIBLE[role])


def test_the_settlement_system_gets_no_cards_dashboard(carded, login):
    assert login(carded["staff"][Role.SETTLEMENT_SYSTEM]).get(reverse("cards-dashboard")).status_code == 403


def test_a_rerun_writes_only_what_changed_and_a_client_without_statements_loses_its_card(branch):
    first, second, third = firm_of(branch, ["1000.00", "1000.00", "1000.00"])
    cards_compute(OCTOBER)
    before = {card.client_id: card.computed_at for card in ContributionCard.objects.all()}
    cards_compute(OCTOBER)
    assert {card.client_id: card.computed_at for card in ContributionCard.objects.all()} == before
    DailyStatement.objects.filter(client=third).delete()  # its statements replaced by a correction, say
    last_equity(first, "3000.00")
    cards_compute(OCTOBER)
    after = {card.client_id: card for card in ContributionCard.objects.all()}
    assert set(after) == {first.pk, second.pk}
    assert after[first.pk].computed_at != before[first.pk] and after[first.pk].card == "diamond_card"
    assert after[second.pk].card == "gold_card"  # (1,000 × 2 − 4,000) ÷ 4,000 = −50 %, below the low band
    assert (after[first.pk].margin_deviation, after[second.pk].margin_deviation) == (Decimal("50.00"),
                                                                                      Decimal("-50.00"))
