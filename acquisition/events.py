"""Investor-education events (S29–S31, docs/rules-added.md): planned, their invitations sent by SMS with a signed
registration link and a check-in code, registrations through the link or at the desk, check-in, attendance kept
as the investor-education record, and the attendees followed up. Every write checks role, scope (O) and time."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from acquisition.models import Event, EventGuest, Prospect, ProspectStep
from acquisition.services import FUNNEL, duplicate_refuse, duplicates, prospect_create
from clients import pii
from clients.models import Branch, Client, StaffProfile
from core import links
from core.errors import DomainError, required_text
from core.links import link_read, link_token
from core.owed import owe_and_queue
from core.sms import SmsMessage, get_backend, send_many
from research.models import Product, ProductInterest
from service_log.models import MessageTemplate, Notification, SmsDelivery
from service_log.services import follow_up_tasks_set, notification_create
from settlement.models import TradingDay
from tiering.models import Tier
from tiering.selectors import in_current_tiers

INVITATIONS_SEND = "event_invitations_send"
INVITATION_TEMPLATE = "event_invitation"
LINK_DAYS = 7  # S30: a guest's link (and check-in code) opens until a week after the event's end
BATCH = 500
MAX_INVITATIONS = 300_000  # one event's invitations: the check-in codes are six digits, drawn without repeats
CHECK_IN_OPENS = datetime.timedelta(hours=2)  # S30: the desk checks guests in from two hours before the start


@transaction.atomic
def event_create(*, user, title: str, kind: str, branch_id: int, starts_at: datetime.datetime,
                 ends_at: datetime.datetime, capacity: int, topics=(), place: str = "", online_link: str = "",
                 speakers: str = "", product_ids=(), now: datetime.datetime | None = None) -> Event:
    """S29: an event of one of the five kinds on the seed's topics, held by a branch the user may see, at a place
    or online (or both), in the future, ending after it starts, for at least one guest."""
    if not user.has_perm("acquisition.add_event"):
        raise PermissionDenied
    title = required_text(title, "title", _("An event needs a title."))
    if kind not in Event.Kind.values:
        raise DomainError(_("Choose the kind of event."), field="kind")
    topics = list(dict.fromkeys(topics))
    if not set(topics) <= set(Event.Topic.values):
        raise DomainError(_("Choose the topics from the list."), field="topics")
    branch = Branch.objects.visible_to(user).filter(pk=branch_id).first()
    if branch is None:
        raise DomainError(_("Choose a branch you may see."), field="branch")
    if starts_at <= (now or timezone.now()):
        raise DomainError(_("An event is planned for a time to come."), field="starts_at")
    if ends_at <= starts_at:
        raise DomainError(_("An event ends after it starts."), field="ends_at")
    if not capacity or capacity < 1:
        raise DomainError(_("Give the number of seats."), field="capacity")
    place, online_link = (place or "").strip(), (online_link or "").strip()
    if not (place or online_link):
        raise DomainError(_("Give the place or the online link."), field="place")
    products = list(Product.objects.filter(pk__in=list(product_ids), active=True))
    if len(products) != len(set(product_ids)):
        raise DomainError(_("Choose products from the catalogue."), field="products")
    event = Event.objects.create(title=title[:120], kind=kind, topics=topics, branch=branch, place=place[:200],
                                 online_link=online_link, starts_at=starts_at, ends_at=ends_at, capacity=capacity,
                                 speakers=(speakers or "").strip()[:200], created_by=user)
    event.products.set(products)
    return event


def _event_for(user, event_id: int, *, lock: bool = False) -> Event:
    events = Event.objects.visible_to(user)
    event = (events.select_for_update() if lock else events).filter(pk=event_id).first()
    if event is None:
        raise PermissionDenied
    return event


# S30 invitations ---------------------------------------------------------------------------------------------------

INVITE_CLIENTS = """
INSERT INTO acquisition_eventguest (event_id, client_id, name, branch_id, advisor_id, code, invited_at, sms,
                                    sms_error)
SELECT %s, c.id, c.name, c.branch_id, c.advisor_id, lpad(floor(random() * 1000000)::int::text, 6, '0'),
       clock_timestamp(), 'pending', ''
FROM clients_client c WHERE c.id IN ({audience})
  AND NOT EXISTS (SELECT 1 FROM acquisition_eventguest g WHERE g.event_id = %s AND g.client_id = c.id)
ON CONFLICT DO NOTHING
"""
INVITE_PROSPECTS = """
INSERT INTO acquisition_eventguest (event_id, prospect_id, name, branch_id, advisor_id, code, invited_at, sms,
                                    sms_error)
SELECT %s, p.id, p.name, p.branch_id, p.owner_id, lpad(floor(random() * 1000000)::int::text, 6, '0'),
       clock_timestamp(), 'pending', ''
FROM acquisition_prospect p WHERE p.id IN ({audience})
  AND NOT EXISTS (SELECT 1 FROM acquisition_eventguest g WHERE g.event_id = %s AND g.prospect_id = p.id)
ON CONFLICT DO NOTHING
"""


def _insert_guests(statement: str, event: Event, audience) -> int:
    """One INSERT … SELECT, repeated for the few rows whose random code another guest of the event drew first
    (ON CONFLICT DO NOTHING skips them; the next round draws again)."""
    query, params = audience.values("pk").query.sql_with_params()
    written = 0
    with connection.cursor() as cursor:
        for _round in range(20):
            cursor.execute(statement.format(audience=query), [event.pk, *params, event.pk])
            written += cursor.rowcount
            if cursor.rowcount == 0:
                break
    return written


def invitation_audience(user, *, today: datetime.date, tiers=(), branch_id: int | None = None, product_ids=()):
    """S30: the open clients in the user's scope (O) of the chosen tiers, branch and products of interest."""
    clients = Client.objects.visible_to(user).open(today)
    if branch_id:
        clients = clients.filter(branch_id=branch_id)
    if tiers:
        clients = in_current_tiers(clients, list(tiers), today)
    if product_ids:
        clients = clients.filter(pk__in=ProductInterest.objects.filter(product_id__in=list(product_ids))
                                 .values("client_id"))
    return clients


@transaction.atomic
def event_invite(*, user, event_id: int, clients: bool = True, tiers=(), branch_id: int | None = None,
                 product_ids=(), prospects: bool = False, now: datetime.datetime | None = None) -> dict:
    """S30: invite an audience to an event not yet begun: open clients in the user's scope by tier, branch and
    products of interest, and/or the prospects in scope not yet clients nor lost (of the branch, if chosen). Each
    guest written once with a check-in code; the SMS is owed work written with them and queued after commit."""
    if not user.has_perm("acquisition.add_eventguest"):
        raise PermissionDenied
    event = _event_for(user, event_id, lock=True)
    now = now or timezone.now()
    if event.starts_at <= now:
        raise DomainError(_("The event has begun: invitations are sent before it."), field="event")
    if not (clients or prospects):
        raise DomainError(_("Choose whom to invite: clients, prospects or both."), field="clients")
    if not set(tiers) <= set(Tier.values):
        raise DomainError(_("Unknown tier."), field="tiers")
    if branch_id and not Branch.objects.visible_to(user).filter(pk=branch_id).exists():
        raise DomainError(_("Choose a branch you may see."), field="branch")
    counts = {"clients": 0, "prospects": 0}
    if clients:
        audience = invitation_audience(user, today=timezone.localdate(now), tiers=tiers, branch_id=branch_id,
                                       product_ids=product_ids)
        counts["clients"] = _insert_guests(INVITE_CLIENTS, event, audience)
    if prospects:
        people = (Prospect.objects.visible_to(user).filter(client__isnull=True)
                  .exclude(stage=Prospect.Stage.LOST))
        if branch_id:
            people = people.filter(branch_id=branch_id)
        counts["prospects"] = _insert_guests(INVITE_PROSPECTS, event, people)
    if EventGuest.objects.filter(event=event).count() > MAX_INVITATIONS:
        raise DomainError(_("At most 300,000 guests an event: choose a narrower audience."), field="tiers")
    if counts["clients"] or counts["prospects"]:
        owe_and_queue(INVITATIONS_SEND, str(event.pk), what=f"the invitations of event {event.pk}")
    return counts


def guest_link(guest_id: int, event: Event) -> str:
    """S30: the guest's signed link (core/links.py), open until LINK_DAYS after the event's end."""
    token = link_token(links.EVENT_GUEST, guest_id, expires_at=event.ends_at + datetime.timedelta(days=LINK_DAYS))
    return settings.FUTCRM_PUBLIC_URL.rstrip("/") + reverse("event-register", args=[token])


def guest_for_token(token: str) -> EventGuest | None:
    """The guest a link names while it is open; None for a forged, changed or expired one."""
    link = link_read(links.EVENT_GUEST, token)
    if link is None or link.expired():
        return None
    guest = EventGuest.objects.select_related("event", "event__branch").filter(pk=link.key).first()
    if guest is None or (link.expires_at is None and timezone.now() >= guest.event.ends_at
                         + datetime.timedelta(days=LINK_DAYS)):  # a link sent before expiries were signed
        return None
    return guest


def _when(event: Event) -> str:
    return f"{timezone.localtime(event.starts_at):%m月%d日 %H:%M}"


def invitations_send(event_id: int, progress=lambda step, percent: None) -> dict:
    """S30: the pending invitations in batches of BATCH through the gateway's batch call, each batch one
    transaction (re-runnable: what was sent is not sent again). A client without marketing consent or a phone
    gets none (S9); a prospect is invited on the phone they gave. Clients' messages are kept in the SMS log."""
    event = Event.objects.select_related("branch").get(pk=event_id)
    template = MessageTemplate.objects.get(code=INVITATION_TEMPLATE)
    pending = EventGuest.objects.filter(event=event, sms=EventGuest.Sms.PENDING)
    total, done, last_id, backend = max(pending.count(), 1), 0, 0, get_backend()
    while True:
        with transaction.atomic():
            batch = list(pending.filter(pk__gt=last_id).select_for_update(skip_locked=True, of=("self",))
                         .select_related("client", "prospect").order_by("pk")[:BATCH])
            if not batch:
                break
            last_id = batch[-1].pk
            _send_batch(event, template, backend, batch)
        done += len(batch)
        progress(_("sending"), min(99, done * 100 // total))
    guests = EventGuest.objects.filter(event=event)
    counts = {"invited": guests.count(), "sent": guests.filter(sms=EventGuest.Sms.SENT).count()}
    progress(_("sent"), 100)
    return counts


def _send_batch(event: Event, template: MessageTemplate, backend, batch: list[EventGuest]) -> None:
    sendable = []
    for guest in batch:
        person = guest.client or guest.prospect
        if guest.client is not None and not guest.client.marketing_opt_in:
            guest.sms = EventGuest.Sms.NO_CONSENT
        elif not person.phone_ciphertext:
            guest.sms = EventGuest.Sms.NO_PHONE
        else:
            text = template.body.format_map({
                "name": person.name, "title": event.title, "when": _when(event),
                "place": event.place or _("online"), "link": guest_link(guest.pk, event), "code": guest.code,
                "hotline": settings.SERVICE_HOTLINE})
            sendable.append((guest, text, person.decrypted_phone()))
    results = send_many(backend, [SmsMessage(phone=phone, text=text) for _guest, text, phone in sendable])
    records = []
    for (guest, text, _phone), result in zip(sendable, results, strict=True):
        failed = isinstance(result, Exception)
        guest.sms = EventGuest.Sms.FAILED if failed else EventGuest.Sms.SENT
        guest.sms_error = str(result)[:200] if failed else ""
        if guest.client is not None:
            records.append(SmsDelivery(client=guest.client, template=template, text=text,
                                       sent_on=timezone.localdate(),
                                       status=SmsDelivery.Status.FAILED if failed else SmsDelivery.Status.SENT,
                                       gateway_id="" if failed else result, error=str(result) if failed else ""))
    SmsDelivery.objects.bulk_create(records)
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE acquisition_eventguest g SET sms = v.sms, sms_error = v.error
            FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[]) AS v(id, sms, error) WHERE g.id = v.id""",
                       [[g.pk for g in batch], [g.sms for g in batch], [g.sms_error for g in batch]])


# S30 registration and check-in ----------------------------------------------------------------------------------

def _seats_left(event: Event) -> int:
    return event.capacity - EventGuest.objects.filter(event=event, registered_at__isnull=False).count()


def _register(event: Event, guest: EventGuest, *, by=None, now: datetime.datetime) -> None:
    if guest.registered_at is not None:
        return
    if _seats_left(event) <= 0:
        raise DomainError(_("The event is full."), code="full", field="event")
    guest.registered_at, guest.registered_by = now, by
    guest.save(update_fields=["registered_at", "registered_by"])


@transaction.atomic
def register_by_link(guest: EventGuest, now: datetime.datetime | None = None) -> EventGuest:
    """S30: the guest registers on the page their invitation links to, until the event begins, while seats last
    (the event row locked, so two last registrations never both take the last seat)."""
    now = now or timezone.now()
    event = Event.objects.select_for_update().get(pk=guest.event_id)
    if event.starts_at <= now:
        raise DomainError(_("Registration has closed: the event has begun."), code="closed", field="event")
    guest = EventGuest.objects.select_for_update().get(pk=guest.pk)
    _register(event, guest, now=now)
    return guest


def _new_code(event: Event) -> str:
    taken = set(EventGuest.objects.filter(event=event).values_list("code", flat=True))
    while True:
        code = f"{secrets.randbelow(1_000_000):06d}"
        if code not in taken:
            return code


@transaction.atomic
def register_at_desk(*, user, event_id: int, client_id: int | None = None, prospect_id: int | None = None,
                     name: str = "", phone: str = "", now: datetime.datetime | None = None) -> EventGuest:
    """S30: staff register a client or a prospect they may see, or a new person by name and phone: a phone that is
    a client's or a prospect's in scope registers them; an unknown one becomes a prospect of the event's branch
    (source: event). Until the event ends, while seats last."""
    if not user.has_perm("acquisition.add_eventguest"):
        raise PermissionDenied
    event = _event_for(user, event_id, lock=True)
    now = now or timezone.now()
    if event.ends_at <= now:
        raise DomainError(_("The event is over."), code="closed", field="event")
    client = prospect = None
    if client_id:
        client = Client.objects.visible_to(user).filter(pk=client_id).first()
        if client is None:
            raise DomainError(_("Choose a client you may see."), field="client")
    elif prospect_id:
        prospect = Prospect.objects.visible_to(user).filter(pk=prospect_id).first()
        if prospect is None:
            raise DomainError(_("Choose a prospect you may see."), field="prospect")
    else:
        client, prospect = _person_by_phone(user, event, name, phone)
    if prospect is not None and prospect.client_id:
        client, prospect = prospect.client, None
    guest = (EventGuest.objects.select_for_update()
             .filter(event=event, **({"client": client} if client else {"prospect": prospect})).first())
    if guest is None:
        person = client or prospect
        guest = EventGuest(event=event, client=client, prospect=prospect, name=person.name,
                           branch_id=person.branch_id,
                           advisor_id=client.advisor_id if client else prospect.owner_id, code=_new_code(event))
    if guest.registered_at is None:
        if _seats_left(event) <= 0:
            raise DomainError(_("The event is full."), code="full", field="event")
        guest.registered_at, guest.registered_by = now, user
        guest.save()
    return guest


def _person_by_phone(user, event: Event, name: str, phone: str):
    """A walk-in: the client or prospect with this phone (in the user's scope), else a new prospect."""
    if not (phone or "").strip():
        raise DomainError(_("Choose a client or a prospect, or give a new person's name and phone."), field="phone")
    normalised = pii.normalise_phone(phone.strip())
    found = duplicates(phone=normalised) if pii.is_valid_phone(normalised) else {"clients": [], "prospects": []}
    for _field, client in found["clients"]:
        if Client.objects.visible_to(user).filter(pk=client.pk).exists():
            return client, None
    for _field, prospect in found["prospects"]:
        if Prospect.objects.visible_to(user).filter(pk=prospect.pk).exists():
            return None, prospect
    duplicate_refuse(user, found)  # known outside the user's scope: refused, named to no one
    profile = getattr(user, "staff_profile", None)
    owner = profile.pk if profile is not None and profile.branch_id == event.branch_id else None
    prospect = prospect_create(user=user, name=name, source=Prospect.Source.EVENT, branch_id=event.branch_id,
                               phone=phone, owner_id=owner, interests="、".join(event.topic_labels()),
                               event_id=event.pk)
    return None, prospect


@transaction.atomic
def check_in(*, user, event_id: int, code: str, now: datetime.datetime | None = None) -> EventGuest:
    """S30: at the desk, by the code the invitation carries, from two hours before the start until the end; a guest
    invited but not registered takes a seat now if one is left. Once only. A prospect who attends is contacted."""
    if not user.has_perm("acquisition.change_eventguest"):
        raise PermissionDenied
    event = _event_for(user, event_id, lock=True)
    now = now or timezone.now()
    if not event.starts_at - CHECK_IN_OPENS <= now <= event.ends_at:
        raise DomainError(_("Check-in opens two hours before the event and closes at its end."), code="closed",
                          field="code")
    guest = (EventGuest.objects.select_for_update(of=("self",)).select_related("prospect")
             .filter(event=event, code=(code or "").strip()).first())
    if guest is None:
        raise DomainError(_("No guest of this event has that code."), code="not_found", field="code")
    if guest.checked_in_at is not None:
        raise DomainError(_("%(name)s checked in at %(time)s already.") % {
            "name": guest.name, "time": f"{timezone.localtime(guest.checked_in_at):%H:%M}"}, code="duplicate",
            field="code")
    _register(event, guest, by=user, now=now)
    guest.checked_in_at, guest.checked_in_by = now, user
    guest.save(update_fields=["checked_in_at", "checked_in_by"])
    prospect = guest.prospect
    if prospect is not None and prospect.client_id is None and prospect.stage in {Prospect.Stage.NEW,
                                                                                  Prospect.Stage.LOST}:
        Prospect.objects.filter(pk=prospect.pk).update(
            stage=Prospect.Stage.CONTACTED, lost_reason="",
            reached=Greatest("reached", FUNNEL.index(Prospect.Stage.CONTACTED)))
        ProspectStep.objects.create(prospect=prospect, stage=Prospect.Stage.CONTACTED, by=user, at=now,
                                    note=(_("attended %(event)s") % {"event": event.title})[:300])
    return guest


# S31 after the event: follow-ups ----------------------------------------------------------------------------------

def follow_up_due(day: datetime.date) -> datetime.datetime:
    """S31: an attendee's follow-up is due by the end (24:00 local) of the first trading day after the event."""
    after = TradingDay.objects.next_after(day) or day + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(after + datetime.timedelta(days=1), datetime.time()))


def events_follow_up(now: datetime.datetime | None = None) -> int:
    """S31, after each event ends (beat, every quarter hour): a follow-up task for each attending client's advisor
    (S21's tasks, closed by the next contact record), and a notice to each attending prospect's owner marketer;
    once per event. Returns the tasks set."""
    now = now or timezone.now()
    tasks = 0
    for event in Event.objects.filter(ends_at__lte=now, followed_up_at__isnull=True).order_by("ends_at"):
        with transaction.atomic():
            if not Event.objects.select_for_update().filter(pk=event.pk, followed_up_at__isnull=True).exists():
                continue
            attended = EventGuest.objects.filter(event=event, checked_in_at__isnull=False)
            link = reverse("admin:acquisition_event_change", args=[event.pk])
            tasks += follow_up_tasks_set(
                source="event", source_key=str(event.pk),
                client_ids=list(attended.filter(client__isnull=False).values_list("client_id", flat=True)),
                reason=_("After %(event)s") % {"event": event.title},
                due_at=follow_up_due(timezone.localdate(event.ends_at)), link=link)
            owners = (attended.filter(client__isnull=True, prospect__owner__isnull=False)
                      .values_list("prospect__owner_id", flat=True).distinct())
            told = Notification.objects.filter(link=link).values("recipient_id")
            for owner in StaffProfile.objects.filter(pk__in=owners, user__isnull=False).exclude(user_id__in=told):
                count = attended.filter(prospect__owner=owner).count()
                notification_create(user=owner.user, text=_(
                    "%(count)s of your prospects attended %(event)s: follow them up") % {
                    "count": count, "event": event.title}, link=link)
            Event.objects.filter(pk=event.pk).update(followed_up_at=now)
    return tasks


def education_records(client: Client):
    """S31: a client's investor-education record: the events they attended, as a client or before as a prospect."""
    return (EventGuest.objects.filter(checked_in_at__isnull=False, client=client)
            .select_related("event").order_by("-checked_in_at"))
