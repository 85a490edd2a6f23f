"""Research and client information (S18–S23, docs/rules-added.md): writing and versions, compliance review, and the
distribution of an approved version to the clients it suits. Every write checks role, scope (O) and state here."""

import datetime
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from markdown_it import MarkdownIt

from clients.models import Branch, Client, StaffProfile
from clients.roles import Role
from clients.scoping import staff_profile_of
from core import links
from core.errors import DomainError, required_text, text_is_plain
from core.links import link_read, link_token
from core.owed import owe_and_queue
from core.sms import SmsMessage, get_backend, send_many
from research.models import (
    Delivery,
    DisclosureText,
    Distribution,
    FollowUpRule,
    Kind,
    PointWord,
    Product,
    Publication,
    PublicationVersion,
    Question,
    ReviewDecision,
)
from risk.models import KeyMonitoring
from service_log.models import ContactRecord, MessageTemplate, Notification, SmsDelivery
from service_log.services import contact_record_create, follow_up_tasks_set, notification_create
from settlement.calendar import in_trading_session
from settlement.models import TradingDay
from tiering.models import VIP_TIERS, Tier
from tiering.selectors import current_tier_rows, in_current_tiers

DISTRIBUTION_SEND = "research_distribution_send"
SMS_TEMPLATE = "research_summary"
BATCH = 500
MAX_ATTEMPTS = 3
LINK_DAYS = 90  # S20: a publication's link opens for 90 days after it was sent
# S19: digits within this many characters of a point word give a specific entry or exit point.
POINT_REACH = 4

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})  # raw HTML is escaped, unsafe links refused


def render_markdown(text: str) -> str:
    """S18: Markdown as safe HTML (no raw HTML; javascript:, vbscript:, file: and data: links are not links)."""
    return _markdown.render(text)


# S18 writing ----------------------------------------------------------------------------------------------------

def _writer(user):
    if not user.has_perm("research.add_publicationversion"):
        raise PermissionDenied
    return user


@transaction.atomic
def publication_create(*, user, kind: str, title: str, body: str, product_ids=(), risk_level: str = "R3",
                       pdf=None) -> Publication:
    """S18: a draft with its first version, by an analyst or the chief analyst."""
    _writer(user)
    if kind not in Kind.values:
        raise DomainError(_("Unknown kind of publication."), field="kind")
    if risk_level not in {"R1", "R2", "R3", "R4", "R5"}:
        raise DomainError(_("The risk level is R1 to R5."), field="risk_level")
    title = required_text(title, "title", _("A publication needs a title."))
    products = list(Product.objects.filter(pk__in=list(product_ids)))
    if len(products) != len(set(product_ids)):
        raise DomainError(_("Unknown product."), field="products")
    publication = Publication.objects.create(kind=kind, title=title, risk_level=risk_level, author=user)
    publication.products.set(products)
    _version(publication, user, title, body, pdf)
    return publication


def _version(publication, user, title, body, pdf) -> PublicationVersion:
    body = required_text(body, "body", _("A publication needs its text."))
    number = (publication.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return PublicationVersion.objects.create(publication=publication, number=number, title=title, body=body,
                                             pdf=pdf or "", written_by=user)


def _own(user, publication: Publication) -> None:
    profile = staff_profile_of(user)
    if publication.author_id != user.pk and not (profile and profile.role == Role.CHIEF_ANALYST):
        raise PermissionDenied


@transaction.atomic
def version_write(*, user, publication_id: int, title: str, body: str, pdf=None) -> PublicationVersion:
    """S18: a new version (the author, or the chief analyst), while a draft or after a refusal; the versions
    before it are kept as written."""
    _writer(user)
    publication = Publication.objects.select_for_update().get(pk=publication_id)
    _own(user, publication)
    if publication.state not in {Publication.State.DRAFT, Publication.State.REFUSED}:
        raise DomainError(_("Only a draft or a refused publication takes a new version."), code="forbidden_transition",
                          field="state")
    title = required_text(title, "title", _("A publication needs a title."))
    version = _version(publication, user, title, body, pdf)
    Publication.objects.filter(pk=publication.pk).update(title=title, state=Publication.State.DRAFT)
    return version


# S19 compliance -------------------------------------------------------------------------------------------------

def point_warnings(text: str) -> list[str]:
    """S19: the passages where digits stand next to a point word (买入 3500, 止损3450 …), as quoted."""
    words = list(PointWord.objects.filter(active=True).values_list("word", flat=True))
    if not words:
        return []
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    near, number = rf"[^\n\d]{{0,{POINT_REACH}}}?", r"\d[\d.,]*"
    pattern = re.compile(rf"{number}{near}(?:{alternatives})|(?:{alternatives}){near}{number}")
    return [match.group(0) for match in pattern.finditer(text)]


def in_session(moment: datetime.datetime, products) -> bool:
    """S19: whether any of the tip's products (any listed product when it names none) is in one of its sessions
    (C5, settlement/calendar.py): copper trades at 00:30, gold at 02:00, the CSI 300 futures not at 21:30."""
    products = products if products.exists() else Product.objects.filter(active=True)
    groups = set(products.values_list("day_session", "night_ends"))
    return any(in_trading_session(moment, day_session=day, night_ends=night) for day, night in groups)


def version_warnings(version: PublicationVersion, at: datetime.datetime) -> list[dict]:
    """S19's warnings for a version: specific entry or exit points; no risk disclosure for its kind; an intraday
    tip outside trading hours. Stored as codes with what they quote, shown translated."""
    warnings = [{"code": "points", "quote": quote} for quote in point_warnings(f"{version.title}\n{version.body}")]
    if not version.disclosure.strip():
        warnings.append({"code": "no_disclosure", "quote": version.publication.get_kind_display()})
    if version.publication.kind == Kind.TIP and not in_session(at, version.publication.products.all()):
        warnings.append({"code": "outside_hours", "quote": f"{timezone.localtime(at):%Y-%m-%d %H:%M}"})
    return warnings


WARNING_LABELS = {
    "points": gettext_lazy("gives a specific entry or exit point"),
    "no_disclosure": gettext_lazy("no risk disclosure for this kind"),
    "outside_hours": gettext_lazy("an intraday tip outside trading hours"),
}


def warning_label(warning: dict) -> str:
    return f"{WARNING_LABELS.get(warning.get('code'), gettext_lazy('warning'))}：{warning.get('quote', '')}"


@transaction.atomic
def publication_submit(*, user, publication_id: int, now: datetime.datetime | None = None) -> PublicationVersion:
    """S19: the latest version goes to compliance, with its kind's risk disclosure appended and its warnings."""
    _writer(user)
    now = now or timezone.now()
    publication = Publication.objects.select_for_update().get(pk=publication_id)
    _own(user, publication)
    if publication.state != Publication.State.DRAFT:
        raise DomainError(_("Only a draft goes to compliance review."), code="forbidden_transition", field="state")
    version = publication.versions.order_by("-number").first()
    version.disclosure = (DisclosureText.objects.filter(kind=publication.kind).values_list("text", flat=True).first()
                          or "")
    version.submitted_at = now
    version.warnings = version_warnings(version, now)
    version.save(update_fields=["disclosure", "submitted_at", "warnings"])
    Publication.objects.filter(pk=publication.pk).update(state=Publication.State.IN_REVIEW)
    return version


@transaction.atomic
def publication_review(*, user, publication_id: int, version_id: int, decision: str, comment: str = "",
                       now: datetime.datetime | None = None) -> ReviewDecision:
    """S19 合规审查: compliance approves or refuses the version under review; never the author of the publication or
    of the version. The decision keeps who, when, which version and the warnings seen (computed again now, so a
    tip approved after the session says so). A refusal says why."""
    if not user.has_perm("research.review_publication"):
        raise PermissionDenied
    now = now or timezone.now()
    publication = Publication.objects.select_for_update().get(pk=publication_id)
    version = publication.versions.order_by("-number").first()
    if publication.state != Publication.State.IN_REVIEW or version is None or version.pk != version_id:
        raise DomainError(_("Only the version under review can be decided."), code="forbidden_transition",
                          field="version")
    if user.pk in {publication.author_id, version.written_by_id}:
        raise DomainError(_("The author cannot review their own publication."), code="four_eyes", field="reviewer")
    if decision not in ReviewDecision.Decision.values:
        raise DomainError(_("Approve or refuse."), field="decision")
    if decision == ReviewDecision.Decision.REFUSED:
        comment = required_text(comment, "comment", _("Say why the publication is refused."))
    record = ReviewDecision.objects.create(version=version, decision=decision, comment=(comment or "").strip(),
                                           warnings=version_warnings(version, now), reviewer=user, decided_at=now)
    if decision == ReviewDecision.Decision.APPROVED:
        Publication.objects.filter(pk=publication.pk).update(state=Publication.State.APPROVED,
                                                             approved_version=version, approved_at=now)
    else:
        Publication.objects.filter(pk=publication.pk).update(state=Publication.State.REFUSED)
    for recipient in {publication.author_id, version.written_by_id}:
        notification_create(user=get_user_model().objects.get(pk=recipient),
                            text=_("%(title)s: %(decision)s by compliance")
                            % {"title": publication.title, "decision": record.get_decision_display()},
                            link=reverse("admin:research_publication_change", args=[publication.pk]))
    return record


@transaction.atomic
def publication_withdraw(*, user, publication_id: int, reason: str,
                         now: datetime.datetime | None = None) -> ReviewDecision:
    """S19: compliance takes a publication back (a tip overtaken by the market, an error found after approval),
    with a reason kept as a decision on its latest version. Withdrawn, it is sent to no one more (a sending under
    way stops at its next batch), its phone link answers that it is gone, and the library shows it withdrawn."""
    if not user.has_perm("research.review_publication"):
        raise PermissionDenied
    publication = Publication.objects.select_for_update().get(pk=publication_id)
    if publication.state == Publication.State.WITHDRAWN:
        raise DomainError(_("The publication is withdrawn already."), code="forbidden_transition", field="state")
    reason = required_text(reason, "comment", _("Say why the publication is withdrawn."))
    version = publication.approved_version or publication.versions.order_by("-number").first()
    record = ReviewDecision.objects.create(version=version, decision=ReviewDecision.Decision.WITHDRAWN,
                                           comment=reason, warnings=[], reviewer=user,
                                           decided_at=now or timezone.now())
    Publication.objects.filter(pk=publication.pk).update(state=Publication.State.WITHDRAWN)
    return record


# S20 distribution -----------------------------------------------------------------------------------------------

SUITS = {"R1": ["C1", "C2", "C3", "C4", "C5"], "R2": ["C2", "C3", "C4", "C5"], "R3": ["C3", "C4", "C5"],
         "R4": ["C4", "C5"], "R5": ["C5"]}  # 适当性: a client's tolerance at least the publication's level


@transaction.atomic
def distribution_create(*, user, publication_id: int, tiers=(), branch_id=None, advisor_id=None, client_type="",
                        key_monitoring_only=False, interested_only=False, today=None) -> Distribution:
    """S20: the approved version to an audience within the sender's scope (O); its sending is owed with it (core
    owed work) and queued once it commits. An investment plan (投资方案) goes to institutions or VIP tiers only."""
    if not user.has_perm("research.send_publication"):
        raise PermissionDenied
    publication = Publication.objects.get(pk=publication_id)
    if publication.state != Publication.State.APPROVED or publication.approved_version_id is None:
        raise DomainError(_("Only an approved publication is sent."), code="not_approved", field="publication")
    tiers = list(dict.fromkeys(tiers))
    if any(tier not in Tier.values for tier in tiers):
        raise DomainError(_("Unknown tier."), field="tiers")
    branch = advisor = None
    if branch_id:
        branch = Branch.objects.visible_to(user).filter(pk=branch_id).first()
        if branch is None:
            raise DomainError(_("Choose a branch you may see."), field="branch")
    if advisor_id:
        advisor = StaffProfile.objects.visible_to(user).filter(pk=advisor_id, role=Role.ADVISOR).first()
        if advisor is None:
            raise DomainError(_("Choose an advisor you may see."), field="advisor")
    if client_type and client_type not in Client.ClientType.values:
        raise DomainError(_("Unknown client type."), field="client_type")
    if publication.kind == Kind.PLAN and client_type != Client.ClientType.INSTITUTION and (
            not tiers or not set(tiers) <= set(VIP_TIERS)):
        raise DomainError(_("An investment plan goes to institutions or to VIP tiers only."), field="client_type")
    distribution = Distribution.objects.create(
        publication=publication, version_id=publication.approved_version_id, tiers=tiers, branch=branch,
        advisor=advisor, client_type=client_type, key_monitoring_only=key_monitoring_only,
        interested_only=interested_only, trade_date=today or timezone.localdate(), created_by=user)
    owe_and_queue(DISTRIBUTION_SEND, str(distribution.pk), what=f"the sending of distribution {distribution.pk}")
    return distribution


def audience(distribution: Distribution):
    """S20: the clients a distribution is for: open, in its sender's scope (O), narrowed by its choices, and suited
    (适当性: risk tolerance at least the publication's level; a client without an assessment gets none)."""
    sender = get_user_model().objects.get(pk=distribution.created_by_id)
    clients = (Client.objects.visible_to(sender).open(distribution.trade_date)
               .filter(risk_tolerance__in=SUITS[distribution.publication.risk_level]))
    if distribution.branch_id:
        clients = clients.filter(branch_id=distribution.branch_id)
    if distribution.advisor_id:
        clients = clients.filter(advisor_id=distribution.advisor_id)
    if distribution.client_type:
        clients = clients.filter(client_type=distribution.client_type)
    if distribution.tiers:
        clients = in_current_tiers(clients, distribution.tiers, distribution.trade_date)
    if distribution.key_monitoring_only:
        clients = clients.filter(pk__in=KeyMonitoring.objects.filter(ended_on__isnull=True).values("client_id"))
    if distribution.interested_only:
        clients = clients.filter(product_interests__product__in=distribution.publication.products.all()).distinct()
    return clients


def delivery_link(delivery_id: int, sent_at: datetime.datetime | None = None) -> str:
    """S20: the recipient's signed link (core/links.py), open for LINK_DAYS from its sending (now by default)."""
    expires_at = (sent_at or timezone.now()) + datetime.timedelta(days=LINK_DAYS)
    token = link_token(links.PUBLICATION, delivery_id, expires_at=expires_at)
    return settings.FUTCRM_PUBLIC_URL.rstrip("/") + reverse("research-read", args=[token])


def delivery_for_token(token: str) -> Delivery | None:
    """The delivery a link names while it is open; None for a forged, changed or expired one, or one of a
    publication compliance has withdrawn (S19)."""
    link = link_read(links.PUBLICATION, token)
    if link is None or link.expired():
        return None
    delivery = Delivery.objects.select_related("distribution__version__publication").filter(pk=link.key).first()
    if delivery is None or (link.expires_at is None and delivery.sent_at is not None and timezone.now()
                            >= delivery.sent_at + datetime.timedelta(days=LINK_DAYS)):  # sent before expiries
        return None
    if delivery.distribution.version.publication.state == Publication.State.WITHDRAWN:
        return None
    return delivery


def deliveries_write(distribution: Distribution) -> int:
    """S20: the audience chosen and one pending delivery row per recipient written, in one INSERT … SELECT (a
    recipient already written is kept: a retried run adds nothing); the distribution is then sending. Returns how
    many rows were new (bench/research.py measures it against a hand-written INSERT … SELECT)."""
    query, params = audience(distribution).values("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO research_delivery (distribution_id, client_id, branch_id, advisor_id, status, attempts, error)
            SELECT %s, c.id, c.branch_id, c.advisor_id, 'pending', 0, ''
            FROM clients_client c WHERE c.id IN ({query})
            ON CONFLICT (distribution_id, client_id) DO NOTHING""", [distribution.pk, *params])
        written = cursor.rowcount
        Distribution.objects.filter(pk=distribution.pk).update(state=Distribution.State.SENDING)
    return written


def distribution_send(distribution_id: int, progress=lambda step, percent: None) -> dict:
    """S20: one delivery row per recipient written in one INSERT … SELECT (a recipient already written is kept:
    re-runnable), then the SMS in batches of BATCH through the gateway's batch call, each batch one transaction;
    consent and phone are checked at sending (S9); failed messages are retried up to MAX_ATTEMPTS by later runs.
    Then S21's follow-up tasks and a notice to each advisor concerned."""
    distribution = Distribution.objects.select_related("publication", "version").get(pk=distribution_id)
    deliveries_write(distribution)
    to_send = Delivery.objects.filter(distribution=distribution, status__in=[Delivery.Status.PENDING,
                                                                             Delivery.Status.FAILED],
                                      attempts__lt=MAX_ATTEMPTS)
    total = max(to_send.count(), 1)
    template = MessageTemplate.objects.get(code=SMS_TEMPLATE)
    backend, done, last_id = get_backend(), 0, 0
    while True:
        with transaction.atomic():
            if Publication.objects.filter(pk=distribution.publication_id, state=Publication.State.WITHDRAWN).exists():
                break  # S19: withdrawn while sending; what is left is sent to no one
            batch = list(to_send.filter(pk__gt=last_id).select_for_update(skip_locked=True, of=("self",))
                         .select_related("client").order_by("pk")[:BATCH])
            if not batch:
                break
            last_id = batch[-1].pk
            _send_batch(distribution, template, backend, batch)
        done += len(batch)
        progress(_("sending"), min(99, done * 100 // total))
    counts = _finish(distribution)
    progress(_("sent"), 100)
    return counts


def _send_batch(distribution, template, backend, batch: list[Delivery]) -> None:
    now = timezone.now()
    sendable = []
    for delivery in batch:
        client = delivery.client
        delivery.attempts += 1
        if not client.marketing_opt_in:
            delivery.status, delivery.error = Delivery.Status.NO_CONSENT, ""
        elif not client.phone_ciphertext:
            delivery.status, delivery.error = Delivery.Status.NO_PHONE, ""
        else:
            text = template.body.format_map({"name": client.name, "account": client.account_no,
                                             "title": distribution.version.title,
                                             "link": delivery_link(delivery.pk, now), "hotline": _hotline()})
            sendable.append((delivery, text, client.decrypted_phone()))
    results = send_many(backend, [SmsMessage(phone=phone, text=text) for _d, text, phone in sendable])
    records = []
    for (delivery, text, _phone), result in zip(sendable, results, strict=True):
        failed = isinstance(result, Exception)
        records.append(SmsDelivery(client=delivery.client, template=template, text=text,
                                   sent_on=distribution.trade_date,
                                   status=SmsDelivery.Status.FAILED if failed else SmsDelivery.Status.SENT,
                                   gateway_id="" if failed else result, error=str(result) if failed else ""))
        delivery.status = Delivery.Status.FAILED if failed else Delivery.Status.SENT
        delivery.error = str(result)[:200] if failed else ""
        delivery.sent_at = None if failed else now
    SmsDelivery.objects.bulk_create(records)
    for (delivery, _text, _phone), record in zip(sendable, records, strict=True):
        delivery.sms = record
    _deliveries_update(batch)


def _deliveries_update(batch: list[Delivery]) -> None:
    """A batch's outcomes in one UPDATE … FROM unnest(…) (Django's bulk_update builds a CASE per column and row:
    a second per 500 rows, bench/research.py)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE research_delivery d SET status = v.status, attempts = v.attempts, error = v.error,
                   sent_at = v.sent_at, sms_id = v.sms_id
            FROM unnest(%s::bigint[], %s::varchar[], %s::smallint[], %s::varchar[], %s::timestamptz[], %s::bigint[])
                 AS v(id, status, attempts, error, sent_at, sms_id)
            WHERE d.id = v.id""", [[d.pk for d in batch], [d.status for d in batch], [d.attempts for d in batch],
                                   [d.error for d in batch], [d.sent_at for d in batch],
                                   [d.sms_id for d in batch]])


def _hotline() -> str:
    return settings.SERVICE_HOTLINE


def _finish(distribution: Distribution) -> dict:
    deliveries = Delivery.objects.filter(distribution=distribution)
    counts = {"recipients": deliveries.count(), "sent": deliveries.filter(status=Delivery.Status.SENT).count()}
    counts["not_sent"] = counts["recipients"] - counts["sent"]
    Distribution.objects.filter(pk=distribution.pk).update(state=Distribution.State.SENT, **counts)
    follow_ups_after_sending(distribution)
    per_advisor = (deliveries.filter(status=Delivery.Status.SENT, advisor__isnull=False).values("advisor_id")
                   .order_by("advisor_id").distinct())
    link = reverse("admin:research_delivery_changelist") + f"?distribution__id__exact={distribution.pk}"
    told = Notification.objects.filter(link=link).values("recipient_id")  # a retried run tells nobody twice
    for profile in StaffProfile.objects.filter(pk__in=per_advisor).exclude(user_id__in=told).select_related("user"):
        if profile.user_id:
            notification_create(user=profile.user, text=_("%(title)s was sent to your clients") % {
                "title": distribution.version.title}, link=link)
    return counts


# S21 same-day follow-up (当日回馈) ---------------------------------------------------------------------------------

def follow_up_due(trade_date: datetime.date) -> datetime.datetime:
    """S21: a follow-up is due by the end of the trading day the publication was sent (24:00 local)."""
    return timezone.make_aware(datetime.datetime.combine(trade_date + datetime.timedelta(days=1), datetime.time()))


def follow_ups_after_sending(distribution: Distribution) -> int:
    """S21: the recipients who matter by the kind's rule (VIP tiers, key monitoring) get a follow-up task for their
    advisor, due by the end of that trading day; those who open the link get theirs when they open it."""
    rule = FollowUpRule.objects.filter(kind=distribution.publication.kind).first()
    if rule is None or not (rule.vip_tiers or rule.key_monitoring):
        return 0
    sent = Delivery.objects.filter(distribution=distribution, status=Delivery.Status.SENT).values("client_id")
    # Each rule a semi-join of its own rows on the deliveries: one OR of them over the clients took minutes at
    # 500,000 recipients (bench/research.py).
    chosen: set[int] = set()
    if rule.vip_tiers:
        for rows in current_tier_rows(VIP_TIERS, distribution.trade_date):
            chosen.update(rows.filter(client_id__in=sent).values_list("client_id", flat=True))
    if rule.key_monitoring:
        chosen.update(KeyMonitoring.objects.filter(ended_on__isnull=True, client_id__in=sent)
                      .values_list("client_id", flat=True))
    return _follow_up(distribution, sorted(chosen))


def _follow_up(distribution: Distribution, client_ids) -> int:
    return follow_up_tasks_set(
        source="research", source_key=str(distribution.pk), client_ids=list(client_ids),
        reason=_("Feedback on %(title)s") % {"title": distribution.version.title},
        due_at=follow_up_due(distribution.trade_date),
        link=reverse("admin:research_publication_change", args=[distribution.publication_id]))


def delivery_open(delivery: Delivery, now: datetime.datetime | None = None) -> None:
    """S20/S21: the first opening of the link is kept; by the kind's rule it sets the advisor's follow-up."""
    now = now or timezone.now()
    if Delivery.objects.filter(pk=delivery.pk, opened_at__isnull=True).update(opened_at=now):
        rule = FollowUpRule.objects.filter(kind=delivery.distribution.publication.kind, opened_link=True).first()
        if rule is not None:
            _follow_up(delivery.distribution, [delivery.client_id])


# S22 questions back to the chief analyst and the marketer (首席分析师负责制, 二位一体) ------------------------------

QUESTION_MAX = 1000
QUESTIONS_PER_DELIVERY = 3


def _question_text(text: str, field: str = "text") -> str:
    text = required_text(text, field, _("Write the question."))
    if len(text) > QUESTION_MAX or not text_is_plain(text):
        raise DomainError(_("Write at most 1,000 characters of plain text."), field=field)
    return text


def _question_link(question: Question) -> str:
    return reverse("admin:research_question_change", args=[question.pk])


def _notify_advisor_and_marketer(question: Question, text: str) -> None:
    client = question.client
    profiles = StaffProfile.objects.filter(pk__in=[pk for pk in (client.advisor_id, client.marketer_id) if pk],
                                           user__isnull=False, user__is_active=True).select_related("user")
    for profile in profiles:
        if Question.objects.visible_to(profile.user).filter(pk=question.pk).exists():
            notification_create(user=profile.user, text=text, link=_question_link(question))
        else:  # a marketer outside the client's scope (O): told of it without the client's name, led to the note
            publication = question.publication
            title = publication.approved_version.title if publication.approved_version_id else publication.title
            notification_create(user=profile.user, text=_(
                "A client you brought in has a question on %(title)s; their advisor passes the answer on.") % {
                "title": title}, link=reverse("research-library-publication", args=[publication.pk]))


def _question_create(*, publication: Publication, client: Client, source: str, text: str, asked_by=None,
                     delivery: Delivery | None = None) -> Question:
    question = Question.objects.create(publication=publication, client=client, branch_id=client.branch_id,
                                       advisor_id=client.advisor_id, delivery=delivery, source=source, text=text,
                                       asked_by=asked_by)
    title = publication.approved_version.title if publication.approved_version_id else publication.title
    chiefs = get_user_model().objects.filter(is_active=True, staff_profile__role=Role.CHIEF_ANALYST)
    for chief in chiefs:
        notification_create(user=chief, text=_("A client asked about %(title)s") % {"title": title},
                            link=_question_link(question))
    _notify_advisor_and_marketer(question, _("%(client)s asked about %(title)s") % {
        "client": client.name, "title": title})
    return question


@transaction.atomic
def question_ask(*, user, publication_id: int, account_no: str, text: str) -> Question:
    """S22: staff log a client's question (on the phone, at a visit) about an approved publication; the client must
    be in their scope (O)."""
    if not user.has_perm("research.add_question"):
        raise PermissionDenied
    publication = Publication.objects.filter(pk=publication_id, state=Publication.State.APPROVED).first()
    if publication is None:
        raise DomainError(_("Questions are taken on approved publications."), field="publication")
    client = Client.objects.visible_to(user).filter(account_no=(account_no or "").strip()).first()
    if client is None:
        raise DomainError(_("No client with this account number in your scope."), field="account_no")
    return _question_create(publication=publication, client=client, source=Question.Source.STAFF,
                            text=_question_text(text), asked_by=user)


@transaction.atomic
def question_from_link(delivery: Delivery, text: str) -> Question:
    """S22: the recipient asks from the publication's phone page (at most QUESTIONS_PER_DELIVERY per delivery)."""
    text = _question_text(text)
    delivery = Delivery.objects.select_for_update().select_related("client", "distribution__publication").get(
        pk=delivery.pk)
    if Question.objects.filter(delivery=delivery).count() >= QUESTIONS_PER_DELIVERY:
        raise DomainError(_("Your questions on this note have reached us; your advisor will call you."),
                          field="text", code="too_many")
    return _question_create(publication=delivery.distribution.publication, client=delivery.client,
                            source=Question.Source.LINK, text=text, delivery=delivery)


def _pass_on_due(today: datetime.date) -> datetime.datetime:
    """S22: an answer is passed on by the end of the next trading day (24:00 local)."""
    day = TradingDay.objects.next_after(today)
    return follow_up_due(day or today + datetime.timedelta(days=1))


@transaction.atomic
def question_answer(*, user, question_id: int, answer: str) -> Question:
    """S22: the chief analyst answers an open question; the client's advisor and marketer are told, and the advisor
    gets a follow-up task (S21) to pass it on, closed by their contact record."""
    if not user.has_perm("research.answer_question"):
        raise PermissionDenied
    question = (Question.objects.visible_to(user).select_for_update(of=("self",))
                .select_related("client", "publication").filter(pk=question_id).first())
    if question is None:
        raise PermissionDenied
    if question.state != Question.State.OPEN:
        raise DomainError(_("This question is answered already."), field="answer", code="answered")
    question.answer = _question_text(answer, "answer")
    question.answered_by, question.answered_at, question.state = user, timezone.now(), Question.State.ANSWERED
    question.save(update_fields=["answer", "answered_by", "answered_at", "state"])
    _notify_advisor_and_marketer(question, _("The chief analyst answered %(client)s's question") % {
        "client": question.client.name})
    follow_up_tasks_set(source="question", source_key=str(question.pk), client_ids=[question.client_id],
                        reason=_("Pass on the answer about %(title)s") % {"title": question.publication.title},
                        due_at=_pass_on_due(timezone.localdate()), link=_question_link(question))
    return question


@transaction.atomic
def question_pass_on(*, user, question_id: int, channel: str = ContactRecord.Channel.PHONE,
                     outcome: str = "") -> Question:
    """S22: the advisor or marketer passes the answer on; the contact record (S1) is the answer given, and closes
    the follow-up task."""
    if not user.has_perm("research.change_question"):
        raise PermissionDenied
    question = (Question.objects.visible_to(user).select_for_update(of=("self",)).select_related("publication")
                .filter(pk=question_id).first())
    if question is None:
        raise PermissionDenied
    if question.state != Question.State.ANSWERED:
        raise DomainError(_("Only an answered question is passed on."), field="state", code="not_answered")
    if channel not in ContactRecord.Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    summary = _("Question on %(title)s: %(question)s\nAnswer of the chief analyst: %(answer)s") % {
        "title": question.publication.title, "question": question.text, "answer": question.answer}
    question.contact = contact_record_create(user=user, client_id=question.client_id, channel=channel,
                                             category=ContactRecord.Category.GUIDANCE, summary=summary,
                                             outcome=(outcome or "").strip()[:2000])
    question.state = Question.State.PASSED_ON
    question.save(update_fields=["contact", "state"])
    return question
