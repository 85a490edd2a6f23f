"""Reads for the risk dashboard (issue 5), through Alert.objects.visible_to and DailyStatement.objects.visible_to."""

import datetime

from django.db import connection
from django.db.models import Case, Count, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Branch, Client
from core.models import OwedWork
from risk import sql
from risk.intraday import intraday_evaluation_failing
from risk.models import INTRADAY_KINDS, Alert, AlertSummary, RiskThresholdSet
from settlement.models import SettlementDay, TradingDay
from settlement.services import RISK_EVALUATION

# How long open alerts have waited since they were raised, as people read it.
AGE_BUCKETS = [(_("under 1 hour"), datetime.timedelta(hours=1)), (_("1 to 24 hours"), datetime.timedelta(days=1)),
               (_("1 to 3 days"), datetime.timedelta(days=3)), (_("over 3 days"), None)]  # fmt: skip


def alerts_raised_on(trade_date: datetime.date) -> int:
    """How many risk alerts (R2) a trade date has: those withdrawn after its statements were corrected do not count."""
    return (Alert.objects.filter(trade_date=trade_date).exclude(status=Alert.Status.WITHDRAWN)
            .exclude(kind__in=INTRADAY_KINDS).count())  # the session's alerts (I8) are not the close's


def risk_dashboard(user, *, days: int = 30, branch_id: int | None = None) -> dict:
    now = timezone.now()
    alerts = Alert.objects.visible_to(user)
    if branch_id:
        alerts = alerts.filter(branch_id=branch_id)
    open_alerts = alerts.unfinished()
    kinds, severities = list(Alert.Kind.values), list(Alert.Severity.values)

    # The open alerts' figures in one pass over them (read from the index alert_unfinished): by kind and severity,
    # by branch with the overdue (R6: not contacted by the deadline), by how long since each was raised, and the
    # last `days` days' missed deadlines for the compliance below.
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    age, lower = [], datetime.timedelta(0)
    for index, (_label, upper) in enumerate(AGE_BUCKETS):
        age.append(When(Q(raised_at__lte=now - lower) & (Q() if upper is None else Q(raised_at__gt=now - upper)),
                        then=Value(index)))
        lower = upper or lower
    overdue = Q(due_at__lt=now, status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED])
    groups = list(open_alerts.annotate(
        age=Case(*age, default=None), overdue=Case(When(overdue, then=Value(True)), default=Value(False)),
        missed=Case(When(Q(trade_date__gte=since, contacted_at__isnull=True, due_at__lt=now), then=Value(True)),
                    default=Value(False)))
        .values("branch_id", "kind", "severity", "age", "overdue", "missed").annotate(n=Count("id"))
        .order_by())
    by_kind = {kind: dict.fromkeys(severities, 0) for kind in kinds}
    counts = dict.fromkeys(range(len(AGE_BUCKETS)), 0)
    branches: dict[int, dict] = {}
    for row in groups:
        by_kind[row["kind"]][row["severity"]] += row["n"]
        if row["age"] is not None:
            counts[row["age"]] += row["n"]
        branch = branches.setdefault(row["branch_id"], {"total": 0, "overdue": 0})
        branch["total"] += row["n"]
        branch["overdue"] += row["n"] if row["overdue"] else 0
    ages = [{"label": label, "count": counts[index]} for index, (label, _upper) in enumerate(AGE_BUCKETS)]
    by_branch = [{"client__branch__id": branch.pk, "client__branch__code": branch.code,
                  "client__branch__name": branch.name, **branches[branch.pk]}
                 for branch in Branch.objects.filter(pk__in=branches).order_by("code")]
    missed = sum(row["n"] for row in groups if row["missed"])

    # The last `days` days' history from the summary the alert writes keep (issue 15 item 2): R6 compliance counts
    # the alerts contacted (in time or late) and those past their deadline not contacted yet; withdrawn ones count
    # for nothing (their condition no longer held), an alert raised again keeps its first contact.
    history = AlertSummary.objects.visible_to(user).filter(trade_date__gte=since)
    if branch_id:
        history = history.filter(branch_id=branch_id)
    totals = history.aggregate(contacted=Sum("contacted", default=0), in_time=Sum("contacted_in_time", default=0))
    due = totals["contacted"] + missed
    compliance = {"due": due, "in_time": totals["in_time"], "rate": round(100 * totals["in_time"] / due, 1)
                  if due else None}

    # The trend by trading day: weekends and holidays are skipped (a day with alerts is never dropped).
    trend_rows = list(history.values("trade_date", "kind").annotate(n=Sum("raised")).filter(n__gt=0).order_by())
    dates = sorted(set(TradingDay.objects.trading().filter(date__range=(since, timezone.localdate()))
                       .values_list("date", flat=True)) | {row["trade_date"] for row in trend_rows})
    position = {day: index for index, day in enumerate(dates)}
    trend = {kind: [0] * len(dates) for kind in kinds}
    for row in trend_rows:
        trend[row["kind"]][position[row["trade_date"]]] = row["n"]

    thresholds = RiskThresholdSet.objects.in_force()
    last_closed = (SettlementDay.objects.filter(status=SettlementDay.Status.CLOSED).order_by("-trade_date")
                   .values_list("trade_date", flat=True).first())
    above = {"trade_date": last_closed, "warning": 0, "margin_call": 0, "negative": 0}
    if last_closed and thresholds:
        clients = Client.objects.visible_to(user)
        if branch_id:
            clients = clients.filter(branch_id=branch_id)
        clients_sql, clients_params = clients.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql.LOOSEST_RATIO, [thresholds.pk])
            loosest = cursor.fetchone()[0]
            cursor.execute(sql.ABOVE_THRESHOLDS.format(clients=clients_sql),
                           [thresholds.pk, last_closed, loosest, *clients_params])
            above["warning"], above["margin_call"], above["negative"] = cursor.fetchone()
    # A closed day whose evaluation is still owed (failed and waiting for its retry, or not run yet): its alerts may
    # be missing, and the dashboard says so rather than showing a quiet day (issue 13).
    unevaluated = [{"trade_date": datetime.date.fromisoformat(owed.key), "attempts": owed.attempts,
                    "failed": bool(owed.last_error), "next_attempt": owed.not_before}
                   for owed in OwedWork.objects.filter(job=RISK_EVALUATION, done_at__isnull=True).order_by("key")]
    return {"unevaluated": unevaluated, "intraday_failing": intraday_evaluation_failing(), "by_kind": by_kind,
            "kinds": kinds, "severities": severities, "by_branch": by_branch, "ages": ages,
            "compliance": compliance, "trend_dates": [f"{day:%m-%d}" for day in dates], "trend": trend,
            "above": above, "open_total": sum(row["n"] for row in groups), "since": since}
