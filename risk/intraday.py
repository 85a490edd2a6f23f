"""Intraday risk (domain.md I2–I9): the evaluation of a snapshot, the desk's reads and the day's close.

The evaluation is owed work written with the snapshot (settlement/intraday.py) and run on the `intraday` Celery queue
(backoffice/workflows.py): all of it set-based (risk/intraday_sql.py), one transaction, under the day's evaluation
lock so that two snapshots' evaluations never interleave."""

import datetime

from django.db import connection, transaction
from django.db.models import Case, F, When
from django.utils import timezone

from clients.models import Client
from risk import intraday_sql as sql
from risk.models import INTRADAY_KINDS, Alert, IntradaySummary, MarketEvent, RiskThresholdSet, r1_degree_as_read
from settlement.calendar import NIGHT_OPENS
from settlement.intraday import intraday_state_clear, snapshot_path_record
from settlement.models import (
    IntradayAccount,
    IntradayPoint,
    IntradayPosition,
    IntradayQuote,
    IntradaySnapshot,
    TradingDay,
)

DAY_SESSION_ENDS = datetime.time(15)
NIGHT_SESSION_ENDS = (datetime.time(23), datetime.time(2, 30))  # C5: the common end, then the latest
KEEP_TRADING_DAYS = 5  # I9: raw snapshots
CALL_NOW_SIZE = 50


def session_end(moment: datetime.datetime) -> datetime.datetime:
    """I8 "the end of the session" for an alert raised at `moment`: 15:00 in the day; in the night 23:00 (the
    session most products end with), or 02:30 when raised after 23:00. Outside the sessions (an evaluation that ran
    late): 30 minutes after raising."""
    local = timezone.localtime(moment)
    day, time = local.date(), local.time()
    at = None
    if datetime.time(8, 55) <= time < DAY_SESSION_ENDS:
        at = datetime.datetime.combine(day, DAY_SESSION_ENDS)
    elif NIGHT_OPENS <= time < NIGHT_SESSION_ENDS[0]:
        at = datetime.datetime.combine(day, NIGHT_SESSION_ENDS[0])
    elif time >= NIGHT_SESSION_ENDS[0]:
        at = datetime.datetime.combine(day + datetime.timedelta(days=1), NIGHT_SESSION_ENDS[1])
    elif time < NIGHT_SESSION_ENDS[1]:
        at = datetime.datetime.combine(day, NIGHT_SESSION_ENDS[1])
    if at is None:
        return moment + datetime.timedelta(minutes=30)
    return timezone.make_aware(at)


@transaction.atomic
def intraday_evaluate(trading_day: datetime.date, sequence: int, *, now: datetime.datetime | None = None) -> dict:
    """I2–I8 for the accounts snapshot `sequence` touched, on the state as it stands now (a later snapshot's state is
    as good: each evaluation judges the state, not the message). Returns how many alerts were raised, raised again
    and eased."""
    now = now or timezone.now()
    thresholds = RiskThresholdSet.objects.in_force()
    if thresholds is None:
        raise RuntimeError("No approved risk thresholds (R8): approve a version before evaluating risk.")
    parameters = {"trading_day": trading_day, "sequence": sequence, "now": now, "thresholds_id": thresholds.pk,
                  "session_end": session_end(now), "kinds": tuple(INTRADAY_KINDS)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('futcrm:intraday-evaluation'), hashtext(%s))",
                       [trading_day.isoformat()])
        cursor.execute("SET LOCAL work_mem = '256MB'")  # the per-(account, product) sums hashed, not sorted
        cursor.execute("SET LOCAL jit = off")
        # an earlier evaluation in the same transaction (tests)
        cursor.execute("DROP TABLE IF EXISTS intraday_touched, intraday_lines, intraday_product, "
                       "products_concerned, intraday_moves, intraday_due")
        parameters["complete"] = IntradaySnapshot.objects.filter(trading_day=trading_day, sequence=sequence,
                                                                 complete=True).exists()
        snapshot_path_record(cursor, trading_day, sequence)
        cursor.execute(sql.TOUCHED, parameters)
        cursor.execute(sql.STATE, parameters)
        cursor.execute(sql.DUE, parameters)
        cursor.execute(sql.RAISE, parameters)
        raised, again = cursor.fetchone()
        cursor.execute(sql.EASE, parameters)
        eased = cursor.rowcount
        cursor.execute(sql.MARKET_EVENTS, parameters)
        events = cursor.rowcount
        cursor.execute(sql.LARGEST_HEAVY, parameters)
    IntradaySnapshot.objects.filter(trading_day=trading_day, sequence=sequence).update(evaluated_at=timezone.now())
    return {"raised": raised, "raised_again": again, "eased": eased, "market_events": events}


def intraday_evaluation_failing() -> bool:
    """Whether some snapshot's evaluation has failed and waits for a retry (the desk says alerts may be missing)."""
    from core.models import OwedWork
    from settlement.intraday import INTRADAY_EVALUATION

    return OwedWork.objects.filter(job=INTRADAY_EVALUATION, done_at__isnull=True).exclude(last_error="").exists()


# The desk (I7, I8) ----------------------------------------------------------------------------------------------

def current_trading_day(now: datetime.datetime | None = None) -> datetime.date | None:
    """The trading day whose session runs or ran last: the latest day with a snapshot not after the next trading
    day (the night session belongs to the next trading day)."""
    today = timezone.localdate(now)
    upto = TradingDay.objects.next_after(today) or today
    return (IntradaySnapshot.objects.filter(trading_day__lte=upto).order_by("-trading_day")
            .values_list("trading_day", flat=True).first())


SEVERITY_RANK = Case(*(When(severity=severity, then=rank) for rank, severity in
                       enumerate(["critical", "high", "medium", "low"])), default=9)


def intraday_alerts(user, trading_day: datetime.date):
    """The day's intraday alerts the user may see (O): the ones still holding first, the most severe first, then the
    newest; eased ones after them."""
    return (Alert.objects.visible_to(user).filter(trade_date=trading_day, kind__in=INTRADAY_KINDS)
            .select_related("client", "assigned_to")
            .order_by(F("eased_at").asc(nulls_first=True), SEVERITY_RANK, "-raised_at", "-id"))


def market_events(trading_day: datetime.date):
    return MarketEvent.objects.filter(trade_date=trading_day).order_by("-raised_at")


def call_now(user, event: MarketEvent, *, limit: int = CALL_NOW_SIZE) -> list[dict]:
    """I7: the user's own clients (O) holding the event's product against the move, heavy holdings first, then by
    exposure; each with its advisor."""
    thresholds = RiskThresholdSet.objects.in_force()
    with connection.cursor() as cursor:
        cursor.execute(sql.CALL_NOW, {
            "trading_day": event.trade_date, "product": event.product,
            "against": "long" if event.direction == MarketEvent.Direction.DOWN else "short",
            "thresholds_id": thresholds.pk if thresholds else None})
        rows = cursor.fetchall()
    visible = Client.objects.visible_to(user).select_related("advisor").in_bulk([row[0] for row in rows])
    return [{"client": visible[client_id], "heavy": heavy,
             "exposure_text": f"×{exposure:.2f}" if exposure is not None else "—"}
            for client_id, heavy, exposure in rows if client_id in visible][:limit]


def _money(amount) -> str:
    return f"{amount:,.2f}"


def client_intraday(client: Client) -> dict | None:
    """The client page's intraday panel: funds, risk degree now and its path through the day, positions by product
    with margin share, move and stress (I1–I6), as people read them. None when the client has no state on the
    current trading day."""
    days = [{"trade_date": summary.trade_date, "peak": r1_degree_as_read(summary.peak_risk_degree),
             "peak_at": summary.peak_at, "lowest": _money(summary.lowest_balance) if summary.lowest_balance is not None
             else "—", "heavy": r1_degree_as_read(summary.largest_heavy_ratio)
             if summary.largest_heavy_ratio is not None else "—", "alerts": summary.alerts}
            for summary in IntradaySummary.objects.filter(client=client, final=True).order_by("-trade_date")[:5]]
    trading_day = current_trading_day()
    account = points = None
    if trading_day is not None:
        account = IntradayAccount.objects.filter(trading_day=trading_day, account_no=client.account_no).first()
        points = list(IntradayPoint.objects.filter(trading_day=trading_day, account_no=client.account_no)
                      .order_by("sequence").values_list("taken_at", "balance", "margin"))
    if account is None and not points:
        return {"days": days, "trading_day": None} if days else None
    products: dict[str, dict] = {}
    if account is not None:
        positions = list(IntradayPosition.objects.filter(trading_day=trading_day, account_no=client.account_no)
                         .order_by("instrument", "direction"))
        quotes = {quote.instrument: quote for quote in IntradayQuote.objects.filter(
            trading_day=trading_day, instrument__in=[position.instrument for position in positions])}
        for position in positions:
            quote = quotes[position.instrument]  # I1: every position's instrument is quoted that day
            entry = products.setdefault(quote.product, {"product": quote.product, "margin": 0, "lots": [],
                                                        "profit": 0, "stress": 0, "quote": quote})
            entry["margin"] += position.margin
            entry["profit"] += position.position_profit
            entry["lots"].append(f"{position.instrument} {position.get_direction_display()} {position.volume}")
            adverse = (quote.last_price - quote.lower_limit if position.direction == "long"
                       else quote.upper_limit - quote.last_price)
            entry["stress"] += position.volume * quote.multiplier * adverse
    rows = []
    for entry in sorted(products.values(), key=lambda entry: -entry["margin"]):
        quote = entry["quote"]
        rows.append({"product": entry["product"], "lots": "；".join(entry["lots"]), "margin": _money(entry["margin"]),
                     "share": f"{entry['margin'] / account.balance:.1%}" if account.balance > 0 else "—",
                     "move": f"{(quote.last_price - quote.pre_settlement) / quote.pre_settlement:+.2%}",
                     "profit": _money(entry["profit"]), "stress": _money(-entry["stress"])})
    stressed = account.balance - sum(entry["stress"] for entry in products.values()) if account else None
    return {
        "trading_day": trading_day, "held": account is not None, "products": rows,
        "taken_at": account.taken_at if account else None,
        "equity": _money(account.balance) if account else "—", "margin": _money(account.margin) if account else "—",
        "available": _money(account.available) if account else "—",
        "degree": r1_degree_as_read(account.margin / account.balance if account.balance > 0
                                    else (None if account.margin > 0 else 0)) if account else "—",
        "stressed_equity": _money(stressed) if stressed is not None else "—",
        "stressed_negative": stressed is not None and stressed <= 0,
        "path": degree_path(points), "days": days,
    }


def degree_path(points: list[tuple]) -> dict | None:
    """The risk degree through the day as an SVG polyline (drawn by the template: no script), 0–max(120 %, peak)."""
    values = [(taken_at, margin / balance if balance > 0 else None) for taken_at, balance, margin in points]
    finite = [(taken_at, degree) for taken_at, degree in values if degree is not None]
    if not finite:
        return None
    width, height = 600, 120
    top = max(max(float(degree) for _taken_at, degree in finite), 1.2)
    first, last = finite[0][0], finite[-1][0]
    span = max((last - first).total_seconds(), 1)
    coordinates = " ".join(
        f"{(taken_at - first).total_seconds() / span * width:.1f},{height - float(degree) / top * height:.1f}"
        for taken_at, degree in finite)
    peak_at, peak = max(finite, key=lambda point: point[1])
    return {"width": width, "height": height, "points": coordinates, "first": first, "last": last,
            "peak_text": r1_degree_as_read(peak),
            "peak_at": peak_at, "warning_y": height - 0.8 / top * height, "call_y": height - 1.0 / top * height}


# I9 ---------------------------------------------------------------------------------------------------------------

@transaction.atomic
def intraday_day_close(trading_day: datetime.date) -> int:
    """The day's statements closed: each account's intraday day summarised, intraday alerts linked to the day's R2
    alerts of the same meaning, the state cleared (the path stays with the raw snapshots for 5 trading days)."""
    parameters = {"trading_day": trading_day, "kinds": tuple(INTRADAY_KINDS),
                  "pairs": tuple(sql.SAME_MEANING.items())}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('futcrm:intraday-evaluation'), hashtext(%s))",
                       [trading_day.isoformat()])
        cursor.execute(sql.SUMMARISE, parameters)
        summarised = cursor.rowcount
        cursor.execute(sql.LINK_DAY_ALERTS, parameters)
    intraday_state_clear(trading_day)  # in the same transaction: the state goes when the summary is written
    return summarised


def intraday_prune(today: datetime.date | None = None) -> int:
    """I9: raw snapshots, their points and quotes older than the last 5 trading days."""
    today = today or timezone.localdate()
    days = list(TradingDay.objects.trading().filter(date__lte=today).order_by("-date")
                .values_list("date", flat=True)[:KEEP_TRADING_DAYS])
    if len(days) < KEEP_TRADING_DAYS:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(sql.PRUNE, {"keep_from": days[-1]})
        pruned = cursor.rowcount
        cursor.execute(sql.STATE_DAYS)
        stale = {datetime.datetime.strptime(suffix, "%Y%m%d").date() for (suffix,) in cursor.fetchall()}
    for day in sorted(day for day in stale if day < days[-1]):
        intraday_state_clear(day)  # a day that never closed keeps no state beyond 5 trading days either
    return pruned
