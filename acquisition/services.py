"""Prospects (S24) and their funnel (S25), docs/rules-added.md. Every write checks role and scope (O) here; the
stages a person may set are the first three and "lost"; the settlement push and the statements set the rest."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from acquisition.models import (
    Appointment,
    DuplicateLookup,
    Event,
    Prospect,
    ProspectRevealLog,
    ProspectStep,
    Referrer,
)
from clients import pii
from clients.models import Branch, Client, StaffProfile
from clients.roles import Role
from clients.services import REVEAL_PERMISSIONS, reveal_watch
from core.errors import DomainError, required_text
from core.ratelimit import rate_limit_hit
from core.sms import SmsError, SmsMessage, get_backend
from core.tabular import column_word, read_table
from service_log.models import MessageTemplate
from settlement.models import TradingDay

MANUAL_STAGES = [Prospect.Stage.NEW, Prospect.Stage.CONTACTED, Prospect.Stage.APPOINTMENT]
FUNNEL = [Prospect.Stage.NEW, Prospect.Stage.CONTACTED, Prospect.Stage.APPOINTMENT, Prospect.Stage.OPENED,
          Prospect.Stage.FUNDED, Prospect.Stage.TRADED]


def _phone(value: str) -> str:
    phone = pii.normalise_phone((value or "").strip())
    if phone and not pii.is_valid_phone(phone):
        raise DomainError(_("Enter a mainland mobile number (11 digits) or a landline with its area code."),
                          field="phone")
    return phone


def _id_number(value: str) -> str:
    id_number = pii.normalise_id_number(value or "")
    if id_number and pii.id_card_error(id_number):
        raise DomainError(_("Enter a valid 18-character resident ID number (GB 11643)."), field="id_number")
    return id_number


def duplicates(*, phone: str = "", id_number: str = "", exclude_id: int | None = None) -> dict:
    """S24: the prospects and clients who already have this phone or ID number, found by the keyed hashes alone."""
    hashes = {name: pii.lookup_hash(value) for name, value in (("phone", phone), ("id_number", id_number)) if value}
    found = {"prospects": [], "clients": []}
    for field, value in hashes.items():
        prospects = Prospect.objects.filter(**{f"{field}_hash": value}).exclude(pk=exclude_id)
        found["prospects"] += [(field, prospect) for prospect in prospects.select_related("branch")]
        found["clients"] += [(field, client) for client in Client.objects.filter(**{f"{field}_hash": value})]
    return found


DUPLICATE_LOOKUPS_PER_HOUR = 10  # out-of-scope duplicates one user may run into before being stopped for the hour


def duplicate_refuse(user, found: dict) -> None:
    """S24 (issue 35 finding 4): refuse a person already known. One the user may see is named (account, or the
    prospect and branch); one outside the user's scope (O) is refused without a name, the attempt logged for head
    office (DuplicateLookup), and a user who runs into such numbers again and again is stopped for the hour: a
    refusal must not tell who is a client elsewhere."""
    known = [(field, client, None) for field, client in found["clients"]] + [
        (field, None, prospect) for field, prospect in found["prospects"]]
    if not known:
        return
    for field, client, prospect in known:
        if client is not None and Client.objects.visible_to(user).filter(pk=client.pk).exists():
            raise DomainError(_("Already a client: account %(account)s.") % {"account": client.account_no},
                              code="duplicate", field=field)
        if prospect is not None and Prospect.objects.visible_to(user).filter(pk=prospect.pk).exists():
            raise DomainError(_("Already a prospect: %(prospect)s of %(branch)s.") % {
                "prospect": prospect, "branch": prospect.branch.name}, code="duplicate", field=field)
    field, client, prospect = known[0]
    counter = f"duplicate-lookup:{user.pk}:{int(user.date_joined.timestamp())}"
    if rate_limit_hit(counter, limit=DUPLICATE_LOOKUPS_PER_HOUR, per_seconds=3600) is not None:
        raise DomainError(_("Too many numbers known elsewhere in the firm were entered this hour; try again later or "
                            "ask head office."), code="too_many", field=field, status=429)
    raise DomainError(_("This person is already known to the firm, outside what you may see; nothing was entered. "
                        "Head office can help."), code="duplicate", field=field,
                      record=lambda: DuplicateLookup.objects.create(user=user, field=field, client=client,
                                                                    prospect=prospect))


@transaction.atomic
def prospect_create(*, user, name: str, source: str, branch_id: int, phone: str = "", id_number: str = "",
                    owner_id: int | None = None, interests: str = "", notes: str = "",
                    referrer_id: int | None = None, event_id: int | None = None) -> Prospect:
    """S24: a prospect in the user's scope (O): a branch they may see, an owner marketer of that branch they may
    see (an advisor owns what they enter), the referrer who brought them (S32) and the event (S29) if any, in
    scope too; a phone or an ID number, valid; refused when either is already a prospect's or a client's (the
    duplicate is named, masked)."""
    if not user.has_perm("acquisition.add_prospect"):
        raise PermissionDenied
    name = required_text(name, "name", _("A prospect needs a name."))
    if source not in Prospect.Source.values:
        raise DomainError(_("Choose where the prospect came from."), field="source")
    phone, id_number = _phone(phone), _id_number(id_number)
    if not (phone or id_number):
        raise DomainError(_("Enter a phone or an ID number: it is how the prospect is recognised."), field="phone")
    branch = Branch.objects.visible_to(user).filter(pk=branch_id).first()
    if branch is None:
        raise DomainError(_("Choose a branch you may see."), field="branch")
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.role == Role.ADVISOR:
        owner_id = profile.pk  # an advisor's prospects are their own (O)
    owner = None
    if owner_id:
        owner = StaffProfile.objects.visible_to(user).filter(pk=owner_id, branch=branch).first()
        if owner is None:
            raise DomainError(_("Choose an owner of that branch whom you may see."), field="owner")
    referrer = event = None
    if referrer_id:
        referrer = Referrer.objects.visible_to(user).filter(pk=referrer_id, active=True).first()
        if referrer is None:
            raise DomainError(_("Choose an active referrer you may see."), field="referrer")
    if event_id:
        event = Event.objects.visible_to(user).filter(pk=event_id).first()
        if event is None:
            raise DomainError(_("Choose an event you may see."), field="event")
    duplicate_refuse(user, duplicates(phone=phone, id_number=id_number))
    prospect = Prospect(name=name, source=source, branch=branch, owner=owner, interests=interests.strip()[:200],
                        notes=(notes or "").strip(), created_by=user, referrer=referrer, event=event)
    prospect.set_phone(phone)
    prospect.set_id_number(id_number)
    prospect.save()
    ProspectStep.objects.create(prospect=prospect, stage=Prospect.Stage.NEW, by=user)
    return prospect


def prospect_reveal(*, user, prospect_id: int, field: str, ip_address: str | None = None, purpose: str = "") -> str:
    """S9: the plain phone or ID number of a prospect the user may see, if the role may reveal it (the same
    permissions as for clients'); every reveal logged."""
    permission = REVEAL_PERMISSIONS.get(field)
    if permission is None:
        raise DomainError(_("Unknown personal-data field."), field="field")
    if not user.has_perm(permission):
        raise PermissionDenied
    prospect = Prospect.objects.visible_to(user).filter(pk=prospect_id).first()
    if prospect is None:
        raise PermissionDenied
    purpose, beyond = reveal_watch(user=user, purpose=purpose)  # counted with the clients' reveals (S9)
    ProspectRevealLog.objects.create(user=user, prospect=prospect, field=field, ip_address=ip_address,
                                     purpose=purpose, beyond_hourly_limit=beyond)
    return prospect.decrypted_phone() if field == "phone" else prospect.decrypted_id_number()


@transaction.atomic
def prospect_move(*, user, prospect_id: int, stage: str, note: str = "") -> Prospect:
    """S25 by hand: forward through 新线索 → 已接洽 → 已预约开户, or lost with a reason; a lost prospect may be
    contacted again. The later stages come from the settlement push and the statements, never by hand."""
    if not user.has_perm("acquisition.change_prospect"):
        raise PermissionDenied
    prospect = Prospect.objects.visible_to(user).select_for_update().filter(pk=prospect_id).first()
    if prospect is None:
        raise PermissionDenied
    if prospect.client_id is not None:
        raise DomainError(_("The prospect is a client now; their stages come from settlement."),
                          code="forbidden_transition", field="stage")
    note = (note or "").strip()
    if stage == Prospect.Stage.LOST:
        note = required_text(note, "note", _("Say why the prospect was lost."))
        prospect.lost_reason = note[:200]
    elif stage not in MANUAL_STAGES or (prospect.stage != Prospect.Stage.LOST
                                        and FUNNEL.index(stage) <= FUNNEL.index(prospect.stage)):
        raise DomainError(_("A prospect moves forward to contacted or appointment booked, or is lost."),
                          code="forbidden_transition", field="stage")
    else:
        prospect.lost_reason = ""
    prospect.stage = stage
    if stage != Prospect.Stage.LOST:
        prospect.reached = max(prospect.reached, FUNNEL.index(stage))
    prospect.save(update_fields=["stage", "lost_reason", "reached"])
    ProspectStep.objects.create(prospect=prospect, stage=stage, by=user, note=note[:300])
    return prospect


CONVERT = """
WITH arrived AS (
    SELECT c.id, c.id_number_hash, c.phone_hash, c.opened_on, c.marketer_id FROM clients_client c
    WHERE c.id = ANY(%(clients)s) AND NOT EXISTS (SELECT 1 FROM acquisition_prospect p WHERE p.client_id = c.id)),
matched AS (
    SELECT DISTINCT ON (p.id) p.id AS prospect_id, a.id AS client_id, a.opened_on,
           (a.id_number_hash <> '' AND p.id_number_hash = a.id_number_hash) AS by_id
    FROM arrived a JOIN acquisition_prospect p ON p.client_id IS NULL
         AND ((a.id_number_hash <> '' AND p.id_number_hash = a.id_number_hash)
              OR (a.phone_hash <> '' AND p.phone_hash = a.phone_hash))
    ORDER BY p.id, (a.id_number_hash <> '' AND p.id_number_hash = a.id_number_hash) DESC, a.id),
one_each AS (  -- a client takes one prospect: the one its ID number matched, else the earliest its phone matched
    SELECT DISTINCT ON (m.client_id) m.* FROM matched m JOIN acquisition_prospect p ON p.id = m.prospect_id
    ORDER BY m.client_id, m.by_id DESC, p.created_at),
converted AS (
    UPDATE acquisition_prospect p SET client_id = o.client_id, stage = 'opened', opened_on = o.opened_on,
                                      lost_reason = '', reached = greatest(p.reached, 3)
    FROM one_each o WHERE p.id = o.prospect_id
    RETURNING p.id, p.client_id, p.owner_id),
stepped AS (
    INSERT INTO acquisition_prospectstep (prospect_id, stage, at, note)
    SELECT id, 'opened', clock_timestamp(), '' FROM converted),
educated AS (  -- S31: the events they attended as a prospect are the client's investor-education record
    UPDATE acquisition_eventguest g SET client_id = v.client_id FROM converted v
    WHERE g.prospect_id = v.id AND g.client_id IS NULL)
UPDATE clients_client c SET marketer_id = v.owner_id
FROM converted v WHERE c.id = v.client_id AND c.marketer_id IS NULL AND v.owner_id IS NOT NULL
RETURNING c.id
"""


def prospects_convert(client_ids: list[int]) -> int:
    """S25: new accounts from the settlement push become their prospects: matched by the ID number's keyed hash,
    else the phone's; the prospect is then 已开户 with the account's opening date, keeps its history, and its
    owner becomes the client's marketer if the client has none. Returns how many prospects were converted."""
    if not client_ids:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(CONVERT, {"clients": list(client_ids)})
        cursor.execute("SELECT count(*) FROM acquisition_prospect WHERE client_id = ANY(%s)", [list(client_ids)])
        return cursor.fetchone()[0]


PROGRESS = """
WITH firsts AS (
    SELECT p.id,
           (SELECT min(s.trade_date) FROM settlement_dailystatement s
            WHERE s.client_id = p.client_id AND s.deposit > 0 AND s.trade_date <= %(day)s) AS funded,
           (SELECT min(s.trade_date) FROM settlement_dailystatement s
            WHERE s.client_id = p.client_id AND s.trade_volume > 0 AND s.trade_date <= %(day)s) AS traded
    FROM acquisition_prospect p
    WHERE p.client_id IS NOT NULL AND p.stage IN ('opened', 'funded')),
moved AS (
    UPDATE acquisition_prospect p
    SET funded_on = coalesce(p.funded_on, f.funded, f.traded), traded_on = f.traded,
        stage = CASE WHEN f.traded IS NOT NULL THEN 'traded' ELSE 'funded' END,
        reached = greatest(p.reached, CASE WHEN f.traded IS NOT NULL THEN 5 ELSE 4 END)
    FROM firsts f WHERE p.id = f.id AND (f.traded IS NOT NULL OR (f.funded IS NOT NULL AND p.stage = 'opened'))
    RETURNING p.id, p.stage)
INSERT INTO acquisition_prospectstep (prospect_id, stage, at, note)
SELECT m.id, s.stage, clock_timestamp(), '' FROM moved m
CROSS JOIN LATERAL (VALUES ('funded'), ('traded')) AS s(stage)
WHERE (s.stage = 'traded' AND m.stage = 'traded')
   OR (s.stage = 'funded' AND NOT EXISTS (SELECT 1 FROM acquisition_prospectstep x
                                          WHERE x.prospect_id = m.id AND x.stage = 'funded'))
"""


def prospects_progress(day: datetime.date | None = None) -> int:
    """S25: converted prospects move to 已入金 at their account's first deposit and to 已交易 at its first trade, read
    from the statements up to `day` (after each close; re-running changes nothing). Returns the steps written."""
    day = day or timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PROGRESS, {"day": day})
        return cursor.rowcount


# S26 account-opening appointments (预约开户) ---------------------------------------------------------------------

APPOINTMENT_MINUTES = 30  # one appointment's length: a member of staff receives one prospect at a time
OPENING_HOURS = (datetime.time(9, 0), datetime.time(17, 0))  # the branches' counter hours, local
REMINDER_TEMPLATE = "appointment_reminder"


@transaction.atomic
def appointment_book(*, user, prospect_id: int, starts_at: datetime.datetime, staff_id: int,
                     note: str = "") -> Appointment:
    """S26: an appointment for a prospect the user may see, with a member of staff of the prospect's branch, on a
    trading day within the counter hours, in the future, not overlapping that person's other bookings; the
    prospect is then 已预约开户 (from an earlier stage, or lost)."""
    if not user.has_perm("acquisition.add_appointment"):
        raise PermissionDenied
    prospect = Prospect.objects.visible_to(user).select_for_update().filter(pk=prospect_id).first()
    if prospect is None:
        raise PermissionDenied
    if prospect.client_id is not None:
        raise DomainError(_("The prospect has opened an account already."), code="forbidden_transition",
                          field="prospect")
    staff = StaffProfile.objects.visible_to(user).filter(pk=staff_id, branch_id=prospect.branch_id).first()
    if staff is None:
        raise DomainError(_("Choose a member of staff of the prospect's branch."), field="staff")
    local = timezone.localtime(starts_at)
    if starts_at <= timezone.now():
        raise DomainError(_("An appointment is booked for a time to come."), field="starts_at")
    if not TradingDay.objects.trading().filter(date=local.date()).exists():
        raise DomainError(_("Accounts are opened on trading days only."), field="starts_at")
    if not OPENING_HOURS[0] <= local.time() <= (datetime.datetime.combine(local.date(), OPENING_HOURS[1])
                                                - datetime.timedelta(minutes=APPOINTMENT_MINUTES)).time():
        raise DomainError(_("Book between 09:00 and 16:30."), field="starts_at")
    length = datetime.timedelta(minutes=APPOINTMENT_MINUTES)
    if Appointment.objects.filter(staff=staff, state=Appointment.State.BOOKED, starts_at__gt=starts_at - length,
                                  starts_at__lt=starts_at + length).exists():
        raise DomainError(_("%(staff)s has another appointment then.") % {"staff": staff.full_name},
                          code="overlap", field="starts_at")
    appointment = Appointment.objects.create(prospect=prospect, branch_id=prospect.branch_id, staff=staff,
                                             starts_at=starts_at, note=(note or "").strip()[:300], created_by=user)
    if prospect.stage in {Prospect.Stage.NEW, Prospect.Stage.CONTACTED, Prospect.Stage.LOST}:
        Prospect.objects.filter(pk=prospect.pk).update(
            stage=Prospect.Stage.APPOINTMENT, lost_reason="",
            reached=Greatest("reached", FUNNEL.index(Prospect.Stage.APPOINTMENT)))
        ProspectStep.objects.create(prospect=prospect, stage=Prospect.Stage.APPOINTMENT, by=user,
                                    note=f"{local:%Y-%m-%d %H:%M} · {staff.full_name}")
    return appointment


@transaction.atomic
def appointment_mark(*, user, appointment_id: int, state: str, now: datetime.datetime | None = None) -> Appointment:
    """S26: a booked appointment is cancelled before its time, or marked done or not come once it has begun."""
    if not user.has_perm("acquisition.change_appointment"):
        raise PermissionDenied
    appointment = Appointment.objects.visible_to(user).select_for_update().filter(pk=appointment_id).first()
    if appointment is None:
        raise PermissionDenied
    now = now or timezone.now()
    allowed = ({Appointment.State.CANCELLED} if now < appointment.starts_at
               else {Appointment.State.DONE, Appointment.State.NO_SHOW})  # begun: it happened or they did not come
    if appointment.state != Appointment.State.BOOKED or state not in allowed:
        raise DomainError(_("A booked appointment is cancelled, or marked done or not come once it has begun."),
                          code="forbidden_transition", field="state")
    appointment.state = state
    appointment.save(update_fields=["state"])
    return appointment


def appointment_reminders_send(today: datetime.date | None = None) -> int:
    """S26: the day before, one reminder SMS (the editable template) to each prospect booked for the next trading
    day's counter hours; sent once, a failure kept on the appointment. Returns how many were sent."""
    today = today or timezone.localdate()
    tomorrow = TradingDay.objects.next_after(today)
    if tomorrow is None:
        return 0
    start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time()))
    template = MessageTemplate.objects.get(code=REMINDER_TEMPLATE)
    backend, sent = get_backend(), 0
    due = (Appointment.objects.filter(state=Appointment.State.BOOKED, reminded_at__isnull=True, reminder_error="",
                                      starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1))
           .select_related("prospect", "branch"))
    for appointment in due:
        phone = appointment.prospect.decrypted_phone()
        if not phone:
            Appointment.objects.filter(pk=appointment.pk).update(reminder_error=_("no phone"))
            continue
        text = template.body.format_map({
            "name": appointment.prospect.name, "hotline": settings.SERVICE_HOTLINE,
            "when": f"{timezone.localtime(appointment.starts_at):%m月%d日 %H:%M}",
            "branch": appointment.branch.name, "address": appointment.branch.address})
        try:
            backend.send(SmsMessage(phone=phone, text=text))
        except SmsError as error:
            Appointment.objects.filter(pk=appointment.pk).update(reminder_error=str(error)[:200])
            continue
        Appointment.objects.filter(pk=appointment.pk).update(reminded_at=timezone.now())
        sent += 1
    return sent


# S28 importing an existing prospect list ---------------------------------------------------------------------------

PROSPECT_COLUMNS = {
    "name": ("name", "姓名", "客户姓名"),
    "phone": ("phone", "手机", "手机号码", "电话"),
    "id_number": ("id_number", "身份证号码", "证件号码"),
    "source": ("source", "来源", "客户来源"),
    "branch_code": ("branch_code", "营业部代码", "营业部"),
    "owner_code": ("owner_code", "归属人员工号", "营销人员工号"),
    "referrer_code": ("referrer_code", "居间人编号", "介绍人编号"),
    "interests": ("interests", "投资兴趣", "关注品种"),
    "notes": ("notes", "备注"),
}
OPTIONAL_PROSPECT_COLUMNS = ("phone", "id_number", "owner_code", "referrer_code", "interests", "notes")


def _source_of(text: str) -> str:
    """A source as a list names it: its code, or its label in Chinese or English."""
    text = (text or "").strip()
    for value, label in Prospect.Source.choices:
        with translation.override("zh-hans"):
            chinese = str(label)
        with translation.override("en"):
            english = str(label)
        if text.lower() in {value, english.lower()} or text == chinese:
            return value
    return text


def prospects_import(*, user, data: bytes, filename: str, commit: bool, progress=None) -> list[dict]:
    """S28: an existing prospect list (CSV or Excel) checked row by row by prospect_create itself (the same rules,
    duplicates within the file too); every row's problems named with its row and field, its numbers masked. Written
    only when `commit` and no row has a problem: all or nothing."""
    if not user.has_perm("acquisition.add_prospect"):
        raise PermissionDenied
    rows = read_table(data, filename, columns=PROSPECT_COLUMNS, optional=OPTIONAL_PROSPECT_COLUMNS)
    if not rows:
        raise DomainError(_("The file has no rows."), field="file", code="empty", status=400)
    branches = {branch.code: branch.pk for branch in Branch.objects.visible_to(user)}
    staff = {profile.staff_code: profile.pk for profile in StaffProfile.objects.visible_to(user)}
    referrers = {referrer.code: referrer.pk for referrer in Referrer.objects.visible_to(user).filter(active=True)}
    checked, refusals = [], []
    with transaction.atomic():
        for done, (number, values) in enumerate(rows):
            if progress is not None and done % 200 == 0:  # a large list runs as a job (core.imports)
                progress("checking", 1 + done * 98 // len(rows))
            problems = []
            if values["branch_code"] not in branches:
                problems.append(_("%(field)s: %(value)s is not a branch you may see.") % {
                    "field": column_word("branch_code"), "value": values["branch_code"] or "—"})
            if values["owner_code"] and values["owner_code"] not in staff:
                problems.append(_("%(field)s: %(value)s is not a member of staff you may see.") % {
                    "field": column_word("owner_code"), "value": values["owner_code"]})
            if values["referrer_code"] and values["referrer_code"] not in referrers:
                problems.append(_("%(field)s: %(value)s is not an active referrer you may see.") % {
                    "field": column_word("referrer_code"), "value": values["referrer_code"]})
            if _source_of(values["source"]) not in Prospect.Source.values:
                problems.append(_("%(field)s: %(value)s is not one of the sources.") % {
                    "field": column_word("source"), "value": values["source"] or "—"})
            if not problems:
                try:
                    with transaction.atomic():
                        prospect_create(user=user, name=values["name"], source=_source_of(values["source"]),
                                        branch_id=branches[values["branch_code"]], phone=values["phone"],
                                        id_number=values["id_number"], owner_id=staff.get(values["owner_code"]),
                                        interests=values["interests"], notes=values["notes"],
                                        referrer_id=referrers.get(values["referrer_code"]))
                except DomainError as error:
                    problems.append(f"{column_word(error.field or 'name')}: {error.message}")
                    refusals.append(error)
            phone = pii.normalise_phone(values["phone"])
            checked.append({"row": number, "name": values["name"], "phone": pii.mask_phone(phone),
                            "branch": values["branch_code"], "problems": problems})
        if not commit or any(row["problems"] for row in checked):
            transaction.set_rollback(True)
    for refusal in refusals:  # what the refusals keep outlives the preview's rollback (DuplicateLookup)
        refusal.recorded()
    return checked
