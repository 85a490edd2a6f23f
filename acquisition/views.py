"""S27 the funnel dashboard, S30 the public registration page, S34 the referrer report."""

import datetime

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from acquisition.events import guest_for_token, register_by_link
from acquisition.filtersets import FunnelFilterSet, ReferrerReportFilterSet
from acquisition.models import EventGuest
from acquisition.referrers import referrer_report, report_sections
from acquisition.selectors import funnel
from core.errors import DomainError
from core.exports import sections_response
from core.ratelimit import public_page_rate_limited


@login_required
@permission_required("acquisition.view_prospect", raise_exception=True)
def funnel_view(request):
    """S27 the funnel dashboard: the prospects first contacted in a period (this year unless ?since=&until=)."""
    today = timezone.localdate()
    filters = FunnelFilterSet(request.GET, request=request)
    if filters.errors:
        return HttpResponseBadRequest(_("The dates must be such as 2026-12-01."))
    chosen = filters.values(since=datetime.date(today.year, 1, 1), until=today)
    since, until = chosen["since"], chosen["until"]
    if since > until:
        return HttpResponseBadRequest(_("The period must start before it ends."))
    return render(request, "acquisition/funnel.html", {
        **admin.site.each_context(request), "title": _("Prospect funnel"), "funnel": funnel(request.user, since, until),
    })


@public_page_rate_limited(limit=30, per_seconds=60)
@require_http_methods(["GET", "POST"])
def register_view(request, token: str):
    """S30: the phone page an invitation links to (no login; signed link; rate-limited per address): the event and
    a button to take a seat; once registered, the check-in code to show at the desk."""
    guest = guest_for_token(token)
    if guest is None:
        return render(request, "research/gone.html", status=404)
    error, status = "", 200
    if request.method == "POST":
        try:
            guest = register_by_link(guest)
        except DomainError as refusal:
            error, status = refusal.message, 400
    elif guest.registered_at is None and guest.event.ends_at <= timezone.now():
        error = _("The event has ended.")  # not "has begun" days later (issue 36)
    elif guest.registered_at is None and guest.event.starts_at <= timezone.now():
        error = _("Registration has closed: the event has begun.")
    event = guest.event
    seats = event.capacity - EventGuest.objects.filter(event=event, registered_at__isnull=False).count()
    return render(request, "acquisition/register.html", {
        "guest": guest, "event": event, "topics": event.topic_labels(), "starts": timezone.localtime(event.starts_at),
        "ends": timezone.localtime(event.ends_at), "seats_left": max(seats, 0), "error": error,
        "hotline": settings.SERVICE_HOTLINE}, status=status)


@login_required
@permission_required("acquisition.view_referrer", raise_exception=True)
def referrer_report_view(request):
    """S34 the monthly referrer report (业绩归属), scoped (O): this month unless ?month=YYYY-MM, the branches' totals
    and one branch's referrers (?branch=); ?format=csv|xlsx exports every referrer in scope."""
    filters = ReferrerReportFilterSet(request.GET, request=request)
    if "month" in filters.errors:
        return HttpResponseBadRequest(_("The month must be such as 2026-11."))
    chosen = filters.values(month=timezone.localdate().replace(day=1))
    month, branch = chosen["month"], chosen["branch"]
    report = referrer_report(request.user, month, branch_id=branch.pk if branch else None)
    fmt = request.GET.get("format", "")
    if fmt in {"csv", "xlsx"}:
        return sections_response(report_sections(report), f"referrers-{month:%Y-%m}", fmt, request=request)
    return render(request, "acquisition/referrers.html", {
        **admin.site.each_context(request), "title": _("Monthly referrer report"), "report": report,
        "month_value": f"{month:%Y-%m}",
    })
