"""Tier writes (domain T): the monthly recalculation and the policy's approval."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from clients.models import Client
from clients.roles import Role
from clients.scoping import sees_everything, staff_profile_of
from core.approvals import draft_save, second_person_approve
from core.dates import add_months
from core.errors import DomainError
from core.jobs import job_run
from core.models import JobRun
from core.owed import owed_queue, work_owe
from settlement import sql as settlement_sql
from settlement.models import DailyStatement, SettlementDay, TradingDay
from settlement.services import DAY_CLOSE_TIERS
from tiering import sql
from tiering.models import Tier, TierAssignment, TierMonth, TierOverride, TierPolicy, TierSummary


def policy_for_month(month: datetime.date) -> TierPolicy:
    """T10: the approved version that grades `month` (TierPolicyQuerySet.for_month)."""
    policy = TierPolicy.objects.for_month(month)
    if policy is None:
        raise DomainError(f"No approved tier policy takes effect by {month:%Y-%m} (T10).", code="no_policy")
    return policy


def _year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _dates(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def tiers_recalculate(month: datetime.date, *, progress=None) -> dict:
    """T1–T9 for every client for the tier month containing `month`, in one set-based statement; T12 changes when
    the month is final. Re-running gives the same rows; two runs of one month never overlap (advisory lock)."""
    step = progress or (lambda label: None)
    month_start = month.replace(day=1)
    policy = policy_for_month(month_start)  # T10: the month's own version, whenever and why ever it is recalculated
    window_start = add_months(month_start, -(policy.window_months - 1))
    window_end = add_months(month_start, 1) - datetime.timedelta(days=1)
    window_days = list(TradingDay.objects.between(window_start, window_end).values_list("date", flat=True))
    month_days = [day for day in window_days if day >= month_start]
    if not month_days:
        raise DomainError(f"{month_start:%Y-%m} has no trading days in the calendar.", code="no_trading_days")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('futcrm:tiers'), hashtext(%s))",
                       [month_start.isoformat()])
        # Closes and reopens wait until this run commits (they take LOCK_MONTH_TOTALS shared), so the days read
        # below, the month totals and the statements all stay as they are for the whole run.
        cursor.execute(settlement_sql.LOCK_MONTH_TOTALS)
        closed = set(SettlementDay.objects.filter(trade_date__range=(window_start, window_end),
                                                  status=SettlementDay.Status.CLOSED)
                     .values_list("trade_date", flat=True))
        final = all(day in closed for day in month_days)  # T9: final only when every trading day of M is closed
        if final:
            cutoff = window_days[-1]
        else:  # provisional: up to the latest closed day, else the latest day with statements
            cutoff = max(closed, default=None) or (DailyStatement.objects.filter(
                trade_date__range=(window_start, window_end)).order_by("-trade_date")
                .values_list("trade_date", flat=True).first())
        if cutoff is None:
            return {"month": f"{month_start:%Y-%m}", "assigned": 0, "state": "provisional", "trading_days": 0,
                    "last_day": None, "policy_version": policy.version}
        used_days = [day for day in window_days if day <= cutoff]
        last_day = used_days[-1]
        year_before = _year_before(last_day)
        # Closed days come from settlement.StatementMonth; every other date of the window, from its statements.
        in_month_totals = set(SettlementDay.objects.filter(trade_date__range=(year_before, last_day),
                                                           in_month_totals=True).values_list("trade_date", flat=True))
        window_dates = _dates(window_start, last_day)
        lookback_dates = _dates(year_before + datetime.timedelta(days=1), window_start - datetime.timedelta(days=1))
        parameters = {
            "policy_id": policy.pk, "month": month_start, "window_start": window_start, "last_day": last_day,
            "days": len(used_days), "year_before": year_before, "now": timezone.now(),
            "window_months": [add_months(window_start, n) for n in range(policy.window_months)],
            "window_days_from_statements": [day for day in window_dates if day not in in_month_totals],
            "lookback_days_from_statements": [day for day in lookback_dates if day not in in_month_totals],
            # T6/T7 before the window: in year_before's month only the days after it (bit d − 1 is day d)
            "lookback_month": year_before.replace(day=1), "lookback_mask": ~((1 << year_before.day) - 1),
            "state": TierAssignment.State.FINAL if final else TierAssignment.State.PROVISIONAL,
            "previous_month": add_months(month_start, -1), "next_month": add_months(month_start, 1),
        }  # fmt: skip
        step("assign")
        cursor.execute("DROP TABLE IF EXISTS tier_sums, tier_results")
        # JOIN_PLAN makes PostgreSQL add its "disabled" cost (10^10) to the nodes left with no other plan (the
        # join to the one-row policy), which would cross jit_above_cost and compile every run.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")  # 100,000s of rows summed and joined: hashes in memory
        cursor.execute(f"SET LOCAL {sql.SUMS_PLAN}")
        # T2/T3: a one-month window with every trading day in the month totals is read as it stands there (the
        # dates still named for the statements are then weekends and holidays, which have none).
        one_month_of_totals = policy.window_months == 1 and not DailyStatement.objects.filter(
            trade_date__in=parameters["window_days_from_statements"]).exists()
        cursor.execute(sql.SUMS_ONE_MONTH if one_month_of_totals else sql.SUMS, parameters)
        cursor.execute(f"RESET {sql.SUMS_PLAN.split(' = ')[0]}")
        cursor.execute(f"SET LOCAL {sql.JOIN_PLAN}")
        cursor.execute(sql.RESULTS, parameters)
        assigned = cursor.rowcount  # one result per eligible client; stale rows go below
        cursor.execute(sql.COUNT_WRITES)
        writes = dict(cursor.fetchall())
        if writes.get("changed"):
            cursor.execute(sql.UPDATE_CHANGED, parameters)
        if writes.get("new"):
            cursor.execute(sql.INSERT_NEW, parameters)
        step("clean up")
        cursor.execute(sql.REMOVE_STALE, parameters)
        changed = writes.get("changed", 0) + writes.get("new", 0)
        removed = cursor.rowcount
        step("tier changes")
        cursor.execute(sql.REMOVE_STALE_CHANGES, parameters)
        cursor.execute(sql.RECORD_CHANGES, parameters)
        if changed or removed:  # the month after reads this one (previous_tier, T12): only a changed month can move it
            cursor.execute(sql.SYNC_NEXT_MONTH, parameters)
            cursor.execute(sql.CLEAR_NEXT_CHANGES, parameters)
            cursor.execute(sql.RECORD_NEXT_CHANGES, parameters)
        step("summary")
        if changed or removed:  # the dashboard's summary of this month, and of the next (its previous_tier moved)
            _summaries_rebuild(cursor, [month_start, parameters["next_month"]])
        elif not TierSummary.objects.filter(month=month_start).exists():
            _summaries_rebuild(cursor, [month_start])
        TierMonth.objects.update_or_create(month=month_start, defaults={
            "policy": policy, "state": parameters["state"], "trading_days": len(used_days), "last_day": last_day,
            "clients": assigned, "computed_at": parameters["now"]})
    return {"month": f"{month_start:%Y-%m}", "assigned": assigned, "changed": changed, "state": parameters["state"],
            "trading_days": len(used_days), "last_day": last_day.isoformat(), "policy_version": policy.version}


def _summaries_rebuild(cursor, months) -> None:
    cursor.execute(sql.LOCK_SUMMARY)
    for month in months:
        cursor.execute(sql.CLEAR_SUMMARY, {"summary_month": month})
        cursor.execute(sql.REBUILD_SUMMARY, {"summary_month": month})


@transaction.atomic
def tier_summaries_rebuild(months) -> None:
    """The dashboard's summary of `months` rebuilt from their assignments (for assignments written outside the
    recalculation: the benchmarks' generated history)."""
    with connection.cursor() as cursor:
        _summaries_rebuild(cursor, months)


def tiers_recalculate_as_job(month: datetime.date) -> JobRun:
    """T1–T9 for a month under a job record with progress; never two runs of one month at once (core.jobs)."""
    steps = {"assign": 20, "clean up": 80, "tier changes": 90, "summary": 95}

    def work(progress):
        result = tiers_recalculate(month, progress=lambda step: progress(step, steps.get(step, 50)))
        return {**result, "rows": result["assigned"]}

    return job_run("recalc_tiers", f"tiers:{month:%Y-%m}", work)


@transaction.atomic
def tier_policy_draft_save(*, user, policy: TierPolicy) -> TierPolicy:
    """T10: a new version (or an edit of a draft) is the author's draft until a second person approves it."""
    permission = "tiering.add_tierpolicy" if policy.pk is None else "tiering.change_tierpolicy"
    return draft_save(policy, user=user, permission=permission)


@transaction.atomic
def tier_policy_approve(*, policy: TierPolicy, user) -> TierPolicy:
    """T10: a head-office manager other than the draft's author approves it; it grades the months from its
    effective_from on. A re-grading (effective before the current month, with its reason) owes, in the approval's
    transaction, the recalculation of every month graded from then on (tiers_months_owe)."""
    policy = TierPolicy.objects.select_for_update().get(pk=policy.pk)
    policy.refuse_unreasoned_regrading()
    approved = second_person_approve(policy, user=user, approver_is_head_office=sees_everything(user),
                                     permission="tiering.change_tierpolicy")
    graded = TierMonth.objects.filter(month__gte=approved.effective_from).values_list("month", flat=True)
    tiers_months_owe(list(graded), cause=f"policy-v{approved.version}")
    return approved


def tiers_months_owe(months, *, cause: str) -> list:
    """Owe the recalculation of `months` (T1–T9, each with the version in force for it, T10), in the caller's
    transaction, queued once it commits: a change that regrades a month (an approved re-grading, a calendar day
    changed) loses nothing if the queue is down (core/owed.py; backoffice.workflows runs it)."""
    owed = [work_owe(DAY_CLOSE_TIERS, f"{cause}:{month:%Y-%m}", arguments={"month": month.isoformat()})
            for month in sorted(set(months))]
    if owed:
        owed_queue(owed, f"the recalculation of {len(owed)} months")
    return owed


@transaction.atomic
def tiers_owe_after_calendar_change(days, *, cause: str) -> list:
    """Issue 16 item 4: a calendar day changed (a trading day closed or opened) changes the averages of every
    graded month whose window holds it (T2; W from the version that grades the month, T10); those months are owed
    again. Months not graded yet are graded by the nightly run as usual."""
    months = []
    for graded in TierMonth.objects.all():
        window_months = policy_for_month(graded.month).window_months
        window_start = add_months(graded.month, -(window_months - 1))
        window_end = add_months(graded.month, 1) - datetime.timedelta(days=1)
        if any(window_start <= day <= window_end for day in days):
            months.append(graded.month)
    return tiers_months_owe(months, cause=cause)


MANAGER_ROLES = {Role.BRANCH_MANAGER, Role.HEAD_OFFICE}


@transaction.atomic
def tier_override_request(*, user, client_id: int, tier: str, first_month: datetime.date,
                          last_month: datetime.date, reason: str) -> TierOverride:
    """T11: a branch manager or head office proposes a tier for a client it may see, for a period, with a reason."""
    profile = staff_profile_of(user)
    if not (user.is_superuser or (profile is not None and profile.role in MANAGER_ROLES)):
        raise PermissionDenied
    client = Client.objects.visible_to(user).filter(pk=client_id).first()
    if client is None:
        raise PermissionDenied
    if tier not in Tier.values:
        raise DomainError(f"Unknown tier {tier!r}.", field="tier")
    if not reason.strip():
        raise DomainError("A reason is required.", field="reason")
    first_month, last_month = first_month.replace(day=1), last_month.replace(day=1)
    if last_month < first_month:
        raise DomainError("The period ends before it starts.", field="last_month")
    return TierOverride.objects.create(client=client, tier=tier, first_month=first_month, last_month=last_month,
                                       reason=reason.strip(), requested_by=user)


@transaction.atomic
def tier_override_approve(*, user, override: TierOverride) -> TierOverride:
    """T11 approval, as T10: a head-office manager other than the requester."""
    return second_person_approve(TierOverride.objects.select_for_update().get(pk=override.pk), user=user,
                                 approver_is_head_office=sees_everything(user),
                                 permission="tiering.change_tieroverride", author_field="requested_by")
