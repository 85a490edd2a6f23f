"""The client page (客户360, issue 14 item 1): what a call needs, read for one client the user may see. The header's
facts (tier T9/T11, the latest statement's money and R1 degree, key monitoring R3, risk level R4, open alerts R5
and complaints S7, last contact and next follow-up S1, advisor and marketer), the money over the last months for
the chart, the daily statements a page at a time and as CSV, and one timeline of everything that happened to the
client. Every read starts from a client already scoped by the admin (O)."""

import datetime
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Max
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from acquisition.events import education_records
from acquisition.models import ProspectStep
from acquisition.referrers import current_attribution
from clients.models import Client
from core.dates import add_months
from core.exports import SafeCsvWriter
from risk.models import Alert, AlertEvent, KeyMonitoring, RiskLevel, r1_degree_as_read
from risk.sql import r1_risk_degree
from service_log.models import Complaint, ContactRecord, SmsDelivery, SurveyResponse
from service_log.selectors import next_follow_up_of
from settlement.models import DailyStatement
from tiering.models import ContributionCard, SilverCard, Tier, TierChange, TierOverride
from tiering.selectors import with_current_tier

CHART_MONTHS = 12  # the chart offers the last 3, 6 and 12 months of these
STATEMENTS_PER_PAGE = 10
TIMELINE_SIZE = 25


def sms_preview(sms: SmsDelivery, length: int = 60) -> str:
    """An SMS as the timeline shows it: as staff read it (its link said as "(link)"), cut to `length`."""
    text = sms.text_for_staff
    return text if len(text) <= length else text[:length] + "…"


def money(amount) -> str:
    return f"{amount:,.2f}" if amount is not None else "—"


def local(instant, pattern="%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(instant).strftime(pattern) if instant else "—"


def _with_degree(statements):
    return statements.annotate(degree=RawSQL(r1_risk_degree("margin", "balance"), []))  # noqa: S611 - column names


def header(client: Client, user) -> dict:
    """The facts at the top of the page, in words and local time."""
    today = timezone.localdate()
    tiers = with_current_tier(Client.objects.filter(pk=client.pk), today).values("computed_tier", "current_tier")[0]
    override = (TierOverride.objects.in_force(today.replace(day=1)).filter(client=client).order_by("-approved_at")
                .first())
    latest = _with_degree(DailyStatement.objects.filter(client=client).order_by("-trade_date")).first()
    monitoring = KeyMonitoring.objects.filter(client=client, ended_on__isnull=True).order_by("-started_on").first()
    level = RiskLevel.objects.filter(client=client).order_by("-month").first()
    contacts = ContactRecord.objects.filter(client=client).aggregate(last=Max("contacted_at"))
    follow_up = next_follow_up_of(client).first()
    silver = SilverCard.objects.in_force(today.replace(day=1)).filter(client=client).first()
    card = ContributionCard.objects.filter(client=client).order_by("-month").first()
    return {
        # T13/T16: an approved silver card in force, else the latest month's computed card, with its month
        "card": (f"{silver.get_card_display()}" if silver else
                 f"{card.get_card_display()}（{card.month:%Y-%m}）" if card else "—"),
        "computed_tier": Tier(tiers["computed_tier"]).label if tiers["computed_tier"] else "—",
        "override": override and {"tier": override.get_tier_display(), "until": f"{override.last_month:%Y-%m}",
                                  "reason": override.reason},
        "trade_date": latest.trade_date.isoformat() if latest else None,
        "equity": money(latest.balance) if latest else "—",
        "margin": money(latest.margin) if latest else "—",
        "available": money(latest.available) if latest else "—",
        "degree": r1_degree_as_read(latest.degree) if latest else "—",
        "key_monitoring": monitoring.get_reason_display() if monitoring else None,
        "risk_level": f"{level.get_level_display()}（{level.month:%Y-%m}）" if level else "—",
        "open_alerts": Alert.objects.visible_to(user).filter(client=client).unfinished().count(),
        "open_complaints": Complaint.objects.visible_to(user).filter(client=client).exclude(
            status=Complaint.Status.RESOLVED).count(),
        "last_contact": local(contacts["last"]),
        "next_follow_up": follow_up["next_follow_up"].isoformat() if follow_up else "—",
        "advisor": str(client.advisor) if client.advisor_id else "—",
        "marketer": str(client.marketer) if client.marketer_id else "—",
        "referrer": _referrer(client),
    }


def _referrer(client: Client) -> str:
    """S32: to whom the account is credited now (业绩归属)."""
    attribution = current_attribution(client.pk)
    return str(attribution.referrer) if attribution is not None and attribution.referrer_id else "—"


def money_series(client: Client, today: datetime.date | None = None) -> dict:
    """The last CHART_MONTHS months of statements, for the chart: dates, equity, margin, R1 degree in percent
    (None where there is no finite degree), deposits and withdrawals. Numbers as JSON numbers, to the cent."""
    today = today or timezone.localdate()
    since = add_months(today.replace(day=1), -(CHART_MONTHS - 1))
    rows = _with_degree(DailyStatement.objects.filter(client=client, trade_date__gte=since).order_by("trade_date"))
    series = {"today": today.isoformat(), "dates": [], "equity": [], "margin": [], "degree": [],
              "deposit": [], "withdrawal": []}
    for row in rows:
        series["dates"].append(row.trade_date.isoformat())
        series["equity"].append(float(row.balance))
        series["margin"].append(float(row.margin))
        series["degree"].append(round(float(row.degree) * 100, 2) if row.degree is not None else None)
        series["deposit"].append(float(row.deposit))
        series["withdrawal"].append(-float(row.withdrawal))
    return series


def money_labels() -> dict:
    """The chart's words, in the user's language."""
    return {"title": _("Equity, margin and risk degree"), "equity": _("equity"), "margin": _("margin"),
            "degree": _("risk degree"), "deposit": _("deposit"), "withdrawal": _("withdrawal")}


def statements_page(client: Client, number) -> object:
    """One page of the client's daily statements, newest first, with each row's figures as people read them."""
    paginator = Paginator(_with_degree(DailyStatement.objects.filter(client=client).order_by("-trade_date")),
                          STATEMENTS_PER_PAGE)
    page = paginator.get_page(number)
    page.object_list = [{
        "trade_date": row.trade_date.isoformat(), "equity": money(row.balance), "margin": money(row.margin),
        "degree": r1_degree_as_read(row.degree), "available": money(row.available), "deposit": money(row.deposit),
        "withdrawal": money(row.withdrawal), "commission": money(row.commission), "open_lots": row.position_volume,
    } for row in page.object_list]
    return page


STATEMENT_COLUMNS = ["trade_date", "pre_balance", "deposit", "withdrawal", "close_profit", "position_profit",
                     "commission", "other_adjustments", "balance", "margin", "available", "trade_volume",
                     "position_volume"]


def statements_csv(client: Client, out, date_from=None, date_to=None) -> int:
    """The client's statements as CSV (for a spreadsheet: UTF-8 with BOM, the columns' names as people read them,
    amounts exactly as stored, the R1 degree as a percentage)."""
    rows = DailyStatement.objects.filter(client=client).order_by("trade_date")
    if date_from:
        rows = rows.filter(trade_date__gte=date_from)
    if date_to:
        rows = rows.filter(trade_date__lte=date_to)
    out.write("\ufeff")
    writer = SafeCsvWriter(out)
    fields = {field.name: field for field in DailyStatement._meta.fields}
    writer.writerow([_("account number"), *(str(fields[name].verbose_name) for name in STATEMENT_COLUMNS),
                     _("risk degree")])
    written = 0
    for row in _with_degree(rows).iterator(chunk_size=2000):
        writer.writerow([client.account_no, *(getattr(row, name) for name in STATEMENT_COLUMNS),
                         r1_degree_as_read(row.degree)])
        written += 1
    return written


@dataclass
class Moment:
    """One entry of the timeline: when, what kind, the words, and a link where there is a page for it."""

    at: datetime.datetime
    kind: str
    text: str
    link: str = ""
    date_only: bool = False  # a month's event (a tier change): its date, no time of day

    @property
    def local(self) -> str:
        return local(self.at, "%Y-%m-%d" if self.date_only else "%Y-%m-%d %H:%M")


def timeline(client: Client, user, size: int = TIMELINE_SIZE) -> list[Moment]:
    """Everything that happened to the client, newest first: contacts (S1), alerts and each step of them (R5),
    complaints (S7), survey answers (S8), SMS and broadcasts received (R7, S3–S5), tier changes (T12), the steps
    as a prospect (S25), the events attended (S31). The latest `size` of each kind are read, then merged, so the
    page reads a bounded number of rows."""
    moments = []
    for contact in ContactRecord.objects.filter(client=client).select_related("staff").order_by("-contacted_at")[
            :size]:
        moments.append(Moment(contact.contacted_at, _("contact"), f"{contact.get_channel_display()} · "
                              f"{contact.get_category_display()} · {contact.staff} · {contact.summary[:80]}"))
    alerts = Alert.objects.visible_to(user).filter(client=client)
    for alert in alerts.order_by("-raised_at")[:size]:
        moments.append(Moment(alert.raised_at, _("risk alert"),
                              f"{alert.get_kind_display()} · {r1_degree_as_read(alert.risk_degree)} · "
                              f"{alert.get_status_display()}", reverse("admin:risk_alert_change", args=[alert.pk])))
    for event in (AlertEvent.objects.filter(alert__in=alerts).select_related("alert", "actor")
                  .order_by("-at")[:size]):
        actor = str(event.actor) if event.actor else _("the system")
        moments.append(Moment(event.at, _("alert step"), f"{event.alert.get_kind_display()} · "
                              f"{event.get_action_display()} · {actor}" + (f" · {event.note_text[:60]}" if event.note
                                                                          else ""),
                              reverse("admin:risk_alert_change", args=[event.alert_id])))
    for complaint in Complaint.objects.visible_to(user).filter(client=client).order_by("-received_at")[:size]:
        moments.append(Moment(complaint.received_at, _("complaint"), f"{complaint.get_category_display()} · "
                              f"{complaint.get_status_display()} · {complaint.description[:60]}",
                              reverse("admin:service_log_complaint_change", args=[complaint.pk])))
    for answer in SurveyResponse.objects.filter(client=client).order_by("-answered_at")[:size]:
        moments.append(Moment(answer.answered_at, _("survey"), f"{answer.survey} · {answer.score}/5"))
    for sms in SmsDelivery.objects.filter(client=client).select_related("template").order_by("-sent_at")[:size]:
        kind = _("broadcast") if sms.broadcast_id else _("SMS")
        moments.append(Moment(sms.sent_at, kind, f"{sms.template.name} · {sms.get_status_display()} · "
                              f"{sms_preview(sms)}"))
    for change in TierChange.objects.filter(client=client).order_by("-month")[:size]:
        first_day = timezone.make_aware(datetime.datetime.combine(change.month, datetime.time()))
        moments.append(Moment(first_day, _("tier change"), f"{change.month:%Y-%m} {change.get_from_tier_display()}"
                              f" → {change.get_to_tier_display()}", date_only=True))
    for step in (ProspectStep.objects.filter(prospect__client=client).select_related("prospect")
                 .order_by("-at")[:size]):  # S25: the history from first contact, carried over
        moments.append(Moment(step.at, _("as a prospect"), f"{step.get_stage_display()} · "
                              f"{step.prospect.get_source_display()}" + (f" · {step.note[:60]}" if step.note else ""),
                              reverse("admin:acquisition_prospect_change", args=[step.prospect_id])))
    for record in education_records(client)[:size]:  # S31: the investor-education record
        moments.append(Moment(record.checked_in_at, _("investor education"),
                              f"{record.event.get_kind_display()} · {record.event.title} · "
                              f"{'、'.join(record.event.topic_labels())}"))
    moments.sort(key=lambda moment: moment.at, reverse=True)
    return moments[:size]


@dataclass
class TimelinePage:
    moments: list
    number: int
    has_next: bool


def timeline_page(client: Client, user, number) -> TimelinePage:
    """The timeline a page at a time, newest first (issue 36 item 3): page n reads the latest n × TIMELINE_SIZE of
    each kind, so an older page costs a little more and the first, the one read during a call, the least."""
    try:
        number = max(1, min(int(number or 1), 50))
    except (TypeError, ValueError):
        number = 1
    moments = timeline(client, user, size=TIMELINE_SIZE * number + 1)
    start = TIMELINE_SIZE * (number - 1)
    return TimelinePage(moments[start:start + TIMELINE_SIZE], number, len(moments) > start + TIMELINE_SIZE)
