"""S15 surveys clients answer themselves (docs/rules-added.md): invitations with signed,
single-use links that expire, sent by SMS in the background, the public answer, and the results by question and
ticket category. S8's results by advisor, branch and tier read the score each answer writes (SurveyResponse)."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import StaffProfile
from core import links
from core.errors import DomainError
from core.links import link_read, link_token
from core.owed import queue_after_commit
from service_desk.models import (
    Question,
    Questionnaire,
    SurveyAnswer,
    SurveyInvitation,
    Ticket,
    TicketCategory,
)
from service_log.services import sms_send, survey_response_write

INVITATION_TEMPLATE = "survey_invitation"
TEXT_LIMIT = 1000
SEND_BATCH = 500


# S15 the link -------------------------------------------------------------------------------------------------------

def invitation_token(invitation: SurveyInvitation) -> str:
    """The link's secret: the invitation's number and its random nonce, signed with the secret key (nothing a
    client could guess or change; no personal data)."""
    return link_token(links.SURVEY, invitation.pk, expires_at=invitation.expires_at, nonce=invitation.nonce)


def invitation_link(invitation: SurveyInvitation) -> str:
    return settings.FUTCRM_PUBLIC_URL.rstrip("/") + reverse("survey-answer", args=[invitation_token(invitation)])


def invitation_from_token(token: str) -> SurveyInvitation | None:
    link = link_read(links.SURVEY, token)  # an expired one still names its invitation: the page says so
    if link is None:
        return None
    return SurveyInvitation.objects.select_related("questionnaire", "client").filter(pk=link.key,
                                                                                      nonce=link.nonce).first()


def invitation_state(invitation: SurveyInvitation, now: datetime.datetime | None = None) -> str:
    """open, answered or expired; expiry is exclusive: at `expires_at` exactly the link no longer works."""
    if invitation.answered_at is not None:
        return "answered"
    return "open" if (now or timezone.now()) < invitation.expires_at else "expired"


# S15 invitations ----------------------------------------------------------------------------------------------------

def _new_invitation(questionnaire: Questionnaire, client_id: int, *, now, user=None, ticket=None):
    return SurveyInvitation(questionnaire=questionnaire, client_id=client_id, ticket=ticket, created_by=user,
                            created_at=now, nonce=secrets.token_hex(16),
                            expires_at=now + datetime.timedelta(days=questionnaire.valid_days))


@transaction.atomic
def survey_invite(*, user, questionnaire_id: int, clients, now: datetime.datetime | None = None) -> int:
    """S15: invite these clients (a queryset; only the open accounts with a phone that the user may see, and not
    those with an unexpired invitation to the questionnaire already). The invitations are written here; the sender
    job sends them (survey_invitations_send)."""
    if not user.has_perm("service_desk.add_surveyinvitation"):
        raise PermissionDenied
    questionnaire = Questionnaire.objects.filter(pk=questionnaire_id, active=True).first()
    if questionnaire is None or not questionnaire.questions.exists():
        raise DomainError(_("Choose a questionnaire in use, with questions."), field="questionnaire")
    now = now or timezone.now()
    pending = SurveyInvitation.objects.filter(questionnaire=questionnaire, answered_at__isnull=True,
                                              expires_at__gt=now)
    chosen = (clients.model.objects.visible_to(user).filter(pk__in=clients.values("pk")).open()
              .exclude(phone_ciphertext="").exclude(pk__in=pending.values("client_id")))
    rows = [_new_invitation(questionnaire, pk, now=now, user=user) for pk in chosen.values_list("pk", flat=True)]
    SurveyInvitation.objects.bulk_create(rows, batch_size=2000)
    if rows:
        queue_after_commit(_queue_sending, "survey invitations")
    return len(rows)


def survey_after_ticket(ticket: Ticket, now: datetime.datetime) -> SurveyInvitation | None:
    """S15: a resolved ticket of a category with a survey invites its client once (a ticket reopened and resolved
    again is not asked twice)."""
    category = TicketCategory.objects.select_related("survey").get(pk=ticket.category_id)
    if ticket.client_id is None or category.survey is None or not category.survey.active:
        return None
    if SurveyInvitation.objects.filter(ticket=ticket).exists() or not ticket.client.phone_ciphertext:
        return None
    invitation = _new_invitation(category.survey, ticket.client_id, now=now, ticket=ticket)
    invitation.save()
    queue_after_commit(_queue_sending, "survey invitations")
    return invitation


def _queue_sending():
    """The fast path; a broker away is logged and beat's minute sweep sends them (the rows are committed)."""
    from service_desk.tasks import send_survey_invitations  # the task module imports this one

    send_survey_invitations.delay()


def survey_invitations_send(now: datetime.datetime | None = None, batch: int = SEND_BATCH) -> dict:
    """S15: send the invitations owed (not sent, not expired), a batch at a time, each claimed with SKIP LOCKED so
    workers that overlap send each once. A failed SMS is recorded (SmsDelivery) and not retried: the invitation
    shows it."""
    counts = {"sent": 0, "failed": 0}
    while True:
        with transaction.atomic():
            now_batch = now or timezone.now()
            owed = list(SurveyInvitation.objects.select_for_update(skip_locked=True, of=("self",))
                        .select_related("client", "questionnaire")
                        .filter(sent_at__isnull=True, expires_at__gt=now_batch).order_by("pk")[:batch])
            if not owed:
                return counts
            for invitation in owed:
                try:
                    delivery = sms_send(client=invitation.client, template_code=INVITATION_TEMPLATE, context={
                        "title": invitation.questionnaire.title, "link": invitation_link(invitation),
                        "expires": timezone.localtime(invitation.expires_at).strftime("%m月%d日")})
                except DomainError:  # no phone any more
                    delivery = None
                invitation.sent_at, invitation.sms = now_batch, delivery
                counts["sent" if delivery and delivery.status == "sent" else "failed"] += 1
            SurveyInvitation.objects.bulk_update(owed, ["sent_at", "sms"])


# S15 the answer -----------------------------------------------------------------------------------------------------

def _answer_of(question: Question, raw: str) -> SurveyAnswer | None:
    raw = (raw or "").strip()
    field = f"q{question.pk}"
    if not raw:
        if question.required:
            raise DomainError(_("Please answer: %(question)s") % {"question": question.text}, field=field)
        return None
    if question.kind == Question.Kind.SCALE:
        if raw not in {"1", "2", "3", "4", "5"}:
            raise DomainError(_("Choose a score from 1 to 5."), field=field)
        return SurveyAnswer(question=question, score=int(raw))
    if question.kind == Question.Kind.CHOICE:
        if raw not in question.choice_list():
            raise DomainError(_("Choose one of the answers offered."), field=field)
        return SurveyAnswer(question=question, choice=raw)
    if len(raw) > TEXT_LIMIT:
        raise DomainError(_("At most %(limit)s characters, please.") % {"limit": TEXT_LIMIT}, field=field)
    return SurveyAnswer(question=question, text=raw)


@transaction.atomic
def survey_answer(*, token: str, answers: dict, now: datetime.datetime | None = None) -> SurveyInvitation:
    """S15: the client's answer through the link, all or nothing. Every answer is checked first; then the
    invitation is claimed by a conditional UPDATE (not answered, not expired), so a link used twice, even at the
    same moment, is answered once. The first 1–5 question's score is the S8 answer (a score of 2 or less: a
    follow-up for the advisor, or the ticket's owner)."""
    now = now or timezone.now()
    invitation = invitation_from_token(token)
    if invitation is None:
        raise DomainError(_("This link is not valid."), code="not_found", status=404, field="link")
    questions = list(invitation.questionnaire.questions.all())
    rows = [row for question in questions if (row := _answer_of(question, answers.get(f"q{question.pk}", "")))]
    claimed = SurveyInvitation.objects.filter(pk=invitation.pk, answered_at__isnull=True,
                                              expires_at__gt=now).update(answered_at=now)
    if not claimed:
        state = invitation_state(SurveyInvitation.objects.get(pk=invitation.pk), now)
        raise DomainError(_("This survey has been answered already. Thank you.") if state == "answered"
                          else _("This link has expired."), code=state, status=410, field="link")
    for row in rows:
        row.invitation = invitation
    SurveyAnswer.objects.bulk_create(rows)
    score = next((row for row in rows if row.score is not None), None)
    if score is not None:
        comment = "；".join(row.text for row in rows if row.text)
        owner = Ticket.objects.filter(pk=invitation.ticket_id).values_list("owner", flat=True).first()
        survey_response_write(client=invitation.client, survey=invitation.questionnaire.title, score=score.score,
                              comment=comment, reference=f"invitation {invitation.pk}",
                              follow_up_staff=invitation.client.advisor or _staff(owner))
    invitation.answered_at = now
    return invitation


def _staff(pk):
    return StaffProfile.objects.filter(pk=pk).first() if pk else None


# S15 results ---------------------------------------------------------------------------------------------------------

def survey_report(user, questionnaire: Questionnaire) -> dict:
    """S15 for the user's scope (O): invited, sent, answered and the response rate; each question's results (the
    average and spread of a score, the count of each choice, the latest texts); the average score by the ticket
    category that led to the invitation."""
    invitations = SurveyInvitation.objects.visible_to(user).filter(questionnaire=questionnaire)
    totals = invitations.aggregate(invited=Count("pk"), sent=Count("pk", filter=Q(sms__status="sent")),
                                   answered=Count("pk", filter=Q(answered_at__isnull=False)))
    totals["rate"] = (totals["answered"] * 100 / totals["sent"]) if totals["sent"] else None
    answers = SurveyAnswer.objects.filter(invitation__in=invitations)
    questions = []
    for question in questionnaire.questions.all():
        mine = answers.filter(question=question)
        row = {"question": question, "answers": mine.count()}
        if question.kind == Question.Kind.SCALE:
            row["average"] = mine.aggregate(value=Avg("score"))["value"]
            spread = dict(mine.values_list("score").annotate(n=Count("pk")))
            row["spread"] = [(score, spread.get(score, 0)) for score in range(5, 0, -1)]
        elif question.kind == Question.Kind.CHOICE:
            counted = dict(mine.values_list("choice").annotate(n=Count("pk")))
            row["choices"] = [(choice, counted.get(choice, 0)) for choice in question.choice_list()]
        else:
            row["texts"] = list(mine.exclude(text="").order_by("-invitation__answered_at")
                                .values_list("text", flat=True)[:10])
        questions.append(row)
    by_category = list(answers.filter(score__isnull=False, invitation__ticket__isnull=False)
                       .values("invitation__ticket__category__name")
                       .annotate(answers=Count("pk"), average=Avg("score"))
                       .order_by("invitation__ticket__category__name"))
    return {"totals": totals, "questions": questions, "by_category": by_category}
