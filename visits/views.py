"""The return-visit page (A5), built for a person on the phone: who to call (the masked number, revealed on
demand, S9), the script's items one by one with the client's answer to each, how the call went and its recording;
and the workbench's panel of the visits due."""

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import PiiAccessLog
from clients.roles import Role
from clients.scoping import staff_profile_of
from core.admin_tools import posted_int
from core.errors import DomainError
from core.exports import sections_response
from core.filtersets import MonthFilter, PageFilterSet
from visits.figures import FIGURES, figure_labels, figures_sections, month_sample, visit_figures
from visits.models import ReturnVisit, VisitAnswer, VisitAttempt, VisitReview
from visits.services import script_in_force, visit_attempt_record, visit_for, visit_review

PANEL_SIZE = 8


@login_required
@permission_required("visits.view_returnvisit", raise_exception=True)
def visit_view(request, visit_id: int):
    visit = visit_for(request.user, visit_id)  # O: another branch's visit is a 403 naming nobody
    error = None
    if request.method == "POST":
        if not request.user.has_perm("visits.change_returnvisit"):
            raise PermissionDenied
        script = visit.script or script_in_force(visit.trigger)
        answers = {item["code"]: (request.POST.get(f"item-{item['code']}", ""),
                                  request.POST.get(f"note-{item['code']}", ""))
                   for item in (script.items if script else [])}
        try:
            visit = visit_attempt_record(user=request.user, visit_id=visit.pk,
                                         outcome=request.POST.get("outcome", ""), answers=answers,
                                         recording_ref=request.POST.get("recording_ref", ""),
                                         note=request.POST.get("note", ""))
        except DomainError as refusal:
            error = refusal
        else:
            messages.success(request, _("Attempt recorded: %(status)s.") % {"status": visit.get_status_display()})
            return redirect("return-visit", visit_id=visit.pk)
    script = visit.script or script_in_force(visit.trigger)
    attempts = list(visit.attempt_rows.select_related("staff").prefetch_related("answers"))
    return render(request, "visits/visit.html", {
        **admin.site.each_context(request), "title": _("Return visit"), "visit": visit, "client": visit.client,
        "script": script, "attempts": attempts, "error": error, "posted": request.POST if error else {},
        "outcomes": VisitAttempt.Outcome.choices, "answer_choices": VisitAnswer.Answer.choices,
        "can_make": request.user.has_perm("visits.change_returnvisit") and visit.status == ReturnVisit.Status.OWED,
        "can_reveal": request.user.has_perm("clients.reveal_phone"), "phone_field": PiiAccessLog.Field.PHONE,
    }, status=422 if error else 200)


def visits_panel(request) -> dict | None:
    """The workbench's 今日回访: the visits the user's branch owes (O), the earliest deadline first, late ones
    marked; shown to service staff (who make them) and to anyone else only when some are owed."""
    if not request.user.has_perm("visits.view_returnvisit"):
        return None
    owed = ReturnVisit.objects.visible_to(request.user).filter(status=ReturnVisit.Status.OWED)
    profile = staff_profile_of(request.user)
    if profile is None or profile.role == Role.COMPLIANCE:
        return None  # compliance reads the firm's visits, it does not make them
    if profile.role != Role.SERVICE_STAFF and not owed.exists():
        return None
    today = timezone.localdate()
    visits = list(owed.select_related("client").order_by("due_on", "pk")[:PANEL_SIZE])
    for visit in visits:
        visit.late = visit.due_on < today
    return {"template": "visits/workbench_visits.html", "visits": visits, "count": owed.count(),
            "late": owed.filter(due_on__lt=today).count()}


class VisitMonthFilterSet(PageFilterSet):
    """A6's pages: ?month=YYYY-MM (this month unless given)."""

    month = MonthFilter(label=_("month (YYYY-MM)"))

    class Meta:
        model = ReturnVisit
        fields = []


def _month(request):
    filters = VisitMonthFilterSet(request.GET, request=request)
    if "month" in filters.errors:
        return None
    return filters.values(month=timezone.localdate().replace(day=1))["month"]


@login_required
@permission_required("visits.view_returnvisit", raise_exception=True)
def visits_dashboard_view(request):
    """A6: the month's visits per branch and per member of staff, scoped (O); ?format=csv|xlsx exports them."""
    month = _month(request)
    if month is None:
        return HttpResponseBadRequest(_("The month must be such as 2026-11."))
    figures = visit_figures(request.user, month)
    fmt = request.GET.get("format", "")
    if fmt in {"csv", "xlsx"}:
        return sections_response(figures_sections(figures), f"return-visits-{month:%Y-%m}", fmt, request=request)
    return render(request, "visits/dashboard.html", {
        **admin.site.each_context(request), "title": _("Return visits dashboard"), "figures": figures,
        "labels": list(zip(FIGURES, figure_labels(), strict=True)), "month_value": f"{month:%Y-%m}",
    })


@login_required
@permission_required("visits.view_visitreview", raise_exception=True)
def visit_sample_view(request):
    """A6: the month's sample of successful visits for compliance's review (score and comment), drawn reproducibly;
    head office reads it."""
    month = _month(request)
    if month is None:
        return HttpResponseBadRequest(_("The month must be such as 2026-11."))
    error = None
    if request.method == "POST":
        try:
            visit_review(user=request.user, visit_id=posted_int(request.POST.get("visit")) or 0, month=month,
                         score=request.POST.get("score"), comment=request.POST.get("comment", ""))
        except DomainError as refusal:
            error = refusal
        else:
            messages.success(request, _("Review recorded."))
            return redirect(f"{request.path}?month={month:%Y-%m}")
    return render(request, "visits/sample.html", {
        **admin.site.each_context(request), "title": _("Return-visit sample"), "visits": list(month_sample(
            request.user, month)), "month_value": f"{month:%Y-%m}", "error": error,
        "can_review": request.user.has_perm("visits.add_visitreview"), "scores": VisitReview.Score.choices,
    }, status=422 if error else 200)
