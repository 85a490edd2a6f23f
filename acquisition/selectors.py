"""S27 the funnel dashboard's reads: scoped (O), one pass over the period's prospects (GROUPING SETS) and one over
the events' attendees, whatever the number of prospects (bench/acquisition.py)."""

import datetime

from django.db import connection
from django.utils import timezone

from acquisition.models import Event, Prospect, Referrer
from acquisition.services import FUNNEL
from clients.models import Branch, StaffProfile

# Each group's figures; per `reached` (S27: the furthest stage ever, a rank in FUNNEL) the prospects whose furthest
# stage it is (summed from the top for "reached at least"); and for the whole period the average days from first
# contact (local date) to the account and to the first trade, over the prospects that have one. Each aggregate is
# kept for every grouping set, so there are only these few.
FUNNEL_QUERY = """
SELECT GROUPING(p.source) AS no_source, GROUPING(p.branch_id) AS no_branch, GROUPING(p.owner_id) AS no_owner,
       GROUPING(p.referrer_id) AS no_referrer, GROUPING(p.reached) AS no_reached,
       p.source, p.branch_id, p.owner_id, p.referrer_id, p.reached,
       count(*), count(p.client_id), count(*) FILTER (WHERE p.stage = 'traded'),
       count(*) FILTER (WHERE p.stage = 'lost'),
       avg(p.opened_on - (p.created_at AT TIME ZONE %s)::date) FILTER (WHERE p.opened_on IS NOT NULL),
       avg(p.traded_on - (p.created_at AT TIME ZONE %s)::date) FILTER (WHERE p.traded_on IS NOT NULL)
FROM ({prospects}) p
GROUP BY GROUPING SETS ((), (p.source), (p.branch_id), (p.owner_id), (p.referrer_id), (p.reached))
"""
EVENTS_QUERY = """
SELECT g.event_id, e.title, count(DISTINCT p.id), count(DISTINCT p.id) FILTER (WHERE p.client_id IS NOT NULL),
       count(DISTINCT p.id) FILTER (WHERE p.stage = 'traded'), count(DISTINCT p.id) FILTER (WHERE p.stage = 'lost')
FROM ({prospects}) p
JOIN acquisition_eventguest g ON g.prospect_id = p.id AND g.checked_in_at IS NOT NULL
JOIN acquisition_event e ON e.id = g.event_id
GROUP BY g.event_id, e.title
ORDER BY 3 DESC, e.title
"""
COLUMNS = ["id", "source", "branch_id", "owner_id", "referrer_id", "client_id", "stage", "reached", "created_at",
           "opened_on", "traded_on"]


def _row(key, label, total: int, opened: int, traded: int, lost: int) -> dict:
    return {"key": key, "label": label, "total": total, "opened": opened, "traded": traded, "lost": lost,
            "rate": round(100 * opened / total, 1) if total else 0.0}


def _by_event(sql: str, params) -> list[dict]:
    """Per event, the period's prospects who attended it (S30) and how far they got: an event's conversion."""
    with connection.cursor() as cursor:
        cursor.execute(EVENTS_QUERY.format(prospects=sql), params)
        rows = cursor.fetchall()
    events = Event.objects.select_related("branch").in_bulk([row[0] for row in rows])
    return [_row(key, _event_label(events[key]), *figures) for key, _title, *figures in rows]


def _event_label(event) -> str:
    """An event as the funnel tells it from another of the same title (issue 36): its branch and its day."""
    return f"{event.title} · {event.branch.name} · {timezone.localtime(event.starts_at):%Y-%m-%d}"


def _names(model, ids, field: str) -> dict:
    return dict(model.objects.filter(pk__in=[pk for pk in ids if pk is not None]).values_list("pk", field))


def funnel(user, since: datetime.date, until: datetime.date) -> dict:
    """S27: the prospects first contacted in [since, until] that the user may see: how many reached each stage and
    the conversion from the stage before; per source, branch, owner, event attended and referrer; days from first
    contact to the account and to the first trade."""
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time()))
    end = timezone.make_aware(datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time()))
    prospects = Prospect.objects.visible_to(user).filter(created_at__gte=start, created_at__lt=end)
    sql, params = prospects.order_by().values(*COLUMNS).query.sql_with_params()
    zone = str(timezone.get_current_timezone())
    with connection.cursor() as cursor:
        cursor.execute(FUNNEL_QUERY.format(prospects=sql), [zone, zone, *params])
        rows = cursor.fetchall()
    groups = {"sources": [], "branches": [], "owners": [], "referrers": []}
    at_rank = [0] * len(FUNNEL)
    totals = (0, 0, 0, 0, None, None)
    for row in rows:
        grouping, keys, figures = row[:5], row[5:10], row[10:14]
        if all(grouping):
            totals = row[10:]
            continue
        which = grouping.index(0)
        key = keys[which]
        if which == 4:
            at_rank[key] = figures[0]
        elif key is not None or which < 2:  # prospects without an owner or a referrer are in the totals only
            groups[["sources", "branches", "owners", "referrers"][which]].append((key, figures))
    labels = {
        "sources": {value: Prospect.Source(value).label for value, _f in groups["sources"]},
        "branches": _names(Branch, [key for key, _f in groups["branches"]], "name"),
        "owners": _names(StaffProfile, [key for key, _f in groups["owners"]], "full_name"),
        "referrers": {pk: f"{name} · {code}" for pk, name, code in Referrer.objects.filter(
            pk__in=[key for key, _f in groups["referrers"]]).values_list("pk", "name", "code")},  # same names apart
    }
    tables = {name: sorted((_row(key, labels[name].get(key, "—"), *figures) for key, figures in entries),
                           key=lambda row: (-row["total"], str(row["label"])))
              for name, entries in groups.items()}
    counts = [sum(at_rank[rank:]) for rank in range(len(FUNNEL))]  # reached at least each stage
    stages, before = [], None
    for stage, count in zip(FUNNEL, counts, strict=True):
        stages.append({"stage": stage, "label": Prospect.Stage(stage).label, "count": count,
                       "rate": round(100 * count / before, 1) if before else None})
        before = count
    days = totals[4:6]
    return {
        "since": since, "until": until, "total": counts[0], "stages": stages,
        "lost": totals[3], **tables, "events": _by_event(sql, params),
        "days_to_account": round(days[0]) if days[0] is not None else None,
        "days_to_trade": round(days[1]) if days[1] is not None else None,
    }
