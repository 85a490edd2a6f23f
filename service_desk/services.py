"""The service desk's writes (S11–S13, docs/rules-added.md). Every entry point (the ticket pages, the admin, the call
API, beat) calls these."""

import datetime
import re

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Case, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import pii
from clients.models import Client, StaffProfile
from clients.scoping import staff_profile_of
from core.errors import DomainError, request_error, required_text, text_is_storable
from risk.models import Alert
from service_desk import search, sql
from service_desk.kpis import firm_kpis_forget
from service_desk.models import Article, ArticleVersion, Priority, Team, Ticket, TicketCall, TicketCategory, TicketEvent
from service_desk.surveys import survey_after_ticket
from service_log.models import Complaint, ContactRecord
from service_log.services import complaint_register, notification_create

UNFINISHED = [Ticket.State.NEW, Ticket.State.IN_PROGRESS, Ticket.State.WAITING]
# S11: a resolved ticket the client does not come back to is closed after a week.
CLOSE_RESOLVED_AFTER = datetime.timedelta(days=7)
# S11: the channels where the client is answered at the opening itself (the call, the counter).
ANSWERED_AT_OPENING = {Ticket.Channel.HOTLINE, Ticket.Channel.WALK_IN}
COMPLAINT_CHANNEL = {Ticket.Channel.HOTLINE: Complaint.Channel.PHONE, Ticket.Channel.WALK_IN: Complaint.Channel.COUNTER,
                     Ticket.Channel.EMAIL: Complaint.Channel.EMAIL}


# S12 the clock ------------------------------------------------------------------------------------------------------

@transaction.atomic
def service_intervals_rebuild() -> int:
    """S12: the clock built again from the calendar and the service windows, and every unfinished ticket's deadlines
    moved with it (after a calendar change, C4, or an edit of the service hours)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.INTERVALS_REBUILD)
        cursor.execute("SELECT count(*) FROM service_desk_serviceinterval")
        (count,) = cursor.fetchone()
    ticket_deadlines_refresh(None)
    return count


def ticket_deadlines_refresh(ticket_ids: list[int] | None, now: datetime.datetime | None = None) -> int:
    """S12: the deadlines of these tickets (None: of every unfinished one) from their opening, target and pauses."""
    with connection.cursor() as cursor:
        cursor.execute(sql.DEADLINES, {"ids": ticket_ids, "now": now or timezone.now()})
        return cursor.rowcount


def _pause_end(ticket: Ticket, since: datetime.datetime, now: datetime.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.PAUSE_END, {"id": ticket.pk, "since": since, "now": now})
    ticket.refresh_from_db(fields=["paused_seconds"])


# S11 tickets --------------------------------------------------------------------------------------------------------

def _event(ticket: Ticket, kind: str, *, user=None, text: str = "", from_state: str = "", to_state: str = "",
           at: datetime.datetime | None = None) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=user, text=text, from_state=from_state,
                                      to_state=to_state, at=at or timezone.now())


def _ticket_for(user, ticket_id: int) -> Ticket:
    """The ticket, locked, if the user may see it (O) and change tickets."""
    ticket = Ticket.objects.visible_to(user).select_for_update(of=("self",)).filter(pk=ticket_id).first()
    if ticket is None or not user.has_perm("service_desk.change_ticket"):
        raise PermissionDenied
    return ticket


def _owner(user, owner_id: int | None) -> StaffProfile | None:
    """Domain O for writes: an owner is a member of staff the user may see (an advisor: only themself)."""
    if owner_id is None:
        return None
    owner = StaffProfile.objects.visible_to(user).filter(pk=owner_id).first()
    if owner is None:
        raise PermissionDenied
    return owner


@transaction.atomic
def ticket_open(*, user, category_id: int, subject: str, client_id: int | None = None, caller_phone: str = "",
                channel: str = Ticket.Channel.HOTLINE, priority: str = Priority.NORMAL, description: str = "",
                owner_id: int | None = None, team_id: int | None = None, alert_id: int | None = None,
                opened_at: datetime.datetime | None = None) -> Ticket:
    """S11: open a ticket for a client the user may see, or for a caller not known yet (by the number, kept as S9
    asks). The owner defaults to the user; a linked alert must be the same client's and visible to the user."""
    if not user.has_perm("service_desk.add_ticket"):
        raise PermissionDenied
    client = None
    if client_id is not None:
        client = Client.objects.visible_to(user).filter(pk=client_id).first()
        if client is None:
            raise PermissionDenied
    phone = pii.normalise_phone(caller_phone or "")
    if phone and not pii.is_valid_phone(phone):
        raise DomainError(_("Enter a mobile number or a landline with its area code."), field="caller_number")
    if client is None and not phone:
        raise DomainError(_("Name the client, or the caller's phone number."), field="client")
    category = TicketCategory.objects.filter(pk=category_id, active=True).first()
    if category is None:
        raise DomainError(_("Choose a category in use."), field="category")
    if channel not in Ticket.Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    if priority not in Priority.values:
        raise DomainError(_("Unknown priority."), field="priority")
    profile = staff_profile_of(user)
    owner = _owner(user, owner_id) if owner_id is not None else profile
    alert = None
    if alert_id is not None:
        alert = Alert.objects.visible_to(user).filter(pk=alert_id).first()
        if alert is None:
            raise PermissionDenied
        if client is None or alert.client_id != client.pk:
            raise DomainError(_("The alert is another client's."), code="other_client", field="alert")
    now = opened_at or timezone.now()
    ticket = Ticket(client=client, channel=channel, category=category, priority=priority, owner=owner,
                    team=Team.objects.filter(pk=team_id).first() if team_id else None, alert=alert,
                    subject=required_text(subject, "subject", _("Give the ticket a subject.")),
                    description=description.strip(),
                    opened_at=now, opened_by=user,
                    first_response_at=now if channel in ANSWERED_AT_OPENING else None,
                    branch_id=(owner or profile).branch_id if (owner or profile) else None)
    if phone:
        ticket.set_caller_phone(phone)
    ticket.full_clean(exclude=["branch", "advisor"])
    ticket.save()
    _event(ticket, TicketEvent.Kind.OPENED, user=user, text=ticket.subject, to_state=ticket.state, at=now)
    ticket_deadlines_refresh([ticket.pk])
    ticket.refresh_from_db()
    return ticket


def ticket_clients_with_caller_number(ticket: Ticket, user) -> list[Client]:
    """S11: the clients (that the user may see) whose phone is the unknown caller's number, by the keyed hash."""
    if not ticket.caller_phone_hash:
        return []
    return list(Client.objects.visible_to(user).filter(phone_hash=ticket.caller_phone_hash).order_by("account_no"))


@transaction.atomic
def ticket_client_set(*, user, ticket_id: int, client_id: int) -> Ticket:
    """S11: the caller matched to a client (among those the user may see); the ticket takes the client's scope."""
    ticket = _ticket_for(user, ticket_id)
    client = Client.objects.visible_to(user).filter(pk=client_id).first()
    if client is None:
        raise PermissionDenied
    if ticket.client_id is not None and ticket.client_id != client.pk:
        raise DomainError(_("The ticket has its client already."), code="has_client", field="client")
    ticket.client = client
    ticket.save(update_fields=["client"])
    _event(ticket, TicketEvent.Kind.LINKED, user=user, text=_("Caller matched to %(client)s") % {"client": client})
    return ticket


@transaction.atomic
def ticket_reply(*, user, ticket_id: int, text: str, internal: bool = False,
                 article_id: int | None = None) -> TicketEvent:
    """S11: a reply to the client (its first is the first response, S12) or an internal note. A new ticket answered
    is in progress; a reply while waiting keeps it waiting (the client is asked again). S14: a reply may give a
    knowledge-base article: its current version is kept with the reply, and its text is the reply when none is
    written."""
    ticket = _ticket_for(user, ticket_id)
    version = None
    if article_id is not None:
        article = Article.objects.filter(pk=article_id, active=True, current__isnull=False).first()
        if article is None:
            raise DomainError(_("Choose an article in use."), field="article")
        version = article.current
        text = text if (text or "").strip() else version.body
    text = required_text(text, "text", _("Write the reply or the note."))
    if ticket.is_finished:
        raise DomainError(_("Reopen the ticket to write on it."), code="forbidden_transition", field="state")
    now = timezone.now()
    kind = TicketEvent.Kind.NOTE if internal else TicketEvent.Kind.REPLY
    event = TicketEvent.objects.create(ticket=ticket, kind=kind, actor=user, text=text, at=now, article=version)
    if not internal:
        fields = []
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            fields.append("first_response_at")
        if ticket.state == Ticket.State.NEW:
            _event(ticket, TicketEvent.Kind.STATE, user=user, from_state=ticket.state,
                   to_state=Ticket.State.IN_PROGRESS, at=now)
            ticket.state = Ticket.State.IN_PROGRESS
            fields.append("state")
        if fields:
            ticket.save(update_fields=fields)
    return event


class Step:
    START, WAIT, RESUME, RESOLVE, CLOSE, REOPEN = "start", "wait", "resume", "resolve", "close", "reopen"


# S11: which step is open from which state, and where it leads.
STEPS = {
    Step.START: ({Ticket.State.NEW}, Ticket.State.IN_PROGRESS),
    Step.WAIT: ({Ticket.State.NEW, Ticket.State.IN_PROGRESS}, Ticket.State.WAITING),
    Step.RESUME: ({Ticket.State.WAITING}, Ticket.State.IN_PROGRESS),
    Step.RESOLVE: ({Ticket.State.NEW, Ticket.State.IN_PROGRESS, Ticket.State.WAITING}, Ticket.State.RESOLVED),
    Step.CLOSE: ({Ticket.State.RESOLVED}, Ticket.State.CLOSED),
    Step.REOPEN: ({Ticket.State.RESOLVED, Ticket.State.CLOSED}, Ticket.State.IN_PROGRESS),
}
# The words a step needs: what is asked of the client, the solution, why it is reopened.
STEP_NEEDS_TEXT = {Step.WAIT, Step.RESOLVE, Step.REOPEN}


def ticket_steps_open(ticket: Ticket) -> list[str]:
    return [step for step, (sources, _target) in STEPS.items() if ticket.state in sources]


@transaction.atomic
def ticket_step(*, user, ticket_id: int, step: str, text: str = "", now: datetime.datetime | None = None) -> Ticket:
    """S11's states and S12's pause. 待客户 asks the client something (a reply) and stops the resolution clock;
    leaving it adds the service time spent waiting to the pause. Resolving answers the client with the solution.
    A reopened ticket's clock goes on from where it stopped at the resolution (the time it stood resolved is
    paused), and it counts as reopened."""
    if step not in STEPS:
        raise DomainError(_("Unknown step."), field="step")
    ticket = _ticket_for(user, ticket_id)
    sources, target = STEPS[step]
    if ticket.state not in sources:
        raise DomainError(_("A ticket that is %(state)s cannot take this step.") % {
            "state": ticket.get_state_display()}, code="forbidden_transition", field="state")
    if step in STEP_NEEDS_TEXT:
        text = required_text(text, "text", {Step.WAIT: _("Say what the client is asked for."),
                                    Step.RESOLVE: _("Write the solution given to the client."),
                                    Step.REOPEN: _("Say why the ticket is reopened.")}[step])
    now = now or timezone.now()
    previous = ticket.state
    if previous == Ticket.State.WAITING:
        _pause_end(ticket, ticket.waiting_since, now)
        ticket.waiting_since = None
    if step == Step.REOPEN:
        _pause_end(ticket, ticket.resolved_at, now)
        transaction.on_commit(lambda moments=(ticket.opened_at, ticket.resolved_at): firm_kpis_forget(*moments))
        ticket.reopened += 1
        ticket.resolved_at = ticket.closed_at = None
        ticket.resolution = ""
    if step in {Step.WAIT, Step.RESOLVE}:
        _event(ticket, TicketEvent.Kind.REPLY, user=user, text=text, at=now)
        ticket.first_response_at = ticket.first_response_at or now
    if step == Step.WAIT:
        ticket.waiting_since = now
    if step == Step.RESOLVE:
        ticket.resolved_at, ticket.resolution = now, text
    if step == Step.CLOSE:
        ticket.closed_at = now
    ticket.state = target
    ticket.save()
    _event(ticket, TicketEvent.Kind.STATE, user=user, from_state=previous, to_state=target,
           text=text if step == Step.REOPEN else "", at=now)
    if previous == Ticket.State.WAITING or step == Step.REOPEN:
        ticket_deadlines_refresh([ticket.pk], now)
    if step == Step.RESOLVE:
        survey_after_ticket(ticket, now)  # S15
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def ticket_assign(*, user, ticket_id: int, owner_id: int | None, team_id: int | None = None,
                  priority: str | None = None, category_id: int | None = None) -> Ticket:
    """S11: a new owner (among the staff the user may see), team, priority or category (a call opens its ticket as
    其他 until the desk knows what it is about); a priority or category changed moves the SLA (S12)."""
    ticket = _ticket_for(user, ticket_id)
    owner = _owner(user, owner_id)
    team = None
    if team_id is not None:
        team = Team.objects.filter(pk=team_id).first()
        if team is None:
            raise DomainError(_("Unknown team."), field="team")
    if priority is not None and priority not in Priority.values:
        raise DomainError(_("Unknown priority."), field="priority")
    changed = []
    if owner != ticket.owner:
        changed.append(_("owner: %(owner)s") % {"owner": owner or "—"})
        ticket.owner = owner
    if team != ticket.team:
        changed.append(_("team: %(team)s") % {"team": team or "—"})
        ticket.team = team
    moved = priority is not None and priority != ticket.priority
    if moved:
        ticket.priority = priority
        changed.append(_("priority: %(priority)s") % {"priority": ticket.get_priority_display()})
    if category_id is not None and category_id != ticket.category_id:
        category = TicketCategory.objects.filter(pk=category_id, active=True).first()
        if category is None:
            raise DomainError(_("Choose a category in use."), field="category")
        ticket.category, moved = category, True
        changed.append(_("category: %(category)s") % {"category": category})
    if not changed:
        return ticket
    ticket.save(update_fields=["owner", "team", "priority", "category"])
    _event(ticket, TicketEvent.Kind.ASSIGNED, user=user, text="；".join(str(change) for change in changed))
    if moved:
        ticket_deadlines_refresh([ticket.pk])
    if owner is not None and owner.user_id != user.pk:
        notification_create(user=owner.user, text=_("%(ticket)s is yours: %(subject)s") % {
            "ticket": ticket, "subject": ticket.subject}, link=reverse("admin:service_desk_ticket_change",
                                                                          args=[ticket.pk]))
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def ticket_link_contact(*, user, ticket_id: int, contact_id: int) -> Ticket:
    """S11: an S1 contact with the ticket's client, logged elsewhere, linked to the ticket."""
    ticket = _ticket_for(user, ticket_id)
    contact = ContactRecord.objects.visible_to(user).filter(pk=contact_id).first()
    if contact is None:
        raise PermissionDenied
    if contact.client_id != ticket.client_id:
        raise DomainError(_("The contact is another client's."), code="other_client", field="contact")
    ticket.contacts.add(contact)
    _event(ticket, TicketEvent.Kind.LINKED, user=user, text=str(contact))
    return ticket


@transaction.atomic
def ticket_to_complaint(*, user, ticket_id: int, category: str, severity: str = Complaint.Severity.MEDIUM) -> Complaint:
    """S11 → S7: a ticket that is a complaint becomes one without retyping: the client, what was said and when it
    was received (S7's deadlines count from the ticket's opening) are the ticket's."""
    ticket = _ticket_for(user, ticket_id)
    if ticket.client_id is None:
        raise DomainError(_("Match the caller to a client first."), code="no_client", field="client")
    if ticket.complaint_id is not None:
        raise DomainError(_("The ticket is a complaint already."), code="is_complaint", field="complaint")
    if category not in Complaint.Category.values or severity not in Complaint.Severity.values:
        raise DomainError(_("Choose the complaint's category and severity."), field="category")
    description = ticket.subject if not ticket.description else f"{ticket.subject}\n{ticket.description}"
    complaint = complaint_register(user=user, client_id=ticket.client_id,
                                   channel=COMPLAINT_CHANNEL.get(ticket.channel, Complaint.Channel.OTHER),
                                   category=category, severity=severity, description=description,
                                   received_at=ticket.opened_at)
    ticket.complaint = complaint
    ticket.save(update_fields=["complaint"])
    _event(ticket, TicketEvent.Kind.COMPLAINT, user=user, text=str(complaint))
    return complaint


# S16 the suggestion box -----------------------------------------------------------------------------------------------

SUGGESTION_LIMIT = 2000


@transaction.atomic
def suggestion_submit(*, text: str, name: str = "", phone: str = "", account_no: str = "",
                      now: datetime.datetime | None = None) -> Ticket:
    """S16 客户意见箱: a suggestion from the public form, answered as a ticket of the 建议 category by head office's
    service centre (no branch until it is matched to a client). The writer is the client only when the account
    number and the phone number given are the same client's (by the keyed hash): nobody files in another's name."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your suggestion."), field="text")
    if len(text) > SUGGESTION_LIMIT:
        raise DomainError(_("At most %(limit)s characters, please.") % {"limit": SUGGESTION_LIMIT}, field="text")
    phone = pii.normalise_phone(phone or "")
    if phone and not pii.is_valid_phone(phone):
        raise DomainError(_("Enter a mobile number or a landline with its area code."), field="phone")
    name, account_no = (name or "").strip()[:50], (account_no or "").strip()[:20]
    client = (Client.objects.filter(account_no=account_no, phone_hash=pii.lookup_hash(phone)).first()
              if phone and account_no else None)
    now = now or timezone.now()
    category = TicketCategory.objects.filter(code="suggestion").first() or TicketCategory.objects.first()
    description = "\n".join(part for part in [text, _("From: %(name)s") % {"name": name} if name else "",
                                               _("Account given: %(account)s") % {"account": account_no}
                                               if account_no and client is None else ""] if part)
    ticket = Ticket(client=client, channel=Ticket.Channel.WEB, category=category, subject=text[:60],
                    description=description, opened_at=now)
    if phone:
        ticket.set_caller_phone(phone)
    ticket.save()
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.OPENED, text=_("Suggestion box"),
                               to_state=ticket.state, at=now)
    ticket_deadlines_refresh([ticket.pk])
    return ticket


# S14 the knowledge base --------------------------------------------------------------------------------------------

@transaction.atomic
def article_write(*, user, category_id: int, title: str, body: str, keywords: str = "",
                  article_id: int | None = None, active: bool = True) -> Article:
    """S14: a new article, or a new version of one when its title or text changed (versions are never edited); the
    search reads the current version."""
    if not user.has_perm("service_desk.add_articleversion"):
        raise PermissionDenied
    title = required_text(title, "title", _("Give the article a title."))
    body = required_text(body, "body", _("Write the article's text."))
    category = TicketCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise DomainError(_("Choose a category."), field="category")
    if article_id is None:
        article = Article.objects.create(category=category, active=active)
    else:
        article = (Article.objects.select_for_update(of=("self",)).select_related("current")
                   .filter(pk=article_id).first())
        if article is None:
            raise DomainError(_("Unknown article."), field="article")
    article.category, article.active = category, active
    current = article.current
    keywords = " ".join((keywords or "").split())[:200]
    if current is None or (current.title, current.body, current.keywords) != (title, body, keywords):
        number = (current.number if current else 0) + 1
        article.current = ArticleVersion.objects.create(article=article, number=number, title=title, body=body,
                                                        keywords=keywords, written_by=user)
    article.save(update_fields=["category", "active", "current"])
    Article.objects.filter(pk=article.pk).update(search_vector=search.indexed(title, body, keywords))
    return article


def articles_find(text: str, *, category_id: int | None = None, limit: int = 8) -> list[Article]:
    """S14: the articles in use that answer a question best (its category's first when there is one)."""
    found = search.ranked(Article.objects.filter(active=True, current__isnull=False).select_related(
        "current", "category"), text)
    if category_id:
        same = Case(When(category_id=category_id, then=1), default=0)
        found = found.annotate(same=same).order_by("-same", "-rank", "pk")
    return list(found[:limit])


# S12 the sweep ------------------------------------------------------------------------------------------------------

SWEEP_WORDS = {
    ("warn", "first_response"): ("first response due soon", " 首次响应即将到期"),
    ("warn", "resolution"): ("resolution due soon", " 解决时限即将到期"),
    ("breach", "first_response"): ("first response overdue: escalated", " 首次响应已超时，已升级至异常问题处理组"),
    ("breach", "resolution"): ("resolution overdue: escalated", " 解决已超时，已升级至异常问题处理组"),
}


@transaction.atomic
def sla_sweep(now: datetime.datetime | None = None) -> dict:
    """S12, every minute from beat: warn the owners of deadlines near, escalate the breached to the exceptions
    team and the branch managers, and close what stood resolved for a week. Each an UPDATE that claims its rows, so
    sweeps that overlap warn and escalate once."""
    now = now or timezone.now()
    counts = {}
    with connection.cursor() as cursor:
        for (action, deadline), (event, words) in SWEEP_WORDS.items():
            columns = sql.FIRST_RESPONSE if deadline == "first_response" else sql.RESOLUTION
            statement = (sql.WARN if action == "warn" else sql.BREACH).format(**columns)
            cursor.execute(statement, {"now": now, "event": event, "words": words})
            counts[f"{action}_{deadline}"] = cursor.fetchone()[0]
        closed = Ticket.objects.filter(state=Ticket.State.RESOLVED, resolved_at__lt=now - CLOSE_RESOLVED_AFTER)
        closing = list(closed.values_list("pk", flat=True))
        closed.filter(pk__in=closing).update(state=Ticket.State.CLOSED, closed_at=now)
        TicketEvent.objects.bulk_create(TicketEvent(ticket_id=pk, kind=TicketEvent.Kind.STATE, at=now,
                                                    from_state=Ticket.State.RESOLVED, to_state=Ticket.State.CLOSED,
                                                    text="已解决满 7 天，自动关闭") for pk in closing)
        counts["closed"] = len(closing)
    return counts


# S13 calls ----------------------------------------------------------------------------------------------------------

CALL_ID = re.compile(r"[\x21-\x7e]{1,100}")
CALLER_NUMBER = re.compile(r"\+?[0-9][0-9-]{4,24}")


def _caller_number(value) -> str:
    if not isinstance(value, str) or not CALLER_NUMBER.fullmatch(value.strip()):
        raise request_error(422, "caller_number", "invalid", "caller_number must be a phone number (digits)")
    number = value.strip().replace("-", "")
    for prefix in ("+86", "0086"):
        if number.startswith(prefix) and len(number) == len(prefix) + 11:
            number = number[len(prefix):]
    return number


@transaction.atomic
def call_event_record(*, call_id, caller_number, called_line, staff_code, recording_ref=None,
                      at: datetime.datetime | None = None) -> tuple[TicketCall, bool]:
    """S13: a call from the call-centre system. The same call id again (answered, then ended with its recording)
    updates its call. A new call joins the caller's unfinished ticket, or opens one owned by the staff member who
    answered, and tells their browser (a notification the pages show without a reload). The caller is matched by
    the keyed hash of the number (S9): one client is the ticket's client; none, or several, leave it to the staff
    member, who sees how many clients have the number. Returns the call and whether a ticket was opened."""
    if not isinstance(call_id, str) or not CALL_ID.fullmatch(call_id):
        raise request_error(422, "call_id", "invalid", "call_id must be 1–100 printable ASCII characters")
    number = _caller_number(caller_number)
    if not isinstance(called_line, str) or not 1 <= len(called_line.strip()) <= 40 or not text_is_storable(
            called_line) or not called_line.isprintable():
        raise request_error(422, "called_line", "invalid", "called_line must be 1–40 printable characters")
    if not isinstance(staff_code, str) or not staff_code.strip():
        raise request_error(422, "staff_code", "required", "staff_code names the member of staff who answered")
    staff = StaffProfile.objects.select_related("user").filter(staff_code=staff_code.strip()).first()
    if staff is None or not staff.user.is_active:
        raise request_error(422, "staff_code", "unknown", f"no active member of staff has the code {staff_code!r}")
    if recording_ref is not None and (not isinstance(recording_ref, str) or len(recording_ref) > 300):
        raise request_error(422, "recording_ref", "invalid", "recording_ref must be text of at most 300 characters")
    at = at or timezone.now()
    call = TicketCall.objects.select_for_update().filter(call_id=call_id).first()
    if call is not None:
        if recording_ref and recording_ref != call.recording_ref:
            call.recording_ref = recording_ref
            call.save(update_fields=["recording_ref"])
            _event(call.ticket, TicketEvent.Kind.CALL, text=_("Recording of call %(call)s: %(ref)s") % {
                "call": call_id, "ref": recording_ref}, at=at)
        return call, False
    with connection.cursor() as cursor:  # one call of a number at a time: two events cannot open two tickets
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('futcrm:call'), hashtext(%s))", [pii.lookup_hash(number)])
    matched = list(Client.objects.filter(phone_hash=pii.lookup_hash(number)).order_by("pk")[:10])
    client = matched[0] if len(matched) == 1 else None
    unfinished = Ticket.objects.filter(state__in=UNFINISHED).order_by("-opened_at")
    ticket = (unfinished.filter(client=client) if client else
              unfinished.filter(client__isnull=True, caller_phone_hash=pii.lookup_hash(number))).first()
    opened = ticket is None
    if opened:
        category = TicketCategory.objects.filter(code="other").first() or TicketCategory.objects.first()
        ticket = Ticket(client=client, channel=Ticket.Channel.HOTLINE, category=category, owner=staff,
                        subject=_("Call to %(line)s") % {"line": called_line.strip()}, opened_at=at,
                        first_response_at=at, branch_id=staff.branch_id)
        ticket.set_caller_phone(number)
        ticket.save()
        _event(ticket, TicketEvent.Kind.OPENED, text=ticket.subject, to_state=ticket.state, at=at)
        ticket_deadlines_refresh([ticket.pk])
    call = TicketCall.objects.create(call_id=call_id, ticket=ticket, called_line=called_line.strip(), staff=staff,
                                     at=at, recording_ref=recording_ref or "", clients_matched=len(matched))
    who = str(client) if client else (_("%(count)s clients have this number") % {"count": len(matched)}
                                      if matched else _("a caller not known yet"))
    _event(ticket, TicketEvent.Kind.CALL, text=_("Call %(call)s from %(who)s, answered by %(staff)s") % {
        "call": call_id, "who": who, "staff": staff}, at=at)
    notification_create(user=staff.user, text=_("Call from %(who)s: %(ticket)s") % {"who": who, "ticket": ticket},
                        link=reverse("admin:service_desk_ticket_change", args=[ticket.pk]))
    return call, opened
