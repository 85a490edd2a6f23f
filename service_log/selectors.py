"""The advisor workbench (今日工作台, issue 6 item 9): everything due today for the clients this user may see."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from clients.models import Client, ClientArchive
from risk.models import Alert
from service_log.models import Complaint, ContactPlanWeek, ContactRecord, SurveyResponse
from service_log.services import contact_plan_week_ensure
from settlement.models import DailyStatement, TradingDay
from tiering.models import VIP_TIERS, Tier, TierChange
from tiering.selectors import in_current_tiers, with_current_tier

ONBOARDING_EVERY_TRADING_DAYS = 3  # S3
# S3 is for new accounts: one opened longer ago and still never traded is a dormancy question (T7), not onboarding.
ONBOARDING_WINDOW = datetime.timedelta(days=90)


def next_follow_up_of(client):
    """S1: a client's next follow-up, the date the latest contact that set one asked for (past: overdue), as a
    subquery for `client` (a pk or an OuterRef)."""
    return (ContactRecord.objects.filter(client=client, next_follow_up__isnull=False).order_by("-contacted_at")
            .values("next_follow_up")[:1])


def s2_plan_weeks(user, today: datetime.date):
    """S2, written once for the workbench and the service dashboard: this week's ContactPlanWeek rows this user may
    see (O), one per planned client with its weekly minimum and outbound contacts so far (service_log/sql.py keeps
    them as the contacts, tiers, lists and assignments change)."""
    return ContactPlanWeek.objects.visible_to(user).filter(week_start=contact_plan_week_ensure(today))


OVERDUE, DUE = "overdue", "due"


@dataclass
class WorkGroup:
    """One group of a workbench section: its clients, each once, most urgent first (a queryset or a list)."""

    key: str  # OVERDUE (past its deadline) or DUE
    clients: object


@dataclass
class WorkSection:
    """One kind of work on the workbench: its groups, and how to fetch the items of the clients on a page (each
    client once per section, with its items in `client.work`)."""

    key: str
    groups: list[WorkGroup]
    attach: Callable[[list], None] = lambda clients: None

    def all_clients(self) -> list:
        """Every group's clients in the section's order (for small scopes and tests; the page pages them)."""
        clients = [client for group in self.groups for client in group.clients]
        self.attach(clients)
        return clients

    def all_items(self) -> list:
        """Every client's items, client by client (sections with items only)."""
        return [item for client in self.all_clients() for item in getattr(client, "work", [])]


def _attach(queryset, key="client_id"):
    """An `attach` giving each client on a page its own rows of `queryset`, in the queryset's order."""
    def attach(clients):
        by_client: dict[int, list] = {}
        for row in queryset.filter(**{f"{key}__in": [client.pk for client in clients]}):
            by_client.setdefault(getattr(row, key), []).append(row)
        for client in clients:
            client.work = by_client.get(client.pk, [])
    return attach


class ClientsOfRows:
    """The clients named by `rows` (each with a client_id), in the rows' order: counted by the database and fetched
    a page at a time (what Paginator slices); `decorate(client, row)` puts a row's figures on its client."""

    def __init__(self, rows, decorate: Callable):
        self.rows, self.decorate = rows, decorate

    def __len__(self) -> int:
        return self.rows.count()

    def __iter__(self):
        return iter(self[0:len(self)])

    def __getitem__(self, index):
        rows = list(self.rows[index]) if isinstance(index, slice) else [self.rows[index]]
        found = Client.objects.select_related("advisor").in_bulk([row.client_id for row in rows])
        clients = []
        for row in rows:
            client = found[row.client_id]
            self.decorate(client, row)
            clients.append(client)
        return clients if isinstance(index, slice) else clients[0]


def _plan_figures(client, row) -> None:
    client.minimum, client.done = row.weekly_minimum, row.outbound


class ClientsInOrder:
    """Clients known by their keys in the order they are to be shown: counted without a query, and fetched a page at a
    time (what Paginator slices)."""

    def __init__(self, keys: list[int]):
        self.keys = keys

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self):
        return iter(self[0:len(self.keys)])

    def __getitem__(self, index):
        keys = self.keys[index] if isinstance(index, slice) else [self.keys[index]]
        found = Client.objects.select_related("advisor").in_bulk(keys)
        clients = [found[key] for key in keys if key in found]
        return clients if isinstance(index, slice) else clients[0]


def _tier_labels(clients):
    for client in clients:
        client.tier_label = Tier(client.current_tier).label if client.current_tier else "—"


def _clients_by(clients, rows, field, *, latest_first=False, urgent_rows=None):
    """The clients having `rows`, each once, ordered by `field` of their `urgent_rows` (by default the rows
    themselves): the soonest first, or the latest first; clients with no urgent row come last."""
    urgent_rows = rows if urgent_rows is None else urgent_rows
    first = (urgent_rows.filter(client=OuterRef("pk")).order_by(f"-{field}" if latest_first else field)
             .values(field)[:1])
    order = F("urgency").desc(nulls_last=True) if latest_first else F("urgency").asc(nulls_last=True)
    return clients.filter(pk__in=rows.values("client_id")).annotate(urgency=Subquery(first)).order_by(order, "pk")


def workbench(user, today: datetime.date | None = None, *, branch=None, advisor=None) -> dict[str, WorkSection]:
    """今日工作台 (issue 14 item 5): the work due for the open clients this user may see (O), narrowed to a branch
    or an advisor when given, by kind. In each section a client appears once with its items; what is past its
    deadline is a group of its own after them (the most recently missed first), the rest soonest due first, so
    what can still be done in time leads; nothing is capped here, the page pages each group."""
    today = today or timezone.localdate()
    now = timezone.now()
    clients = Client.objects.visible_to(user).open().select_related("advisor")
    if branch is not None:
        clients = clients.filter(branch=branch)
    if advisor is not None:
        clients = clients.filter(advisor=advisor)
    sections = {}

    # R5/R6: unfinished alerts; overdue = not contacted by its deadline.
    alerts = Alert.objects.unfinished().filter(client__in=clients)
    to_contact = alerts.filter(status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED])
    late = to_contact.filter(due_at__lt=now)
    sections["alerts"] = WorkSection("alerts", [
        # the soonest deadline first; clients whose alerts are all contacted (to resolve) after them
        WorkGroup(DUE, _clients_by(clients.exclude(pk__in=late.values("client_id")), alerts, "due_at",
                                   urgent_rows=to_contact)),
        WorkGroup(OVERDUE, _clients_by(clients, late, "due_at", latest_first=True)),
    ], _attach(alerts.order_by("due_at")))

    # S1 follow-ups due, unless the client was contacted since the follow-up was set. Few rows whatever the scope
    # (contacts that set a follow-up, not answered since): read once, grouped here, the page's clients fetched.
    later = ContactRecord.objects.filter(client=OuterRef("client"), contacted_at__gt=OuterRef("contacted_at"))
    follow_ups = (ContactRecord.objects.filter(client__in=clients, next_follow_up__lte=today)
                  .annotate(answered=Exists(later)).filter(answered=False))
    soonest, latest_missed = {}, {}
    for client_id, day in follow_ups.values_list("client_id", "next_follow_up"):
        soonest[client_id] = min(day, soonest.get(client_id, day))
        if day < today:
            latest_missed[client_id] = max(day, latest_missed.get(client_id, day))
    sections["follow_ups"] = WorkSection("follow_ups", [
        WorkGroup(DUE, ClientsInOrder(sorted((pk for pk in soonest if pk not in latest_missed),
                                             key=lambda pk: (soonest[pk], pk)))),
        WorkGroup(OVERDUE, ClientsInOrder(sorted(latest_missed, key=lambda pk: (-latest_missed[pk].toordinal(), pk)))),
    ], _attach(follow_ups.order_by("next_follow_up")))

    # S7: complaints due within a day, or late; the deadline is acknowledgement until acknowledged, then resolution.
    complaints = (Complaint.objects.filter(client__in=clients).exclude(status=Complaint.Status.RESOLVED)
                  .annotate(deadline=Case(When(status=Complaint.Status.RECEIVED, then=F("acknowledge_by")),
                                          default=F("resolve_by")))
                  .filter(deadline__lt=now + datetime.timedelta(days=1)))
    late_complaints = complaints.filter(deadline__lt=now)
    sections["complaints"] = WorkSection("complaints", [
        WorkGroup(DUE, _clients_by(clients.exclude(pk__in=late_complaints.values("client_id")), complaints,
                                   "deadline")),
        WorkGroup(OVERDUE, _clients_by(clients, late_complaints, "deadline", latest_first=True)),
    ], _attach(complaints.order_by("deadline")))

    # S2: clients below their weekly minimum of outbound contacts, the largest shortfall first.
    behind = s2_plan_weeks(user, today).filter(outbound__lt=F("weekly_minimum"))
    if branch is not None:
        behind = behind.filter(branch=branch)
    if advisor is not None:
        behind = behind.filter(advisor=advisor)
    behind = behind.annotate(shortfall=F("outbound") - F("weekly_minimum")).order_by("shortfall", "client_id")
    sections["plan"] = WorkSection("plan", [WorkGroup(DUE, ClientsOfRows(behind, _plan_figures))])

    # S3: opened, never traded, not contacted in the last 3 trading days; the longest waiting first.
    recent_days = list(TradingDay.objects.trading().filter(date__lte=today).order_by("-date")
                       .values_list("date", flat=True)[:ONBOARDING_EVERY_TRADING_DAYS])
    since = recent_days[-1] if recent_days else today
    traded = DailyStatement.objects.filter(client=OuterRef("pk"), trade_volume__gt=0)
    contacted = ContactRecord.objects.filter(client=OuterRef("pk"), contacted_at__date__gte=since)
    onboarding = (clients.filter(last_trade_date__isnull=True, opened_on__gte=today - ONBOARDING_WINDOW)
                  .annotate(traded=Exists(traded), recent=Exists(contacted))
                  .filter(traded=False, recent=False).order_by("opened_on", "pk"))
    sections["onboarding"] = WorkSection("onboarding", [WorkGroup(DUE, onboarding)])

    # S6: VIP clients whose service archive is missing or incomplete (any of its COMPLETENESS_FIELDS empty).
    missing = Q(archive__isnull=True)
    for name in ClientArchive.COMPLETENESS_FIELDS:
        missing |= Q(**{f"archive__{name}__isnull": True})
        if isinstance(ClientArchive._meta.get_field(name), CharField | TextField):
            missing |= Q(**{f"archive__{name}": ""})
    incomplete = (with_current_tier(in_current_tiers(clients, VIP_TIERS, today), today).filter(missing)
                  .order_by("account_no"))
    sections["archives"] = WorkSection("archives", [WorkGroup(DUE, incomplete)], _tier_labels)

    # S5: VIP birthdays today, a call for the advisor (the SMS goes only to those who opted in).
    birthdays = (in_current_tiers(clients, VIP_TIERS, today)
                 .filter(birth_date__month=today.month, birth_date__day=today.day).order_by("account_no"))
    sections["birthdays"] = WorkSection("birthdays", [WorkGroup(DUE, birthdays)])

    # T12: tier changes of this user's clients since last month, the latest first.
    changes = TierChange.objects.filter(client__in=clients,
                                        month__gte=today.replace(day=1) - datetime.timedelta(days=31))
    sections["tier_changes"] = WorkSection("tier_changes", [
        WorkGroup(DUE, _clients_by(clients, changes, "month", latest_first=True)),
    ], _attach(changes.order_by("-month")))
    return sections


def complaint_analysis(user, since: datetime.date) -> dict:
    """S7 analysis: complaints by category and root cause, by branch, by month; resolution times; compensation."""
    complaints = Complaint.objects.visible_to(user).filter(received_at__date__gte=since)
    resolved = complaints.filter(status=Complaint.Status.RESOLVED)
    by_cause = list(resolved.values("category", "root_cause").annotate(
        count=Count("id"), compensation=Sum("compensation"),
        days=Avg(F("resolved_at") - F("received_at"))).order_by("-count", "category"))
    for row in by_cause:
        row["category_label"] = Complaint.Category(row["category"]).label
        row["days"] = round(row["days"].total_seconds() / 86400, 1) if row["days"] else None
    by_branch = list(complaints.values("client__branch__code", "client__branch__name").annotate(
        count=Count("id"), late=Count("id", filter=Q(escalated=True)), compensation=Sum("compensation"))
        .order_by("client__branch__code"))
    by_month = list(complaints.annotate(month=TruncMonth("received_at")).values("month").annotate(
        count=Count("id")).order_by("month"))
    return {"by_cause": by_cause, "by_branch": by_branch, "by_month": by_month, "total": complaints.count(),
            "since": since}


def survey_results(user, survey: str | None = None) -> dict:
    """S8 results by advisor, branch and tier (current tier), scoped."""
    responses = SurveyResponse.objects.visible_to(user)
    if survey:
        responses = responses.filter(survey=survey)

    def grouped(key, label_key=None):
        rows = responses.values(key, *([label_key] if label_key else [])).annotate(
            answers=Count("id"), average=Avg("score"), low=Count("id", filter=Q(score__lte=2))).order_by(key)
        return [{**row, "average": round(row["average"], 2)} for row in rows]

    current_tier = with_current_tier(Client.objects.all()).filter(pk=OuterRef("client")).values("current_tier")[:1]

    by_tier = responses.annotate(tier=Subquery(current_tier)).values("tier").annotate(
        answers=Count("id"), average=Avg("score")).order_by("tier")
    return {"by_advisor": grouped("advisor__full_name"), "by_branch": grouped("client__branch__code"),
            "by_tier": [{**row, "average": round(row["average"], 2)} for row in by_tier],
            "surveys": list(SurveyResponse.objects.visible_to(user).values_list("survey", flat=True).distinct())}


def service_dashboard(user, today: datetime.date | None = None) -> dict:
    """Managers' service dashboard (issue 6 item 10): contact-plan compliance this week by branch and advisor (S2),
    complaints by state and cause (S7), satisfaction trend by month (S8). Scoped (O)."""
    today = today or timezone.localdate()
    week_start = today - datetime.timedelta(days=today.weekday())
    plans = s2_plan_weeks(user, today)
    met = Count("pk", filter=Q(outbound__gte=F("weekly_minimum")))
    compliance = {
        "branch": [(row["branch__code"], row) for row in plans.values("branch__code").annotate(
            planned=Count("pk"), met=met).order_by("branch__code")],
        "advisor": [(row["advisor__full_name"] or "—", row) for row in plans.values(
            "advisor", "advisor__full_name").annotate(planned=Count("pk"), met=met).order_by("advisor__full_name",
                                                                                             "advisor")],
    }
    for rows in compliance.values():
        for _key, row in rows:
            row["rate"] = round(100 * row["met"] / row["planned"], 1) if row["planned"] else None

    complaints = Complaint.objects.visible_to(user)
    by_state = dict(complaints.values_list("status").annotate(n=Count("id")).order_by())
    by_cause = list(complaints.values("category").annotate(n=Count("id")).order_by("-n"))
    since = (today.replace(day=1) - datetime.timedelta(days=330)).replace(day=1)
    trend = list(SurveyResponse.objects.visible_to(user).filter(answered_at__date__gte=since)
                 .annotate(month=TruncMonth("answered_at")).values("month")
                 .annotate(average=Avg("score"), answers=Count("id")).order_by("month"))
    return {
        "compliance_by_branch": compliance["branch"],
        "compliance_by_advisor": compliance["advisor"],
        "complaints_by_state": [(state, label, by_state.get(state, 0)) for state, label in Complaint.Status.choices],
        "complaints_by_cause": [(Complaint.Category(row["category"]).label, row["n"]) for row in by_cause],
        "satisfaction": [{"month": f"{row['month']:%Y-%m}", "average": round(row["average"], 2),
                          "answers": row["answers"]} for row in trend],
        "week_start": week_start,
    }
