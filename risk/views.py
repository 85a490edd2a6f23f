"""The risk dashboard (issue 5): open alerts by kind, severity, branch and age; deadline compliance; clients
above each threshold; 30-day trend. Scoped by role (O), drill-down to the alert list."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from clients.models import Branch
from risk.filtersets import RiskDashboardFilterSet
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
