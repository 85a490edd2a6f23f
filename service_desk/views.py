"""The service desk's pages outside the admin: the knowledge-base report for the service centre's lead (S14)."""

import datetime

from django.contrib import admin
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from service_desk.selectors import knowledge_report

PERIODS = {"30": 30, "90": 90, "365": 365}


@login_required
@permission_required("service_desk.view_knowledge_report", raise_exception=True)
def knowledge_report_view(request):
    """S14: the articles used most and the questions with no article, over the last 30, 90 or 365 days, scoped."""
    days = PERIODS.get(request.GET.get("days", ""), 30)
    since = timezone.localdate() - datetime.timedelta(days=days)
    return render(request, "service_desk/knowledge_report.html", {
        **admin.site.each_context(request), "title": _("Knowledge base: use and gaps"),
        "report": knowledge_report(request.user, since), "days": days, "periods": list(PERIODS),
    })
