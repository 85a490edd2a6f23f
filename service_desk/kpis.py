"""S17 service KPIs and staff scorecards (docs/rules-added.md): per month, per member of staff, team and branch, read
through the scoped querysets (domain O) with grouped aggregates; the tickets' durations are stored service seconds
(service_desk/sql.py MEASURE), so a month is read, never recomputed."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Branch, StaffProfile
from clients.scoping import sees_everything, staff_profile_of
from core.dates import add_months, local_month_bounds
from risk.models import Alert
from service_desk.models import SurveyAnswer, Team, Ticket
from service_log.models import Complaint, ContactPlanWeek, SurveyResponse


@dataclass
class Scorecard:
    key: int | None
    name: str
    handled: int = 0  # tickets resolved in the month
    opened: int = 0
    first_response_median: float | None = None  # service minutes
    first_response_p90: float | None = None
    resolution_median: float | None = None
    resolution_p90: float | None = None
    within_sla: int = 0
    reopened: int = 0
    ticket_satisfaction: float | None = None  # after-ticket surveys of the owner's tickets (S15)
    client_satisfaction: float | None = None  # S8 by the clients' advisor
    planned: int = 0  # S2 client-weeks with a minimum, in weeks starting in the month
    plans_met: int = 0
    alerts_due: int = 0  # R6 alerts due in the month
    alerts_in_time: int = 0
    complaints: int = 0  # complaints about the clients, received in the month
    extra: dict = field(default_factory=dict)

    @property
    def sla_rate(self):
        return self.within_sla * 100 / self.handled if self.handled else None

    @property
    def plan_rate(self):
        return self.plans_met * 100 / self.planned if self.planned else None

    @property
    def alert_rate(self):
        return self.alerts_in_time * 100 / self.alerts_due if self.alerts_due else None


def _minutes(seconds):
    return None if seconds is None else seconds / 60


# S17 per owner and branch and in total, in one pass over each month's index (GROUPING's bits say which), and per
# team over the few tickets that have one (escalated ones, mostly): each grouping sorts its rows again.
GROUPINGS = {1: "owner_id", 2: "branch_id", 3: None}
OPENED_MEASURES = """count(*) AS opened,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_seconds) AS fr_median,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY first_response_seconds) AS fr_p90"""
RESOLVED_MEASURES = """count(*) AS handled,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_seconds) AS res_median,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY resolution_seconds) AS res_p90,
    count(*) FILTER (WHERE resolved_at <= resolution_due) AS within_sla,
    count(*) FILTER (WHERE reopened > 0) AS reopened"""


def _grouped(tickets, measures: str, columns: list[str]) -> dict[tuple[str | None, int | None], dict]:
    """The measures of these (scoped) tickets by owner, team, branch and in total: the queryset's own SQL, so the
    scope (O) is the queryset's, wrapped in GROUP BY."""
    figures = {}
    for subset, grouping, grouping_bits in [
        (tickets, "GROUPING SETS ((owner_id), (branch_id), ())", "GROUPING(owner_id, branch_id)"),
        (tickets.filter(team__isnull=False), "team_id", "-1"),
    ]:
        inner, params = (subset.order_by().values_list("owner_id", "team_id", "branch_id", *columns)
                         .query.sql_with_params())  # no ORDER BY inside: the index-only scan feeds the grouping
        sql = (f"SELECT {grouping_bits} AS grouping, {'team_id' if grouping == 'team_id' else 'owner_id, branch_id'},"
               f" {measures} FROM ({inner}) AS month_tickets GROUP BY {grouping}")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = [column.name for column in cursor.description]
            for values in cursor.fetchall():
                row = dict(zip(names, values, strict=True))
                key = "team_id" if row["grouping"] == -1 else GROUPINGS[row["grouping"]]
                figures[(key, row[key] if key else None)] = row
    return figures


def _fill(card: Scorecard, opened: dict | None, resolved: dict | None) -> None:
    if opened:
        card.opened = opened["opened"]
        card.first_response_median, card.first_response_p90 = _minutes(opened["fr_median"]), _minutes(opened["fr_p90"])
    if resolved:
        card.handled, card.within_sla, card.reopened = resolved["handled"], resolved["within_sla"], resolved["reopened"]
        card.resolution_median, card.resolution_p90 = _minutes(resolved["res_median"]), _minutes(resolved["res_p90"])


def service_kpis(user, month: datetime.date) -> dict:
    """S17: the month's scorecards of the staff, teams and branches the user may see, and the total."""
    start, end = local_month_bounds(month)
    tickets = Ticket.objects.visible_to(user)
    staff = {profile.pk: Scorecard(profile.pk, str(profile)) for profile in
             StaffProfile.objects.visible_to(user).filter(role__in=["advisor", "service_staff", "risk_officer",
                                                                    "branch_manager", "head_office"])
             .order_by("branch__code", "full_name")}
    branches = {branch.pk: Scorecard(branch.pk, str(branch)) for branch in
                Branch.objects.visible_to(user).order_by("code")}
    teams = {team.pk: Scorecard(team.pk, str(team)) for team in Team.objects.order_by("name")}
    total = Scorecard(None, "")
    opened = _grouped(tickets.filter(opened_at__gte=start, opened_at__lt=end), OPENED_MEASURES,
                      ["first_response_seconds"])
    resolved = _grouped(tickets.filter(resolved_at__gte=start, resolved_at__lt=end), RESOLVED_MEASURES,
                        ["resolved_at", "resolution_seconds", "resolution_due", "reopened"])
    for cards, key in [(staff, "owner_id"), (teams, "team_id"), (branches, "branch_id")]:
        for pk, card in cards.items():
            _fill(card, opened.get((key, pk)), resolved.get((key, pk)))
    _fill(total, opened.get((None, None)), resolved.get((None, None)))
    _satisfaction(user, start, end, staff, branches, total)
    _plans_alerts_complaints(user, month, start, end, staff, branches, total)
    return {"month": month.replace(day=1), "staff": [card for card in staff.values() if _active(card)],
            "teams": [card for card in teams.values() if card.handled or card.opened],
            "branches": list(branches.values()), "total": total}


def _active(card: Scorecard) -> bool:
    return any([card.handled, card.opened, card.planned, card.alerts_due, card.complaints,
                card.client_satisfaction is not None])


def _satisfaction(user, start, end, staff, branches, total) -> None:
    answered = Q(invitation__answered_at__gte=start, invitation__answered_at__lt=end, score__isnull=False)
    answers = SurveyAnswer.objects.filter(answered, invitation__ticket__in=Ticket.objects.visible_to(user))
    for row in answers.values("invitation__ticket__owner_id").annotate(average=Avg("score")).order_by():
        if row["invitation__ticket__owner_id"] in staff:
            staff[row["invitation__ticket__owner_id"]].ticket_satisfaction = row["average"]
    responses = SurveyResponse.objects.visible_to(user).filter(answered_at__gte=start, answered_at__lt=end)
    for row in responses.values("advisor_id").annotate(average=Avg("score")).order_by():
        if row["advisor_id"] in staff:
            staff[row["advisor_id"]].client_satisfaction = row["average"]
    for row in responses.values("client__branch_id").annotate(average=Avg("score")).order_by():
        if row["client__branch_id"] in branches:
            branches[row["client__branch_id"]].client_satisfaction = row["average"]
    total.client_satisfaction = responses.aggregate(average=Avg("score"))["average"]
    total.ticket_satisfaction = answers.aggregate(average=Avg("score"))["average"]


def _plans_alerts_complaints(user, month, start, end, staff, branches, total) -> None:
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    plans = ContactPlanWeek.objects.visible_to(user).filter(week_start__gte=first, week_start__lt=following,
                                                            weekly_minimum__gt=0)
    plan_counts = {"planned": Count("pk"), "met": Count("pk", filter=Q(outbound__gte=F("weekly_minimum")))}
    alerts = (Alert.objects.visible_to(user).filter(due_at__gte=start, due_at__lt=end)
              .exclude(status=Alert.Status.WITHDRAWN).annotate(worker=Coalesce("assigned_to_id", "advisor_id")))
    alert_counts = {"due": Count("pk"), "in_time": Count("pk", filter=Q(escalated=False))}
    complaints = Complaint.objects.visible_to(user).filter(received_at__gte=start, received_at__lt=end)
    for cards, plan_key, alert_key, complaint_key in [(staff, "advisor_id", "worker", "client__advisor_id"),
                                                      (branches, "branch_id", "branch_id", "client__branch_id")]:
        for row in plans.values(plan_key).annotate(**plan_counts).order_by():
            if row[plan_key] in cards:
                cards[row[plan_key]].planned, cards[row[plan_key]].plans_met = row["planned"], row["met"]
        for row in alerts.values(alert_key).annotate(**alert_counts).order_by():
            if row[alert_key] in cards:
                cards[row[alert_key]].alerts_due, cards[row[alert_key]].alerts_in_time = row["due"], row["in_time"]
        for row in complaints.values(complaint_key).annotate(count=Count("pk")).order_by():
            if row[complaint_key] in cards:
                cards[row[complaint_key]].complaints = row["count"]
    totals = plans.aggregate(**plan_counts)
    total.planned, total.plans_met = totals["planned"], totals["met"]
    totals = alerts.aggregate(**alert_counts)
    total.alerts_due, total.alerts_in_time = totals["due"], totals["in_time"]
    total.complaints = complaints.count()


# A month's figures are read at most once a minute per scope (ten minutes for a past month): the dashboard says as
# of when. The key holds what the scope depends on (domain O): everyone's for head office, else the member of staff.
# Head office's firm-wide month is the heaviest read (two percentile passes over every ticket of the month), so no
# reader waits for it: beat computes the current month every minute and each of the last twelve finished months
# when it is missing; the nightly job recomputes the finished ones, and reopening a ticket drops its months.
FRESH_FOR = {"current": 60, "past": 600}
FIRM = "everyone"
FIRM_MONTHS = 12


def kpi_key(month: datetime.date, scope: str) -> str:
    return f"futcrm:kpis:{month:%Y-%m}:{scope}"


def service_kpis_cached(user, month: datetime.date) -> dict:
    profile = staff_profile_of(user)
    scope = FIRM if sees_everything(user) else f"staff-{profile.pk if profile else 'none'}"
    key = kpi_key(month, scope)
    data = cache.get(key)
    if data is None:
        data = {**service_kpis(user, month), "as_of": timezone.now()}
        current = month.replace(day=1) == timezone.localdate().replace(day=1)
        cache.set(key, data, FRESH_FOR["current" if current else "past"])
    return data


def _firm_reader():
    """Whoever sees everything (domain O), unsaved: what head office's dashboard reads."""
    return get_user_model()(username="kpi-snapshot", is_superuser=True, is_active=True)


def firm_kpis_refresh(*, finished: bool = False) -> list[str]:
    """S17, from beat every minute: head office's current month (kept two minutes, so it never lapses between
    runs) and any of the last twelve finished months that is missing (kept until the nightly run, finished=True,
    recomputes them or a reopened ticket drops them). Returns the months computed."""
    this_month = timezone.localdate().replace(day=1)
    reader, done = _firm_reader(), []
    for back in range(FIRM_MONTHS + 1):
        month = add_months(this_month, -back)
        key = kpi_key(month, FIRM)
        if back and not finished and cache.get(key) is not None:
            continue
        cache.set(key, {**service_kpis(reader, month), "as_of": timezone.now()}, 2 * FRESH_FOR["current"]
                  if not back else None)
        done.append(f"{month:%Y-%m}")
    return done


def firm_kpis_forget(*moments) -> None:
    """A ticket's reopening changes the months it was opened and resolved in: the next minute's run recomputes them."""
    cache.delete_many([kpi_key(timezone.localtime(moment).date().replace(day=1), FIRM) for moment in moments if moment])
