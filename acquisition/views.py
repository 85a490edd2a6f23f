import datetime

from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from acquisition.selectors import funnel


@login_required
@permission_required("acquisition.view_prospect", raise_exception=True)
def funnel_view(request):
    """S27 the funnel dashboard: the prospects first contacted in a period (this year unless ?since=&until=)."""
    today = timezone.localdate()
    try:
        since = datetime.date.fromisoformat(request.GET.get("since") or f"{today.year}-01-01")
        until = datetime.date.fromisoformat(request.GET.get("until") or today.isoformat())
    except ValueError:
        return HttpResponseBadRequest(_("The dates must be such as 2026-12-01."))
    if since > until:
        return HttpResponseBadRequest(_("The period must start before it ends."))
    return render(request, "acquisition/funnel.html", {
        **admin.site.each_context(request), "title": _("Prospect funnel"), "funnel": funnel(request.user, since, until),
    })
