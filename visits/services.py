"""Return visits (domain.md A5): owing them on their triggers, making them along the script, and the script's
versions. Scope (O) comes from ReturnVisit.objects.visible_to; pages and the API call these functions only."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clients.scoping import staff_profile_of
from core.approvals import four_eyes_check
from core.errors import DomainError
from service_desk.models import Priority, TicketCategory
from service_desk.services import ticket_open
from visits import sql
from visits.figures import month_sample
from visits.models import MAX_ATTEMPTS, ReturnVisit, VisitAnswer, VisitAttempt, VisitReview, VisitScript

COMPLIANCE_CATEGORY = "compliance"  # the ticket category of a compliance case (visits/migrations/0002)
ATTEMPTS_APART = datetime.timedelta(hours=1)  # A5 "at different times": a next attempt an hour after the last


def visits_since() -> datetime.date:
    """The go-live date of return visits: causes before it owe none (settings.FUTCRM_VISITS_FROM)."""
    return datetime.date.fromisoformat(settings.FUTCRM_VISITS_FROM)


def visits_owe(client_ids: list[int] | None = None, *, since: datetime.date | None = None) -> int:
    """A5: a visit for every cause since the go-live date (or `since`: the demo's past) that has none yet (new
    accounts only among `client_ids` when given: the client push's new accounts). Set-based and idempotent; returns
    how many were owed now."""
    since = since or visits_since()
    with connection.cursor() as cursor:
        cursor.execute(sql.OWE, {"since": since, "clients": client_ids,
                                 "since_at": timezone.make_aware(datetime.datetime.combine(since, datetime.time()))})
        return cursor.rowcount


def script_in_force(trigger: str) -> VisitScript | None:
    """The latest approved version of the trigger's script."""
    return (VisitScript.objects.filter(trigger=trigger, approved_at__isnull=False).order_by("-version").first())


def script_write(*, user, trigger: str, items: list[dict]) -> VisitScript:
    """A new version of a trigger's script (head office); used once compliance approves it."""
    if not user.has_perm("visits.add_visitscript"):
        raise PermissionDenied
    checked = []
    for number, item in enumerate(items, start=1):
        code = str(item.get("code", "")).strip() if isinstance(item, dict) else ""
        text = str(item.get("text", "")).strip() if isinstance(item, dict) else ""
        if not code or not text:
            raise DomainError(_("Item %(number)d needs a code and a question.") % {"number": number}, field="items")
        if code in {entry["code"] for entry in checked}:
            raise DomainError(_("Item code %(code)s is used twice.") % {"code": code}, field="items")
        checked.append({"code": code, "text": text})
    if not checked:
        raise DomainError(_("A script needs at least one item."), field="items")
    with transaction.atomic():
        latest = VisitScript.objects.select_for_update().filter(trigger=trigger).order_by("-version").first()
        return VisitScript.objects.create(trigger=trigger, version=(latest.version + 1) if latest else 1,
                                          items=checked, author=user)


def script_approve(*, user, script: VisitScript) -> VisitScript:
    """Compliance approves a script version; never the person who wrote it (a second person)."""
    if not user.has_perm("visits.approve_visitscript"):
        raise PermissionDenied
    with transaction.atomic():
        script = VisitScript.objects.select_for_update().get(pk=script.pk)
        if script.approved_at is not None:
            raise DomainError(_("This version is approved already."), code="approved")
        four_eyes_check(script, user)
        script.approved_by, script.approved_at = user, timezone.now()
        script.save(update_fields=["approved_by", "approved_at"])
        return script


def visit_for(user, visit_id: int) -> ReturnVisit:
    """The visit if the user may see it (O); else PermissionDenied, which names nobody."""
    visit = ReturnVisit.objects.visible_to(user).select_related("client", "script").filter(pk=visit_id).first()
    if visit is None:
        raise PermissionDenied
    return visit


def visit_attempt_record(*, user, visit_id: int, outcome: str, answers: dict[str, tuple[str, str]] | None = None,
                         recording_ref: str = "", note: str = "", now: datetime.datetime | None = None) -> ReturnVisit:
    """A5: one call of a visit. Reached: every item of the script answered (confirmed or a problem); any problem
    fails the visit and opens a compliance case, else it is successful. Not reached: the third such attempt makes
    it unreachable. Attempts are an hour apart at least ("at different times")."""
    if not user.has_perm("visits.change_returnvisit"):
        raise PermissionDenied
    profile = staff_profile_of(user)
    if profile is None:
        raise PermissionDenied
    now = now or timezone.now()
    if outcome not in VisitAttempt.Outcome.values:
        raise DomainError(_("Choose how the call went."), field="outcome")
    recording_ref, note = recording_ref.strip(), note.strip()
    if len(recording_ref) > 300:
        raise DomainError(_("The recording reference is at most 300 characters."), field="recording_ref")
    with transaction.atomic():
        visit = visit_for(user, visit_id)
        visit = ReturnVisit.objects.select_for_update().get(pk=visit.pk)
        if visit.status != ReturnVisit.Status.OWED:
            raise DomainError(_("This visit is finished already."), code="finished", status=409)
        last = visit.attempt_rows.order_by("-number").first()
        if last is not None and now - last.at < ATTEMPTS_APART:
            raise DomainError(_("Call again from %(time)s: attempts are made at different times, an hour apart.")
                              % {"time": timezone.localtime(last.at + ATTEMPTS_APART).strftime("%H:%M")},
                              code="too_soon", field="outcome")
        script = visit.script or script_in_force(visit.trigger)
        if script is None:
            raise DomainError(_("No approved script for this kind of visit: compliance approves one first."),
                              code="no_script")
        attempt = VisitAttempt(visit=visit, number=visit.attempts + 1, at=now, staff=profile, outcome=outcome,
                               recording_ref=recording_ref, note=note)
        problems = []
        rows = []
        if outcome == VisitAttempt.Outcome.REACHED:
            answers = answers or {}
            for item in script.items:
                answer, said = answers.get(item["code"], ("", ""))
                if answer not in VisitAnswer.Answer.values:
                    raise DomainError(_("Ask and answer “%(question)s”.") % {"question": item["text"]},
                                      code="unanswered", field=f"item-{item['code']}")
                if answer == VisitAnswer.Answer.PROBLEM and not said.strip():
                    raise DomainError(_("Write down what the client said to “%(question)s”.")
                                      % {"question": item["text"]}, code="problem_unexplained",
                                      field=f"note-{item['code']}")
                rows.append(VisitAnswer(code=item["code"], text=item["text"], answer=answer, note=said.strip()[:500]))
                if answer == VisitAnswer.Answer.PROBLEM:
                    problems.append(f"{item['text']}：{said.strip()}")
        attempt.save()
        for row in rows:
            row.attempt = attempt
        VisitAnswer.objects.bulk_create(rows)
        visit.attempts, visit.script = attempt.number, script
        if outcome == VisitAttempt.Outcome.REACHED:
            visit.status = ReturnVisit.Status.FAILED if problems else ReturnVisit.Status.SUCCESSFUL
        elif attempt.number >= MAX_ATTEMPTS:
            visit.status = ReturnVisit.Status.UNREACHABLE
        if visit.status != ReturnVisit.Status.OWED:
            visit.finished_at, visit.finished_by, visit.recording_ref = now, profile, recording_ref
        if problems:
            visit.case = _case_open(user, visit, problems, now)
        visit.save()
        return visit


def _case_open(user, visit: ReturnVisit, problems: list[str], now: datetime.datetime):
    """A5: a problem answer opens a compliance case, a ticket of the compliance category for the client."""
    category = TicketCategory.objects.get(code=COMPLIANCE_CATEGORY)
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the firm's language, whoever's request it is
        subject = _("Return visit found a problem: %(client)s") % {"client": visit.client.name}
        description = "\n".join([str(visit.get_trigger_display()), *problems])
    return ticket_open(user=user, category_id=category.pk, client_id=visit.client_id, priority=Priority.HIGH,
                       opened_at=now, subject=subject, description=description)


def visit_review(*, user, visit_id: int, month: datetime.date, score, comment: str = "",
                 now: datetime.datetime | None = None) -> VisitReview:
    """A6: compliance reviews a visit of the month's sample, once: a score of 1–5 and, from 2 down, why."""
    if not user.has_perm("visits.add_visitreview"):
        raise PermissionDenied
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if score not in VisitReview.Score.values:
        raise DomainError(_("Give a score from 1 to 5."), field="score")
    comment = (comment or "").strip()
    if score <= 2 and not comment:
        raise DomainError(_("Say what was wrong: a score of 2 or less needs a comment."), field="comment")
    with transaction.atomic():
        visit = month_sample(user, month).filter(pk=visit_id).first()
        if visit is None:
            raise DomainError(_("This visit is not in the month's sample."), code="not_sampled", field="visit")
        if VisitReview.objects.filter(visit_id=visit.pk).exists():
            raise DomainError(_("This visit is reviewed already."), code="reviewed", status=409)
        return VisitReview.objects.create(visit=visit, month=month.replace(day=1), score=score, comment=comment,
                                          reviewer=user, reviewed_at=now or timezone.now())
