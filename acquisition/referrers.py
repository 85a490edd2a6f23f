"""Referrers and the attribution of accounts (S32–S34, docs/rules-added.md): who brought each account (居间人,
introducing-broker units, staff, clients) and its marketer, changed only with a second person's approval, the
history kept; the monthly report of accounts, equity and commission per referrer (业绩归属); the referrer list's
import. Every write checks role and scope (O) here."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from acquisition.models import Attribution, AttributionChange, Referrer, ReferrerMonth
from clients.models import Branch, Client, StaffProfile
from core.approvals import four_eyes_check
from core.dates import month_bounds
from core.errors import DomainError, required_text
from core.tabular import column_word, read_table


@transaction.atomic
def referrer_create(*, user, code: str, name: str, kind: str, branch_id: int, staff_id: int | None = None,
                    client_id: int | None = None, agreement_no: str = "") -> Referrer:
    """S32: a referrer with a code of its own, of a branch the user may see; a member of staff or a client as
    referrer names that person (in scope), an intermediary or an introducing-broker unit names neither."""
    if not user.has_perm("acquisition.add_referrer"):
        raise PermissionDenied
    code = required_text(code, "code", _("A referrer needs a code."))[:20]
    name = required_text(name, "name", _("A referrer needs a name."))
    if kind not in Referrer.Kind.values:
        raise DomainError(_("Choose the kind of referrer."), field="kind")
    branch = Branch.objects.visible_to(user).filter(pk=branch_id).first()
    if branch is None:
        raise DomainError(_("Choose a branch you may see."), field="branch")
    staff = client = None
    if kind == Referrer.Kind.STAFF:
        staff = StaffProfile.objects.visible_to(user).filter(pk=staff_id).first() if staff_id else None
        if staff is None:
            raise DomainError(_("Name the member of staff who refers."), field="staff")
    elif kind == Referrer.Kind.CLIENT:
        client = Client.objects.visible_to(user).filter(pk=client_id).first() if client_id else None
        if client is None:
            raise DomainError(_("Name the client who refers."), field="client")
    if Referrer.objects.filter(code=code).exists():
        raise DomainError(_("The code %(code)s is another referrer's.") % {"code": code}, code="duplicate",
                          field="code")
    return Referrer.objects.create(code=code, name=name[:100], kind=kind, branch=branch, staff=staff, client=client,
                                   agreement_no=(agreement_no or "").strip()[:40])


OPEN_ATTRIBUTIONS = """
INSERT INTO acquisition_attribution (client_id, referrer_id, marketer_id, valid_from)
SELECT c.id, p.referrer_id, c.marketer_id, coalesce(c.opened_on, current_date)
FROM clients_client c LEFT JOIN acquisition_prospect p ON p.client_id = c.id
WHERE c.id = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM acquisition_attribution a WHERE a.client_id = c.id)
"""


def attributions_open(client_ids: list[int]) -> int:
    """S32: each new account credited from its opening date to its prospect's referrer (if it came as one) and to
    its marketer (the prospect's owner, S25); once: an account already credited keeps its history."""
    if not client_ids:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(OPEN_ATTRIBUTIONS, [list(client_ids)])
        return cursor.rowcount


def current_attribution(client_id: int) -> Attribution | None:
    return (Attribution.objects.filter(client_id=client_id, valid_until__isnull=True)
            .select_related("referrer", "marketer").first())


@transaction.atomic
def attribution_change_request(*, user, client_id: int, referrer_id: int | None, marketer_id: int | None,
                               effective_on: datetime.date, reason: str,
                               today: datetime.date | None = None) -> AttributionChange:
    """S33: a request to credit a client the user may see to a referrer and a marketer (either may be none) from
    a date: in the current month (a closed month's report is never rewritten), not after today, after the
    current attribution began; something must change; one request a client at a time."""
    if not user.has_perm("acquisition.add_attributionchange"):
        raise PermissionDenied
    client = Client.objects.visible_to(user).select_for_update().filter(pk=client_id).first()
    if client is None:
        raise PermissionDenied
    reason = required_text(reason, "reason", _("Say why the account's credit changes."))
    referrer = marketer = None
    if referrer_id:
        referrer = Referrer.objects.visible_to(user).filter(pk=referrer_id, active=True).first()
        if referrer is None:
            raise DomainError(_("Choose an active referrer you may see."), field="referrer")
    if marketer_id:
        marketer = StaffProfile.objects.visible_to(user).filter(pk=marketer_id, user__is_active=True).first()
        if marketer is None:
            raise DomainError(_("Choose a marketer you may see."), field="marketer")
    today = today or timezone.localdate()
    if not today.replace(day=1) <= effective_on <= today:
        raise DomainError(_("A change takes effect on a day of this month up to today."), field="effective_on")
    current = current_attribution(client.pk)
    if current is not None:
        if effective_on <= current.valid_from:
            raise DomainError(_("The current credit began on %(day)s: choose a later day.") % {
                "day": current.valid_from}, field="effective_on")
        if current.referrer_id == referrer_id and current.marketer_id == marketer_id:
            raise DomainError(_("That is the current credit already."), field="referrer")
    if AttributionChange.objects.filter(client=client, state=AttributionChange.State.PENDING).exists():
        raise DomainError(_("A change of this account awaits approval already."), code="pending", field="client")
    return AttributionChange.objects.create(client=client, referrer=referrer, marketer=marketer,
                                            effective_on=effective_on, reason=reason[:300], requested_by=user)


@transaction.atomic
def attribution_change_decide(*, user, change_id: int, approve: bool, note: str = "") -> AttributionChange:
    """S33 (as T10): the branch's manager or head office, never the requester, approves or rejects a pending
    request. Approved, the current attribution ends the day before it takes effect, the new one begins, and the
    client's marketer is the new one; the history is kept."""
    if not user.has_perm("acquisition.approve_attributionchange"):
        raise PermissionDenied
    change = AttributionChange.objects.visible_to(user).select_for_update().filter(pk=change_id).first()
    if change is None:
        raise PermissionDenied
    if change.state != AttributionChange.State.PENDING:
        raise DomainError(_("The request was decided already."), code="forbidden_transition", field="state")
    four_eyes_check(change, user, requester_field="requested_by")
    note = (note or "").strip()
    if not approve:
        note = required_text(note, "decision_note", _("Say why the request is rejected."))
    change.state = AttributionChange.State.APPROVED if approve else AttributionChange.State.REJECTED
    change.decided_by, change.decided_at, change.decision_note = user, timezone.now(), note[:300]
    change.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    if approve:
        current = Attribution.objects.select_for_update().filter(client_id=change.client_id,
                                                                 valid_until__isnull=True).first()
        if current is not None:
            if change.effective_on <= current.valid_from:
                raise DomainError(_("The account's credit changed since: ask again."), code="stale",
                                  field="effective_on")
            current.valid_until = change.effective_on
            current.save(update_fields=["valid_until"])
        Attribution.objects.create(client_id=change.client_id, referrer_id=change.referrer_id,
                                   marketer_id=change.marketer_id, valid_from=change.effective_on, change=change)
        Client.objects.filter(pk=change.client_id).update(marketer_id=change.marketer_id)
    return change


# S34 the monthly report (业绩归属) -----------------------------------------------------------------------------------

REPORT = """
WITH credited AS (  -- each referrer's stretches of each account that overlap the month
    SELECT a.referrer_id, a.client_id, greatest(a.valid_from, %(start)s) AS since,
           least(coalesce(a.valid_until, %(end)s), %(end)s) AS until, a.valid_from
    FROM acquisition_attribution a
    WHERE a.referrer_id = ANY(%(referrers)s) AND a.valid_from < %(end)s
      AND (a.valid_until IS NULL OR a.valid_until > %(start)s)),
money AS (
    SELECT c.referrer_id, sum(s.commission) AS commission
    FROM credited c JOIN settlement_dailystatement s
         ON s.client_id = c.client_id AND s.trade_date >= c.since AND s.trade_date < c.until
    GROUP BY c.referrer_id),
closing AS (
    SELECT c.referrer_id, count(*) AS accounts, coalesce(sum(s.balance), 0) AS equity
    FROM credited c LEFT JOIN settlement_dailystatement s ON s.client_id = c.client_id AND s.trade_date = %(last)s
    WHERE c.since <= %(last)s AND c.until > %(last)s
    GROUP BY c.referrer_id),
opened AS (
    SELECT c.referrer_id, count(*) AS opened
    FROM credited c JOIN clients_client k ON k.id = c.client_id
    WHERE k.opened_on >= %(start)s AND k.opened_on < %(end)s AND c.valid_from <= k.opened_on
    GROUP BY c.referrer_id)
SELECT r.id, coalesce(o.opened, 0), coalesce(x.accounts, 0), coalesce(x.equity, 0), coalesce(m.commission, 0)
FROM unnest(%(referrers)s::bigint[]) AS r(id)
LEFT JOIN opened o ON o.referrer_id = r.id LEFT JOIN closing x ON x.referrer_id = r.id
LEFT JOIN money m ON m.referrer_id = r.id
"""


def referrer_months_compute(month: datetime.date) -> int:
    """S34: every referrer's figures for `month` written to ReferrerMonth (one REPORT statement over the month's
    statements; re-running replaces them). Beat runs it each night after the close for this month and the last;
    a month nobody computed yet is computed when it is first read. Returns the referrers written."""
    start, end = month_bounds(month)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(trade_date) FROM settlement_settlementday WHERE status = 'closed' "
                       "AND trade_date >= %s AND trade_date < %s", [start, end])
        last = cursor.fetchone()[0]
    referrers = list(Referrer.objects.values_list("pk", flat=True))
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        # Two first reads of a month (or a read and the nightly run) compute it one after the other, not both at once.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('futcrm:referrer-month'), hashtext(%s))",
                       [start.isoformat()])
        cursor.execute(REPORT, {"start": start, "end": end, "last": last or start - datetime.timedelta(days=1),
                                "referrers": referrers})
        figures = cursor.fetchall()
        ReferrerMonth.objects.filter(month=start).delete()
        ReferrerMonth.objects.bulk_create([
            ReferrerMonth(referrer_id=pk, month=start, opened=opened, accounts=accounts, equity=equity,
                          commission=commission, last_day=last, computed_at=now)
            for pk, opened, accounts, equity, commission in figures], batch_size=5000)
    return len(figures)


def referrer_report(user, month: datetime.date, branch_id: int | None = None) -> dict:
    """S34: per referrer the user may see, for one month: the accounts opened in it credited to them from their
    opening, the accounts credited and their equity at the month's last settled day, and the commission of the
    statements of the days each account was theirs (a change mid-month splits it at its date); read from the
    month's ReferrerMonth rows (computed first if the month has none, or again when a referrer of the month has
    none: one added since, issue 35 finding 10). Head office reads the branches' totals and
    one branch's referrers (`branch_id`); a branch's staff read their branch's."""
    start, end = month_bounds(month)
    computed_for = ReferrerMonth.objects.filter(month=start).values("referrer_id")
    if not ReferrerMonth.objects.filter(month=start).exists() or Referrer.objects.filter(
            created_at__lt=timezone.make_aware(datetime.datetime.combine(end, datetime.time()))).exclude(
            pk__in=computed_for).exists():
        referrer_months_compute(start)  # never computed, or a referrer added since: it is in the report at once
    visible = Referrer.objects.visible_to(user)
    figures = ReferrerMonth.objects.filter(month=start, referrer__in=visible)
    branches = list(figures.values("referrer__branch_id", "referrer__branch__code", "referrer__branch__name")
                    .annotate(referrers=Count("pk"), opened=Sum("opened"), accounts=Sum("accounts"),
                              equity=Sum("equity"), commission=Sum("commission"))
                    .order_by("referrer__branch__code"))
    if branch_id is None and len(branches) == 1:
        branch_id = branches[0]["referrer__branch_id"]
    rows = []
    if branch_id is not None:
        rows = [{"referrer": figure.referrer, "opened": figure.opened, "accounts": figure.accounts,
                 "equity": figure.equity, "commission": figure.commission}
                for figure in figures.filter(referrer__branch_id=branch_id).select_related("referrer__branch")
                .order_by("referrer__code")]
    totals = figures.aggregate(opened=Sum("opened"), accounts=Sum("accounts"), equity=Sum("equity"),
                               commission=Sum("commission"))
    totals = {key: value if value is not None else (0 if key in {"opened", "accounts"} else Decimal("0.00"))
              for key, value in totals.items()}
    computed = figures.order_by("-computed_at").values_list("computed_at", "last_day").first()
    return {"month": start, "last_day": computed[1] if computed else None, "computed_at": computed[0] if computed
            else None, "branches": branches, "branch_id": branch_id, "rows": rows, "totals": totals,
            "figures": figures}


def report_sections(report: dict) -> dict[str, list[list]]:
    """The report as the export's one section (core/exports.py), with the page's own words: every referrer in the
    reader's scope."""
    header = [_("referrer code"), _("referrer"), _("kind"), _("branch"), _("accounts opened"),
              _("accounts credited"), _("equity"), _("commission")]
    rows = [[figure.referrer.code, figure.referrer.name, str(figure.referrer.get_kind_display()),
             figure.referrer.branch.name, figure.opened, figure.accounts, figure.equity, figure.commission]
            for figure in report["figures"].select_related("referrer__branch").order_by("referrer__branch__code",
                                                                                        "referrer__code")]
    totals = report["totals"]
    rows.append([_("total"), "", "", "", totals["opened"], totals["accounts"], totals["equity"],
                 totals["commission"]])
    return {_("Referrers %(month)s") % {"month": f"{report['month']:%Y-%m}"}: [header, *rows]}


# S34 importing the referrer list ----------------------------------------------------------------------------------

REFERRER_COLUMNS = {
    "code": ("code", "居间人编号", "编号", "代码"),
    "name": ("name", "姓名", "名称"),
    "kind": ("kind", "类型", "类别"),
    "branch_code": ("branch_code", "营业部代码", "营业部"),
    "staff_code": ("staff_code", "员工工号", "工号"),
    "account_no": ("account_no", "资金账号", "客户账号"),
    "agreement_no": ("agreement_no", "协议编号", "合同编号"),
}
OPTIONAL_REFERRER_COLUMNS = ("staff_code", "account_no", "agreement_no")


def _kind_of(text: str, labels: dict[str, str]) -> str:
    text = (text or "").strip()
    return labels.get(text.lower(), labels.get(text, text))


def _kind_labels() -> dict[str, str]:
    """Each kind by its code, its English and its Chinese label (and the Chinese short words lists use)."""
    labels = {"居间人": Referrer.Kind.INTERMEDIARY, "经纪人": Referrer.Kind.INTERMEDIARY,
              "中间介绍": Referrer.Kind.INTRODUCING_BROKER, "ib": Referrer.Kind.INTRODUCING_BROKER,
              "员工": Referrer.Kind.STAFF, "客户": Referrer.Kind.CLIENT}
    for value, label in Referrer.Kind.choices:
        labels[value] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                labels[str(label).lower()] = value
    return labels


def referrers_import(*, user, data: bytes, filename: str, commit: bool, progress=None) -> list[dict]:
    """S34: a referrer list (CSV or Excel) checked row by row by referrer_create itself (codes repeated within the
    file too); every row's problems named with its row and field. Written only when `commit` and no row has a
    problem: all or nothing."""
    if not user.has_perm("acquisition.add_referrer"):
        raise PermissionDenied
    rows = read_table(data, filename, columns=REFERRER_COLUMNS, optional=OPTIONAL_REFERRER_COLUMNS)
    if not rows:
        raise DomainError(_("The file has no rows."), field="file", code="empty", status=400)
    branches = {branch.code: branch.pk for branch in Branch.objects.visible_to(user)}
    staff = {profile.staff_code: profile.pk for profile in StaffProfile.objects.visible_to(user)}
    labels, checked = _kind_labels(), []
    with transaction.atomic():
        for done, (number, values) in enumerate(rows):
            if progress is not None and done % 200 == 0:  # a large list runs as a job (core.imports)
                progress("checking", 1 + done * 98 // len(rows))
            problems = []
            if values["branch_code"] not in branches:
                problems.append(_("%(field)s: %(value)s is not a branch you may see.") % {
                    "field": column_word("branch_code"), "value": values["branch_code"] or "—"})
            kind = _kind_of(values["kind"], labels)
            if kind not in Referrer.Kind.values:
                problems.append(_("%(field)s: %(value)s is not one of the kinds of referrer.") % {
                    "field": column_word("kind"), "value": values["kind"] or "—"})
            staff_id = staff.get(values["staff_code"]) if values["staff_code"] else None
            if values["staff_code"] and staff_id is None:
                problems.append(_("%(field)s: %(value)s is not a member of staff you may see.") % {
                    "field": column_word("staff_code"), "value": values["staff_code"]})
            client_id = None
            if values["account_no"]:
                client_id = (Client.objects.visible_to(user).filter(account_no=values["account_no"])
                             .values_list("pk", flat=True).first())
                if client_id is None:
                    problems.append(_("%(field)s: %(value)s is not a client you may see.") % {
                        "field": column_word("account_no"), "value": values["account_no"]})
            if not problems:
                try:
                    with transaction.atomic():
                        referrer_create(user=user, code=values["code"], name=values["name"], kind=kind,
                                        branch_id=branches[values["branch_code"]], staff_id=staff_id,
                                        client_id=client_id, agreement_no=values["agreement_no"])
                except DomainError as error:
                    problems.append(f"{column_word(error.field or 'name')}: {error.message}")
            checked.append({"row": number, "code": values["code"], "name": values["name"],
                            "branch": values["branch_code"], "problems": problems})
        if not commit or any(row["problems"] for row in checked):
            transaction.set_rollback(True)
    return checked
