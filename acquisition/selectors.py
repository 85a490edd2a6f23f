"""S27 the funnel dashboard's reads: scoped (O), one pass over the period's prospects (GROUPING SETS) and one over
the events' attendees, whatever the number of prospects (bench/acquisition.py)."""

import datetime

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from acquisition.models import EventGuest, Prospect, Referrer
from acquisition.services import FUNNEL
from clients.models import Branch, StaffProfile

# Each group's figures, and for the whole period each stage reached (S27: `reached`, the furthest stage ever) and
# the average days from first contact (local date) to the account and to the first trade.
FUNNEL_QUERY = """
SELECT GROUPING(p.source) AS no_source, GROUPING(p.branch_id) AS no_branch, GROUPING(p.owner_id) AS no_owner,
       GROUPING(p.referrer_id) AS no_referrer, p.source, p.branch_id, p.owner_id, p.referrer_id,
       count(*), count(p.client_id), count(*) FILTER (WHERE p.stage = 'traded'),
       count(*) FILTER (WHERE p.stage = 'lost'),
       {reached},
       avg(p.opened_on - (p.created_at AT TIME ZONE %s)::date),
       avg(p.traded_on - (p.created_at AT TIME ZONE %s)::date)
FROM ({prospects}) p
GROUP BY GROUPING SETS ((), (p.source), (p.branch_id), (p.owner_id), (p.referrer_id))
"""
COLUMNS = ["source", "branch_id", "owner_id", "referrer_id", "client_id", "stage", "reached", "created_at",
           "opened_on", "traded_on"]


def _row(key, label, total: int, opened: int, traded: int, lost: int) -> dict:
    return {"key": key, "label": label, "total": total, "opened": opened, "traded": traded, "lost": lost,
            "rate": round(100 * opened / total, 1) if total else 0.0}


def _by_event(prospects) -> list[dict]:
    """Per event, the prospects who attended it (S30) and how far they got: an event's conversion."""
    attended = EventGuest.objects.filter(prospect__in=prospects.values("pk"), checked_in_at__isnull=False)
    rows = (attended.values("event_id", "event__title").annotate(
        total=Count("prospect_id", distinct=True),
        opened=Count("prospect_id", distinct=True, filter=Q(prospect__client__isnull=False)),
        traded=Count("prospect_id", distinct=True, filter=Q(prospect__stage=Prospect.Stage.TRADED)),
        lost=Count("prospect_id", distinct=True, filter=Q(prospect__stage=Prospect.Stage.LOST)))
        .order_by("-total", "event__title"))
    return [_row(row["event_id"], row["event__title"], row["total"], row["opened"], row["traded"], row["lost"])
            for row in rows]


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
    reached = ", ".join(f"count(*) FILTER (WHERE p.reached >= {rank})" for rank in range(len(FUNNEL)))
    zone = str(timezone.get_current_timezone())
    with connection.cursor() as cursor:
        cursor.execute(FUNNEL_QUERY.format(reached=reached, prospects=sql), [zone, zone, *params])
        rows = cursor.fetchall()
    groups = {"sources": [], "branches": [], "owners": [], "referrers": []}
    totals = None
    for row in rows:
        grouping, keys, figures = row[:4], row[4:8], row[8:12]
        if all(grouping):
            totals = row
            continue
        which = grouping.index(0)
        key = keys[which]
        if which == 2 and key is None or which == 3 and key is None:
            continue  # prospects without an owner or a referrer are in the totals only
        groups[["sources", "branches", "owners", "referrers"][which]].append((key, figures))
    labels = {
        "sources": {value: Prospect.Source(value).label for value, _f in groups["sources"]},
        "branches": _names(Branch, [key for key, _f in groups["branches"]], "name"),
        "owners": _names(StaffProfile, [key for key, _f in groups["owners"]], "full_name"),
        "referrers": _names(Referrer, [key for key, _f in groups["referrers"]], "name"),
    }
    tables = {name: sorted((_row(key, labels[name].get(key, "—"), *figures) for key, figures in entries),
                           key=lambda row: (-row["total"], str(row["label"])))
              for name, entries in groups.items()}
    counts = list(totals[12:12 + len(FUNNEL)]) if totals else [0] * len(FUNNEL)
    stages, before = [], None
    for stage, count in zip(FUNNEL, counts, strict=True):
        stages.append({"stage": stage, "label": Prospect.Stage(stage).label, "count": count,
                       "rate": round(100 * count / before, 1) if before else None})
        before = count
    days = totals[12 + len(FUNNEL):] if totals else (None, None)
    return {
        "since": since, "until": until, "total": counts[0], "stages": stages,
        "lost": totals[11] if totals else 0, **tables, "events": _by_event(prospects),
        "days_to_account": round(days[0]) if days[0] is not None else None,
        "days_to_trade": round(days[1]) if days[1] is not None else None,
    }
