import datetime

from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from service_log.filtersets import (
    WORK_KINDS,
    CoverageFilterSet,
    NoticesFilterSet,
    SurveyResultsFilterSet,
    WorkbenchFilterSet,
)
from service_log.models import InformationCoverage, Notification
from service_log.selectors import (
    DUE,
    OVERDUE,
    complaint_analysis,
    information_coverage,
    last_coverage_day,
    service_dashboard,
    survey_results,
    workbench,
)

# What the floors above add to the workbench's overview (their AppConfig.ready): each a callable(request) returning
# a panel to show ({"template": …, …}) or None; service_desk adds the service staff's tickets.
WORKBENCH_PANELS: list = []
GROUP_LABELS = {OVERDUE: gettext_lazy("Overdue"), DUE: gettext_lazy("Due, soonest first")}
OVERVIEW_SIZE, PAGE_SIZE = 8, 50


@login_required
@permission_required("clients.view_client", raise_exception=True)
def workbench_view(request):
    """今日工作台: the work due for the clients this user may see, by kind; in each kind a client once with its
    items, overdue work in its own group with its true count, the rest soonest due first. The overview shows the
    first clients of each group and says how many there are, linking to the kind shown whole and paged."""
    filters = WorkbenchFilterSet(request.GET, request=request)
    chosen = filters.values(kind="")
    kind = chosen["kind"]
    sections = workbench(request.user, branch=chosen.get("branch"), advisor=chosen.get("advisor"))
    narrowing = {name: chosen[name].pk for name in ("branch", "advisor") if chosen.get(name)}
    shown = []
    for key, title in WORK_KINDS:
        if kind and key != kind:
            continue
        section = sections[key]
        groups = []
        for group in section.groups:
            paginator = Paginator(group.clients, PAGE_SIZE if kind else OVERVIEW_SIZE)
            page = paginator.get_page(request.GET.get(f"{group.key}_page") if kind else 1)
            page.object_list = list(page.object_list)
            section.attach(page.object_list)
            groups.append({"key": group.key, "label": GROUP_LABELS[group.key], "page": page,
                           "count": paginator.count, "pages": paginator,
                           "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2)),
                           "page_query": urlencode({**narrowing, "kind": key}) + f"&{group.key}_page="})
        shown.append({"key": key, "title": title, "groups": groups, "count": sum(g["count"] for g in groups),
                      "has_overdue": len(groups) > 1,
                      "whole": "?" + urlencode({**narrowing, "kind": key})})
    return render(request, "service_log/workbench.html", {
        **admin.site.each_context(request), "title": _("Today's workbench"), "sections": shown, "form": filters.form,
        "kind": kind, "now": timezone.now(), "overview": not kind,
        "panels": [] if kind else list(filter(None, (panel(request) for panel in WORKBENCH_PANELS))),
    })


@login_required
@permission_required("service_log.view_surveyresponse", raise_exception=True)
def survey_results_view(request):
    """S8 results by advisor, branch and tier, scoped (O)."""
    survey = SurveyResultsFilterSet(request.GET, request=request).values()["survey"]
    results = survey_results(request.user, survey or None)
    return render(request, "service_log/survey_results.html", {
        **admin.site.each_context(request), "title": _("Satisfaction results"), "results": results,
        "selected": survey or "",
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
@permission_required("service_log.view_informationcoverage", raise_exception=True)
def information_coverage_view(request):
    """S4 coverage of a trading day (the last one counted unless ?day=): the opted-in clients who received no
    information, per branch and advisor, with S21's same-day follow-ups per advisor; scoped (O)."""
    filters = CoverageFilterSet(request.GET, request=request)
    if filters.errors:
        return HttpResponseBadRequest(_("The day must be a date such as 2026-12-01."))
    day = filters.values()["day"] or last_coverage_day()
    days = list(InformationCoverage.objects.filter(trade_date__lte=timezone.localdate()).order_by("-trade_date")
                .values_list("trade_date", flat=True).distinct()[:20])
    return render(request, "service_log/information_coverage.html", {
        **admin.site.each_context(request), "title": _("Information coverage"), "days": days,
        "coverage": information_coverage(request.user, day) if day else None,
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
        "words": {"complaints": _("Complaints by state"), "satisfaction": _("Satisfaction by month (1–5)"),
                  "count": _("complaints"), "average": _("average score"), "empty": _("No data yet")},
    }
    return render(request, "service_log/dashboard.html", {
        **admin.site.each_context(request), "title": _("Service dashboard"), "data": data, "chart_data": chart,
    })


NOTICE_RECENT = datetime.timedelta(minutes=2)


@login_required
def notices_view(request):
    """The user's unread in-app notices newer than `after` (their id), for the pages' poll: a call answered (S13) or a
    ticket escalated (S12) shows without a reload. Without `after`: those of the last two minutes."""
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True)
    after = NoticesFilterSet(request.GET, request=request).values()["after"]
    unread = (unread.filter(pk__gt=int(after)) if after is not None
              else unread.filter(created_at__gte=timezone.now() - NOTICE_RECENT))
    notices = [{"id": notice.pk, "text": notice.text, "url": f"/notices/{notice.pk}/"}
               for notice in unread.order_by("pk")[:10]]
    latest = Notification.objects.filter(recipient=request.user).order_by("-pk").values_list("pk", flat=True).first()
    return JsonResponse({"notices": notices, "latest": latest or 0})


@login_required
def notice_open_view(request, notice_id: int):
    """A notice opened: marked read, then its page (only a link inside this site)."""
    notice = Notification.objects.filter(recipient=request.user, pk=notice_id).first()
    if notice is None:
        raise Http404
    if notice.read_at is None:
        Notification.objects.filter(pk=notice.pk).update(read_at=timezone.now())
    return redirect(notice.link if notice.link.startswith("/") and not notice.link.startswith("//") else "/admin/")
