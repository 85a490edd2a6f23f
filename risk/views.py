"""The risk dashboard (issue 5): open alerts by kind, severity, branch and age; deadline compliance; clients
above each threshold; 30-day trend. Scoped by role (O), drill-down to the alert list."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from clients.models import Branch
from risk.filtersets import RiskDashboardFilterSet
from risk.intraday import call_now, current_trading_day, intraday_alerts, intraday_evaluation_failing, market_events
from risk.models import Alert
from risk.selectors import risk_dashboard


@login_required
@permission_required("risk.view_alert", raise_exception=True)
def risk_dashboard_view(request):
    branch = RiskDashboardFilterSet(request.GET, request=request).values()["branch"]
    branch_id = branch.pk if branch else None  # never another branch's figures, whatever the URL says
    data = risk_dashboard(request.user, branch_id=branch_id)
    alert_list = reverse("admin:risk_alert_changelist")
    branch_filter = {"client__branch__id__exact": branch_id} if branch_id else {}
    rows = []
    for kind in data["kinds"]:
        cells = [(data["by_kind"][kind][severity], alert_list + "?" + urlencode(
            {"kind": kind, "severity": severity, "status__in": "open,acknowledged,contacted", **branch_filter}))
            for severity in data["severities"]]
        rows.append({"kind": kind, "label": Alert.Kind(kind).label, "cells": cells})
    chart = {
        "kinds": [str(Alert.Kind(kind).label) for kind in data["kinds"]],
        "open": [sum(data["by_kind"][kind].values()) for kind in data["kinds"]],
        "trendDates": data["trend_dates"],
        "trend": [{"name": str(Alert.Kind(kind).label), "data": data["trend"][kind]} for kind in data["kinds"]],
        "words": {"open": _("Open alerts by kind"), "trend": _("Alerts raised by trading day"),
                  "alerts": _("alerts"), "empty": _("No data yet")},
    }
    return render(request, "risk/dashboard.html", {
        **admin.site.each_context(request),
        "title": _("Risk dashboard"), "data": data, "rows": rows, "chart_data": chart,
        "severity_labels": [Alert.Severity(severity).label for severity in data["severities"]],
        "branches": Branch.objects.visible_to(request.user), "branch_id": branch_id,
    })  # fmt: skip


# The intraday desk (I7, I8): polled, not pushed. A small JSON every few seconds holds no worker while a page is open
# (Server-Sent Events would hold one per open page on the sync workers, and the CSP allows no inline script either
# way); a new alert reaches the page within the poll interval (static/futcrm/page.js, POLL_MS).
def _intraday_context(request, size: int) -> dict:
    day = current_trading_day()
    alerts = list(intraday_alerts(request.user, day)[:size]) if day else []
    events = list(market_events(day)) if day else []
    return {"day": day, "alerts": alerts, "events": events, "failing": intraday_evaluation_failing(),
            "alert_count": intraday_alerts(request.user, day).count() if day else 0}


DESK_SIZE, PANEL_SIZE = 50, 5  # the desk's list; the workbench's and the alert list's, above their own work


@login_required
@permission_required("risk.view_alert", raise_exception=True)
def intraday_desk_view(request):
    """盘中风险: the session's alerts for this user (O), newest first, and the market events with their call-now
    lists (I7), updating without a reload."""
    context = _intraday_context(request, DESK_SIZE)
    calls = {event.pk: call_now(request.user, event) for event in context["events"]}
    for event in context["events"]:
        event.calls = calls[event.pk]
    return render(request, "risk/intraday_desk.html", {
        **admin.site.each_context(request), **context, "title": _("Intraday risk"), "live": True})


@login_required
@permission_required("risk.view_alert", raise_exception=True)
def intraday_feed_view(request):
    """The desk's live part as JSON: the alerts and market events rendered as on the page, and how many; the first
    few only for a panel (?panel=1)."""
    panel = request.GET.get("panel") == "1"
    context = {**_intraday_context(request, PANEL_SIZE if panel else DESK_SIZE), "panel": panel}
    html = render_to_string("risk/intraday_feed.html", {**context, "request": request}, request=request)
    response = JsonResponse({"html": html, "count": context["alert_count"],
                             "day": context["day"].isoformat() if context["day"] else None})
    response["Cache-Control"] = "no-store"
    return response


def intraday_panel(request) -> dict | None:
    """The workbench's intraday panel (registered by backoffice): only while a session's alerts are current."""
    if not request.user.has_perm("risk.view_alert"):
        return None
    day = current_trading_day()
    today = timezone.localdate()
    if day is None or day < today:
        return None
    return {"template": "risk/workbench_intraday.html", **_intraday_context(request, PANEL_SIZE), "panel": True}
