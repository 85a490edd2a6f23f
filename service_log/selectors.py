"""The advisor workbench (今日工作台, issue 6 item 9): everything due today for the clients this user may see."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from clients.models import Client, ClientArchive
from risk.models import Alert
from service_log.models import (
    Complaint,
    ContactPlanWeek,
    ContactRecord,
    FollowUpTask,
    InformationCoverage,
    InformationGap,
    SurveyResponse,
)
from service_log.services import contact_plan_week_ensure, week_of
from settlement.models import DailyStatement, TradingDay
from tiering.models import VIP_TIERS, Tier, TierChange
from tiering.selectors import current_tier_rows, in_current_tiers, with_current_tier

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

    def __init__(self, rows, decorate: Callable = lambda client, row: None):
        self.rows, self.decorate = rows, decorate

    def __len__(self) -> int:
        return self.rows.count()

    def __iter__(self):
        return iter(self[0:len(self)])

    def __getitem__(self, index):
        rows = list(self.rows[index]) if isinstance(index, slice) else [self.rows[index]]
        keys = [row["client_id"] if isinstance(row, dict) else row.client_id for row in rows]
        found = Client.objects.select_related("advisor").in_bulk(keys)
        clients = []
        for key, row in zip(keys, rows, strict=True):
            client = found[key]
            self.decorate(client, row)
            clients.append(client)
        return clients if isinstance(index, slice) else clients[0]


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


def _plan_figures(client, row) -> None:
    client.minimum, client.done = row.weekly_minimum, row.outbound


def _due_and_overdue(rows, field: str, late: Q, *, urgent: Q | None = None) -> list[WorkGroup]:
    """The clients having `rows`, each once: those with a `late` row are OVERDUE, the most recently missed `field`
    first; the others DUE, the soonest `field` of their `urgent` rows (by default all) first, clients with no
    urgent row last. Grouped and ordered in the database in one read that returns only keys (a row per client);
    the page's clients are fetched by key."""
    per_client = (rows.values("client_id")
                  .annotate(soonest=Min(field, filter=urgent), missed=Max(field, filter=late))
                  .annotate(overdue=Case(When(missed__isnull=False, then=Value(True)), default=Value(False)))
                  .order_by(F("missed").desc(nulls_last=True),
                            Case(When(missed__isnull=True, then=F("soonest"))).asc(nulls_last=True), "client_id"))
    due, overdue = [], []
    for client_id, is_overdue in per_client.values_list("client_id", "overdue"):
        (overdue if is_overdue else due).append(client_id)
    return [WorkGroup(DUE, ClientsInOrder(due)), WorkGroup(OVERDUE, ClientsInOrder(overdue))]


def _of_open_clients(rows, user, today: datetime.date, branch, advisor):
    """`rows` (of a model that belongs to a client) of the open clients this user may see (O), narrowed to a branch
    or an advisor: filtered from the rows' side (through their copies of the client's branch and advisor where they
    carry them, clients/sql.py), so a scope of a million clients costs what its rows cost (the closed accounts are
    left out through their index, clients.Client's client_closed)."""
    rows = rows.visible_to(user).exclude(client_id__in=Client.objects.closed(today).values("pk"))
    if branch is not None:
        rows = rows.filter(**{rows.branch_path: branch})
    if advisor is not None:
        rows = rows.filter(**{rows.advisor_path: advisor})
    return rows


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

    # R5/R6: unfinished alerts; overdue = not contacted by its deadline. The clients whose alerts are all contacted
    # (to resolve) come after those still to call.
    alerts = _of_open_clients(Alert.objects.unfinished(), user, today, branch, advisor)
    to_contact = Q(status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED])
    sections["alerts"] = WorkSection("alerts", _due_and_overdue(alerts, "due_at", to_contact & Q(due_at__lt=now),
                                                                urgent=to_contact),
                                     _attach(alerts.order_by("due_at")))

    # S1 follow-ups due, unless the client was contacted since the follow-up was set (follow_up_open, kept by a
    # trigger; read from its partial index).
    follow_ups = _of_open_clients(ContactRecord.objects.filter(follow_up_open=True, next_follow_up__lte=today), user,
                                  today, branch, advisor)
    sections["follow_ups"] = WorkSection("follow_ups", _due_and_overdue(follow_ups, "next_follow_up",
                                                                        Q(next_follow_up__lt=today)),
                                         _attach(follow_ups.order_by("next_follow_up")))

    # S7: complaints due within a day, or late; the deadline is acknowledgement until acknowledged, then resolution.
    complaints = (_of_open_clients(Complaint.objects.exclude(status=Complaint.Status.RESOLVED), user, today, branch,
                                   advisor)
                  .annotate(deadline=Case(When(status=Complaint.Status.RECEIVED, then=F("acknowledge_by")),
                                          default=F("resolve_by")))
                  .filter(deadline__lt=now + datetime.timedelta(days=1)))
    sections["complaints"] = WorkSection("complaints", _due_and_overdue(complaints, "deadline", Q(deadline__lt=now)),
                                         _attach(complaints.order_by("deadline")))

    # S2: clients below their weekly minimum of outbound contacts, the largest shortfall first.
    behind = s2_plan_weeks(user, today).filter(outbound__lt=F("weekly_minimum"))
    if branch is not None:
        behind = behind.filter(branch=branch)
    if advisor is not None:
        behind = behind.filter(advisor=advisor)
    behind = behind.annotate(shortfall=F("outbound") - F("weekly_minimum")).order_by("shortfall", "client_id")
    sections["plan"] = WorkSection("plan", [WorkGroup(DUE, ClientsOfRows(behind, _plan_figures))])

    # S21: follow-up tasks set by the floors above (a trading tip's same-day feedback, an event), open until a
    # contact with the client closes them; late once their deadline has passed.
    tasks = _of_open_clients(FollowUpTask.objects.filter(contact__isnull=True), user, today, branch, advisor)
    sections["tasks"] = WorkSection("tasks", _due_and_overdue(tasks, "due_at", Q(due_at__lt=now)),
                                    _attach(tasks.order_by("due_at")))

    # S4: the opted-in clients who received no information on the last trading day counted (the job after each
    # trading day writes them).
    last_counted = last_coverage_day(today)
    gaps = _of_open_clients(InformationGap.objects.filter(trade_date=last_counted), user, today, branch, advisor)
    sections["no_information"] = WorkSection("no_information", [WorkGroup(DUE, ClientsOfRows(
        gaps.values("client_id").order_by("client_id")))])

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

    # S6: VIP clients whose service archive is missing or incomplete (any of its COMPLETENESS_FIELDS empty), from
    # the current tiers' rows (T9/T11): what a million clients cost is the VIP rows, not the clients.
    complete = ClientArchive.objects.filter(ClientArchive.complete()).values("client_id")
    computed, overridden = current_tier_rows(VIP_TIERS, today)
    vip_incomplete = [_of_open_clients(rows, user, today, branch, advisor).exclude(client_id__in=complete)
                      .values("client_id") for rows in (computed, overridden)]
    keys = list(vip_incomplete[0].union(vip_incomplete[1], all=True).order_by("client_id")
                .values_list("client_id", flat=True))

    def tier_labels(clients):
        tiers = dict(with_current_tier(Client.objects.filter(pk__in=[client.pk for client in clients]), today)
                     .values_list("pk", "current_tier"))
        for client in clients:
            client.tier_label = Tier(tiers[client.pk]).label if tiers.get(client.pk) else "—"

    sections["archives"] = WorkSection("archives", [WorkGroup(DUE, ClientsInOrder(keys))], tier_labels)

    # S5: VIP birthdays today, a call for the advisor (the SMS goes only to those who opted in).
    birthdays = (in_current_tiers(clients, VIP_TIERS, today)
                 .filter(birth_date__month=today.month, birth_date__day=today.day).order_by("account_no"))
    sections["birthdays"] = WorkSection("birthdays", [WorkGroup(DUE, birthdays)])

    # T12: tier changes of this user's clients since last month, the latest first.
    changes = _of_open_clients(TierChange.objects.filter(
        month__gte=today.replace(day=1) - datetime.timedelta(days=31)), user, today, branch, advisor)
    sections["tier_changes"] = WorkSection("tier_changes", [WorkGroup(DUE, ClientsOfRows(
        changes.values("client_id").annotate(latest=Max("month")).order_by("-latest", "client_id")))],
        _attach(changes.order_by("-month")))
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
            "by_tier": [{**row, "tier": Tier(row["tier"]).label if row["tier"] else None,
                         "average": round(row["average"], 2)} for row in by_tier],
            "surveys": list(SurveyResponse.objects.visible_to(user).values_list("survey", flat=True).distinct())}


def service_dashboard(user, today: datetime.date | None = None) -> dict:
    """Managers' service dashboard (issue 6 item 10): contact-plan compliance this week by branch and advisor (S2),
    complaints by state and cause (S7), satisfaction trend by month (S8). Scoped (O)."""
    today = today or timezone.localdate()
    week_start = week_of(today)
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


def last_coverage_day(today: datetime.date | None = None) -> datetime.date | None:
    """The latest trading day up to today whose S4 coverage has been counted."""
    today = today or timezone.localdate()
    return (InformationCoverage.objects.filter(trade_date__lte=today).order_by("-trade_date")
            .values_list("trade_date", flat=True).first())


def information_coverage(user, day: datetime.date) -> dict:
    """S4 coverage of one trading day for the branches and advisors the user may see (O): per branch, per advisor,
    and the total, from the day's counts (a few thousand rows whatever the number of clients)."""
    rows = InformationCoverage.objects.visible_to(user).filter(trade_date=day)
    totals = {"clients": Sum("opted_in"), "without": Sum("uncovered")}
    return {
        "day": day,
        "branches": list(rows.values("branch_id", "branch__code", "branch__name").annotate(**totals)
                         .order_by("-without", "branch__code")),
        "advisors": list(rows.values("branch_id", "branch__code", "advisor_id", "advisor__full_name")
                         .annotate(**totals).order_by("-without", "branch__code", "advisor__full_name")),
        "total": rows.aggregate(**totals),
        "follow_ups": follow_up_compliance(user, day),
    }


def follow_up_compliance(user, day: datetime.date) -> list[dict]:
    """S21 per advisor: the follow-up tasks due on `day` (local) in the user's scope (O): how many, done by their
    deadline (a contact at the deadline is in time), done late, still open."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    tasks = FollowUpTask.objects.visible_to(user).filter(due_at__gte=start,
                                                         due_at__lt=start + datetime.timedelta(days=1))
    return list(tasks.values("advisor_id", "advisor__full_name", "branch__code").annotate(
        due=Count("pk"), in_time=Count("pk", filter=Q(done_at__lte=F("due_at"))),
        late=Count("pk", filter=Q(done_at__gt=F("due_at"))), open=Count("pk", filter=Q(done_at__isnull=True)),
    ).order_by("branch__code", "advisor__full_name"))
