"""The return-visit page (A5), built for a person on the phone: who to call (the masked number, revealed on
demand, S9), the script's items one by one with the client's answer to each, how the call went and its recording;
and the workbench's panel of the visits due."""

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import PiiAccessLog
from clients.roles import Role
from clients.scoping import staff_profile_of
from core.errors import DomainError
from visits.models import ReturnVisit, VisitAnswer, VisitAttempt
from visits.services import script_in_force, visit_attempt_record, visit_for

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
    if (profile is None or profile.role != Role.SERVICE_STAFF) and not owed.exists():
        return None
    today = timezone.localdate()
    visits = list(owed.select_related("client").order_by("due_on", "pk")[:PANEL_SIZE])
    for visit in visits:
        visit.late = visit.due_on < today
    return {"template": "visits/workbench_visits.html", "visits": visits, "count": owed.count(),
            "late": owed.filter(due_on__lt=today).count()}
