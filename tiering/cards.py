"""The guide's contribution cards (客户服务指引 第二章; issue 16 item 6; docs/rules-added.md T13–T16): a second,
monthly classification beside T. The computation (set-based, tiering/sql.py CARDS_*), the bands' policy (T14, as
T10), the silver card (T16) and the reads of the cards dashboard, all scoped (O)."""

import calendar
import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from clients.models import Branch, Client
from clients.roles import Role
from clients.scoping import sees_everything, staff_profile_of
from core.approvals import draft_save, second_person_approve
from core.dates import add_months
from core.errors import DomainError
from core.jobs import job_run
from core.models import JobRun
from settlement.models import DailyStatement, SettlementDay
from tiering import sql
from tiering.models import (
    COMPUTED_CARDS,
    VIP_TIERS,
    Card,
    ContributionCard,
    ContributionMonth,
    ContributionPolicy,
    SilverCard,
)
from tiering.selectors import with_current_tier

SILVER_WITHIN_MONTHS = 3  # T16: 开户三个月内


def cards_policy_for_month(month: datetime.date) -> ContributionPolicy:
    policy = ContributionPolicy.objects.for_month(month)
    if policy is None:
        raise DomainError(f"No approved contribution card policy takes effect by {month:%Y-%m} (T14).",
                          code="no_policy")
    return policy


def _last_day(first: datetime.date, last: datetime.date) -> datetime.date | None:
    """The month's last day used: the latest closed settlement day in it, else its latest day with statements."""
    closed = (SettlementDay.objects.filter(trade_date__range=(first, last), status=SettlementDay.Status.CLOSED)
              .order_by("-trade_date").values_list("trade_date", flat=True).first())
    return closed or (DailyStatement.objects.filter(trade_date__range=(first, last)).order_by("-trade_date")
                      .values_list("trade_date", flat=True).first())


@transaction.atomic
def cards_compute(month: datetime.date) -> dict:
    """T13/T15 for every client with statements in the month containing `month`, with the version in force for
    it (T14), set-based: the figures, the firm's, the results; only the rows that changed are written (a rerun
    with nothing changed writes nothing), as the tiers do. Never two runs of a month at once."""
    first = month.replace(day=1)
    policy = cards_policy_for_month(first)
    last_day = _last_day(first, add_months(first, 1) - datetime.timedelta(days=1))
    if last_day is None:
        return {"month": f"{first:%Y-%m}", "cards": 0, "policy_version": policy.version}
    parameters = {"month": first, "first_day": first, "last_day": last_day, "policy_id": policy.pk,
                  "high": policy.high_band, "low": policy.low_band, "now": timezone.now()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('futcrm:cards'), hashtext(%s))", [first.isoformat()])
        cursor.execute("DROP TABLE IF EXISTS card_figures")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql.CARDS_FIGURES, parameters)
        cursor.execute(sql.CARDS_FIRM)
        clients, total_equity, total_commission, average_stability = cursor.fetchone()
        parameters.update(clients=clients, total_equity=total_equity, total_commission=total_commission,
                          average_stability=average_stability)
        cursor.execute("DROP TABLE IF EXISTS card_results")
        cursor.execute(sql.CARDS_RESULTS, parameters)
        written = cursor.rowcount
        cursor.execute("SELECT count(*) FROM card_results WHERE write <> 'same'")
        changed = cursor.fetchone()[0]
        cursor.execute(sql.CARDS_UPDATE, parameters)
        cursor.execute(sql.CARDS_INSERT, parameters)
        cursor.execute(sql.CARDS_REMOVE_STALE, parameters)
    ContributionMonth.objects.update_or_create(month=first, defaults={
        "policy": policy, "last_day": last_day, "clients": clients, "total_equity": total_equity,
        "average_equity": round(total_equity / clients, 2) if clients else 0,
        "average_commission": round(total_commission / clients, 2) if clients else 0,
        "average_stability": average_stability, "computed_at": parameters["now"]})
    return {"month": f"{first:%Y-%m}", "cards": written, "changed": changed, "last_day": last_day.isoformat(),
            "policy_version": policy.version}


def cards_compute_as_job(month: datetime.date) -> JobRun:
    def work(progress):
        progress("cards", 10)
        result = cards_compute(month)
        return {**result, "rows": result["cards"]}

    return job_run("contribution_cards", f"cards:{month:%Y-%m}", work)


@transaction.atomic
def cards_policy_draft_save(*, user, policy: ContributionPolicy) -> ContributionPolicy:
    permission = "tiering.add_contributionpolicy" if policy.pk is None else "tiering.change_contributionpolicy"
    return draft_save(policy, user=user, permission=permission)


@transaction.atomic
def cards_policy_approve(*, policy: ContributionPolicy, user) -> ContributionPolicy:
    """T14, as T10: a head-office manager other than the author; a re-grading needs its reason."""
    policy = ContributionPolicy.objects.select_for_update().get(pk=policy.pk)
    policy.refuse_unreasoned_regrading()
    return second_person_approve(policy, user=user, approver_is_head_office=sees_everything(user),
                                 permission="tiering.change_contributionpolicy")


# T16: the silver card ----------------------------------------------------------------------------------------------

@transaction.atomic
def silver_card_request(*, user, client_id: int, reason: str, today: datetime.date | None = None) -> SilverCard:
    """T16: the client's advisor (or a branch role over it) proposes 银卡 for an ordinary account opened within the
    last three months; it holds from this month to the month its third month ends."""
    today = today or timezone.localdate()
    profile = staff_profile_of(user)
    if profile is None or profile.role not in {Role.ADVISOR, Role.BRANCH_MANAGER, Role.HEAD_OFFICE}:
        raise PermissionDenied
    client = Client.objects.visible_to(user).open(today).filter(pk=client_id).first()
    if client is None:
        raise PermissionDenied
    if not reason.strip():
        raise DomainError("A reason is required.", field="reason")
    start = add_months(client.opened_on, SILVER_WITHIN_MONTHS)  # the same day three months on (or its month's end)
    ends = start.replace(day=min(client.opened_on.day, calendar.monthrange(start.year, start.month)[1]))
    if today >= ends:
        raise DomainError(f"The account opened on {client.opened_on}: more than three months ago (T16).",
                          field="client", code="not_new")
    current = with_current_tier(Client.objects.filter(pk=client.pk), today).values_list("current_tier", flat=True)[0]
    if current in VIP_TIERS:
        raise DomainError("A VIP client is not an ordinary account (T16).", field="client", code="not_ordinary")
    last_month = (ends - datetime.timedelta(days=1)).replace(day=1)
    return SilverCard.objects.create(client=client, first_month=today.replace(day=1), last_month=last_month,
                                     reason=reason.strip(), requested_by=user)


@transaction.atomic
def silver_card_approve(*, user, card: SilverCard) -> SilverCard:
    """T16: the department head approves: the client's branch manager, or head office; never the requester."""
    card = SilverCard.objects.select_for_update().get(pk=card.pk)
    profile = staff_profile_of(user)
    may = sees_everything(user) or (profile is not None and profile.role == Role.BRANCH_MANAGER
                                    and profile.branch_id == card.client.branch_id)
    return second_person_approve(card, user=user, approver_is_head_office=may,
                                 permission="tiering.change_silvercard", author_field="requested_by")


# The cards dashboard (T13–T16), scoped (O) ---------------------------------------------------------------------

CARD_CODES = list(Card.values)


@dataclass
class CardsDashboard:
    month: datetime.date
    firm: ContributionMonth | None = None
    per_card: list[dict] = field(default_factory=list)  # card, label, clients
    by_branch: list[dict] = field(default_factory=list)  # branch, counts per card, total
    total: int = 0


def cards_dashboard(user, month: datetime.date, *, branch_id: int | None = None) -> CardsDashboard:
    """Counts per card (a silver card in force counts as silver, not as the card computed), per branch, from the
    cards' index (month, card) with their scope copies; the firm's averages the cards were compared with."""
    cards = ContributionCard.objects.visible_to(user).filter(month=month)
    silver = SilverCard.objects.visible_to(user).in_force(month)
    if branch_id:
        cards, silver = cards.filter(branch_id=branch_id), silver.filter(client__branch_id=branch_id)
    silver_rows = list(silver.values("client_id", "client__branch_id").distinct())
    silver_clients = {row["client_id"] for row in silver_rows}
    counted = cards.exclude(client_id__in=silver_clients) if silver_clients else cards
    table: dict = {}
    for row in counted.values("branch_id", "card").annotate(clients=Count("*")).order_by():
        table.setdefault(row["branch_id"], dict.fromkeys(CARD_CODES, 0))[row["card"]] += row["clients"]
    for row in silver_rows:
        table.setdefault(row["client__branch_id"], dict.fromkeys(CARD_CODES, 0))[Card.SILVER] += 1
    dashboard = CardsDashboard(month=month, firm=ContributionMonth.objects.filter(month=month)
                               .select_related("policy").first())
    totals = dict.fromkeys(CARD_CODES, 0)
    for counts in table.values():
        for code, clients in counts.items():
            totals[code] += clients
    dashboard.per_card = [{"card": code, "label": str(Card(code).label), "clients": totals[code],
                           "computed": code in COMPUTED_CARDS} for code in CARD_CODES]
    dashboard.total = sum(totals.values())
    names = {branch.pk: str(branch) for branch in Branch.objects.filter(pk__in=[key for key in table if key])}
    dashboard.by_branch = [
        {"id": key, "name": names.get(key, "—"), "counts": [counts[code] for code in CARD_CODES],
         "total": sum(counts.values())}
        for key, counts in sorted(table.items(), key=lambda item: names.get(item[0], "~"))]
    return dashboard
