import datetime

from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from service_log.selectors import complaint_analysis, service_dashboard, survey_results, workbench


@login_required
@permission_required("clients.view_client", raise_exception=True)
def workbench_view(request):
    """今日工作台: today's alerts, contacts due, onboarding calls, follow-ups, archives to complete, tier changes;
    each item links to the page where it is done."""
    return render(request, "service_log/workbench.html", {
        **admin.site.each_context(request), "title": _("Today's workbench"), "work": workbench(request.user),
    })


@login_required
@permission_required("service_log.view_surveyresponse", raise_exception=True)
def survey_results_view(request):
    """S8 results by advisor, branch and tier, scoped (O)."""
    results = survey_results(request.user, request.GET.get("survey") or None)
    return render(request, "service_log/survey_results.html", {
        **admin.site.each_context(request), "title": _("Satisfaction results"), "results": results,
        "selected": request.GET.get("survey", ""),
    })


@login_required
@permission_required("service_log.view_complaint", raise_exception=True)
def complaint_analysis_view(request):
    """S7 root-cause analysis over the last 12 months, scoped (O)."""
    since = timezone.localdate() - datetime.timedelta(days=365)
    return render(request, "service_log/complaint_analysis.html", {
        **admin.site.each_context(request), "title": _("Complaint analysis"),
        "analysis": complaint_analysis(request.user, since),
    })


@login_required
@permission_required("service_log.view_complaint", raise_exception=True)
def service_dashboard_view(request):

    data = service_dashboard(request.user)
    chart = {
        "states": [str(label) for _state, label, _count in data["complaints_by_state"]],
        "stateCounts": [count for _state, _label, count in data["complaints_by_state"]],
        "months": [row["month"] for row in data["satisfaction"]],
        "averages": [float(row["average"]) for row in data["satisfaction"]],
    }
    return render(request, "service_log/dashboard.html", {
        **admin.site.each_context(request), "title": _("Service dashboard"), "data": data, "chart_data": chart,
    })
