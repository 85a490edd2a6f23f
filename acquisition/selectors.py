"""S27 the funnel dashboard's reads: scoped (O), a few grouped queries whatever the number of prospects."""

import datetime

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from acquisition.models import Prospect, ProspectStep
from acquisition.services import FUNNEL


def _reached(prospects) -> dict[str, int]:
    """How many of `prospects` reached each funnel stage (their steps: a lost prospect reached what it reached)."""
    rows = (ProspectStep.objects.filter(prospect__in=prospects).values("stage")
            .annotate(n=Count("prospect_id", distinct=True)).order_by())
    return {row["stage"]: row["n"] for row in rows}


def _grouped(prospects, key: str, label: str) -> list[dict]:
    rows = (prospects.values(key, label).annotate(
        total=Count("pk"), opened=Count("pk", filter=Q(client__isnull=False)),
        traded=Count("pk", filter=Q(stage=Prospect.Stage.TRADED)),
        lost=Count("pk", filter=Q(stage=Prospect.Stage.LOST))).order_by("-total", label))
    return [{**row, "label": row[label], "rate": round(100 * row["opened"] / row["total"], 1)} for row in rows]


def funnel(user, since: datetime.date, until: datetime.date) -> dict:
    """S27: the prospects first contacted in [since, until] that the user may see: how many reached each stage and
    the conversion from the stage before; per source, branch, owner, event and referrer; days from first contact to
    the account and to the first trade."""
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time()))
    end = timezone.make_aware(datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time()))
    prospects = Prospect.objects.visible_to(user).filter(created_at__gte=start, created_at__lt=end)
    reached = _reached(prospects)
    stages, before = [], None
    for stage in FUNNEL:
        count = reached.get(stage, 0)
        stages.append({"stage": stage, "label": Prospect.Stage(stage).label, "count": count,
                       "rate": round(100 * count / before, 1) if before else None})
        before = count
    sources = _grouped(prospects, "source", "source")
    for row in sources:
        row["label"] = Prospect.Source(row["source"]).label
    days = prospects.filter(opened_on__isnull=False).aggregate(
        to_account=Avg(ExpressionWrapper(F("opened_on") - F("created_at__date"), output_field=DurationField())),
        to_trade=Avg(ExpressionWrapper(F("traded_on") - F("created_at__date"), output_field=DurationField()),
                     filter=Q(traded_on__isnull=False)))
    return {
        "since": since, "until": until, "total": reached.get(Prospect.Stage.NEW, 0), "stages": stages,
        "lost": prospects.filter(stage=Prospect.Stage.LOST).count(), "sources": sources,
        "branches": _grouped(prospects, "branch_id", "branch__name"),
        "owners": _grouped(prospects.filter(owner__isnull=False), "owner_id", "owner__full_name"),
        "events": _grouped(prospects.filter(event__isnull=False), "event_id", "event__title"),
        "referrers": _grouped(prospects.filter(referrer__isnull=False), "referrer_id", "referrer__name"),
        "days_to_account": days["to_account"].days if days["to_account"] is not None else None,
        "days_to_trade": days["to_trade"].days if days["to_trade"] is not None else None,
    }
