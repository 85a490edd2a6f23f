"""A session of the counter's snapshots for the demo (issue 33 item 6): what a newcomer runs to see intraday risk
work. Each client holding equity gets positions in a few products; the session opens with a complete snapshot, then
the market drifts and one product falls steadily (-3.6 % by the end), so that its heavy long holders cross I3 + I4
and the product becomes a market event (I7). Every snapshot goes through the real endpoint
(POST /api/v1/settlement/snapshots): over HTTP to a running server (`url`), or through Django's own request
handler in this process."""

import datetime
import json
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import OuterRef, Subquery
from django.test import Client as InProcess
from django.utils import timezone

from clients.models import Client
from clients.roles import Role
from clients.scoping import staff_profile_of
from settlement.models import ApiToken, DailyStatement, IntradaySnapshot, SettlementDay, TradingDay
from settlement.services import api_token_issue


@dataclass(frozen=True)
class Instrument:
    instrument: str
    exchange: str
    product: str
    multiplier: int
    pre_settlement: Decimal
    tick: Decimal
    limit: Decimal  # the daily limit, a share of pre_settlement
    margin_rate: Decimal


INSTRUMENTS = [
    Instrument("cu2601", "SHFE", "cu", 5, Decimal("72000"), Decimal("10"), Decimal("0.07"), Decimal("0.10")),
    Instrument("al2601", "SHFE", "al", 5, Decimal("20500"), Decimal("5"), Decimal("0.07"), Decimal("0.10")),
    Instrument("rb2605", "SHFE", "rb", 10, Decimal("3200"), Decimal("1"), Decimal("0.07"), Decimal("0.10")),
    Instrument("i2605", "DCE", "i", 100, Decimal("780"), Decimal("0.5"), Decimal("0.10"), Decimal("0.13")),
    Instrument("m2605", "DCE", "m", 10, Decimal("2950"), Decimal("1"), Decimal("0.07"), Decimal("0.09")),
    Instrument("SR605", "CZCE", "SR", 10, Decimal("5600"), Decimal("1"), Decimal("0.07"), Decimal("0.09")),
    Instrument("au2602", "SHFE", "au", 1000, Decimal("620"), Decimal("0.02"), Decimal("0.08"), Decimal("0.10")),
    Instrument("IF2512", "CFFEX", "IF", 300, Decimal("3900"), Decimal("0.2"), Decimal("0.10"), Decimal("0.12")),
]
FALLING = "cu"  # the product whose fall the session shows
FALL = Decimal("-0.036")
CENT = Decimal("0.01")


def simulated_trading_day(today: datetime.date | None = None) -> datetime.date | None:
    """The trading day a session is replayed for: today when it is a trading day not yet closed, else the next
    trading day (the counter's night session already belongs to it)."""
    today = today or timezone.localdate()
    closed = set(SettlementDay.objects.filter(status=SettlementDay.Status.CLOSED, trade_date__gte=today)
                 .values_list("trade_date", flat=True))
    for day in TradingDay.objects.trading().filter(date__gte=today).order_by("date").values_list("date", flat=True)[:2]:
        if day not in closed:
            return day
    return None


def _tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).quantize(Decimal(1), rounding=ROUND_HALF_UP) * tick


@dataclass
class Holding:
    account_no: str
    pre_balance: Decimal
    positions: list  # (Instrument, direction, volume, open_price)


class Session:
    """The market and the accounts of one replayed session; `snapshots()` yields the bodies to push."""

    def __init__(self, trading_day: datetime.date, *, steps: int, seed: int = 7, limit: int | None = None):
        self.day, self.steps, self.random = trading_day, steps, random.Random(seed)
        self.prices = {item.instrument: item.pre_settlement for item in INSTRUMENTS}
        self.holdings = self._holdings(limit)

    def _holdings(self, limit: int | None) -> list[Holding]:
        """Clients with equity in their latest statement, each with one to three products; about one in six heavy in
        the falling product (its margin about 55 % of equity, held long), the others lightly (3–10 % each)."""
        latest = DailyStatement.objects.filter(client=OuterRef("pk")).order_by("-trade_date")
        clients = (Client.objects.open()
                   .annotate(equity=Subquery(latest.values("balance")[:1])).filter(equity__gt=10_000)
                   .order_by("account_no"))
        if limit:
            clients = clients[:limit]
        holdings = []
        falling = next(item for item in INSTRUMENTS if item.product == FALLING)
        for client in clients:
            equity = Decimal(client.equity)
            positions = []
            if self.random.random() < 0.18:
                share = Decimal(self.random.uniform(0.52, 0.58))
                lot_margin = falling.pre_settlement * falling.multiplier * falling.margin_rate
                lots = max(1, int(equity * share / lot_margin))
                positions.append((falling, "long", lots, falling.pre_settlement))
            for item in self.random.sample(INSTRUMENTS, self.random.randint(1, 2)):
                if item.product == FALLING and positions:
                    continue
                notional = item.pre_settlement * item.multiplier
                lots = int(equity * Decimal(self.random.uniform(0.03, 0.10)) / (notional * item.margin_rate))
                if lots < 1:
                    continue
                positions.append((item, self.random.choice(["long", "short"]), lots, item.pre_settlement))
            holdings.append(Holding(client.account_no, equity, positions))
        return holdings

    def _move(self, step: int) -> None:
        for item in INSTRUMENTS:
            if item.product == FALLING:
                target = item.pre_settlement * (1 + FALL * step / self.steps)
            else:
                drift = Decimal(self.random.uniform(-0.004, 0.004))
                target = self.prices[item.instrument] * (1 + drift)
            low, high = item.pre_settlement * (1 - item.limit), item.pre_settlement * (1 + item.limit)
            self.prices[item.instrument] = _tick(min(max(target, low), high), item.tick)

    def _quote(self, item: Instrument) -> dict:
        return {"instrument": item.instrument, "exchange": item.exchange, "product": item.product,
                "multiplier": item.multiplier, "last_price": str(self.prices[item.instrument]),
                "pre_settlement": str(item.pre_settlement),
                "upper_limit": str(_tick(item.pre_settlement * (1 + item.limit), item.tick)),
                "lower_limit": str(_tick(item.pre_settlement * (1 - item.limit), item.tick))}

    def _account(self, holding: Holding) -> tuple[dict, list[dict]]:
        positions, profit, margin = [], Decimal(0), Decimal(0)
        for item, direction, lots, opened in holding.positions:
            last = self.prices[item.instrument]
            gain = (last - opened) * lots * item.multiplier * (1 if direction == "long" else -1)
            held = (last * lots * item.multiplier * item.margin_rate).quantize(CENT)
            profit, margin = profit + gain, margin + held
            positions.append({"account_no": holding.account_no, "instrument": item.instrument,
                              "direction": direction, "hedge": "speculation", "volume": lots, "today_volume": 0,
                              "margin": str(held), "exchange_margin": str((held * Decimal("0.8")).quantize(CENT)),
                              "position_profit": str(gain.quantize(CENT)), "open_cost": "0.00"})
        profit = profit.quantize(CENT)
        balance = holding.pre_balance + profit
        funds = {"account_no": holding.account_no, "pre_balance": str(holding.pre_balance), "deposit": "0.00",
                 "withdrawal": "0.00", "close_profit": "0.00", "position_profit": str(profit),
                 "commission": "0.00", "balance": str(balance), "margin": str(margin),
                 "exchange_margin": str((margin * Decimal("0.8")).quantize(CENT)), "frozen_margin": "0.00",
                 "available": str(balance - margin)}
        return funds, positions

    def taken_at(self, step: int) -> datetime.datetime:
        """Through the morning session: 09:00 to 11:30 of the trading day."""
        opens = timezone.make_aware(datetime.datetime.combine(self.day, datetime.time(9, 0, 5)))
        return opens + datetime.timedelta(seconds=int(9000 * step / max(self.steps, 1)))

    def snapshots(self, first_sequence: int):
        """The session's bodies: a complete snapshot, then deltas of the accounts the moves touched."""
        for step in range(self.steps + 1):
            if step:
                self._move(step)
            accounts, positions = [], []
            for holding in self.holdings:
                funds, held = self._account(holding)
                accounts.append(funds)
                positions.extend(held)
            yield {"trading_day": self.day.isoformat(), "taken_at": self.taken_at(step).isoformat(),
                   "sequence": first_sequence + step, "complete": step == 0,
                   "quotes": [self._quote(item) for item in INSTRUMENTS],
                   "accounts": accounts, "positions": positions}


def settlement_token() -> str:
    """A settlement:write token of the settlement system's account (the demo has one)."""
    from clients.models import StaffProfile

    system = StaffProfile.objects.filter(role=Role.SETTLEMENT_SYSTEM).select_related("user").first()
    user = system.user if system else None
    if user is None or staff_profile_of(user) is None:
        raise RuntimeError("no settlement-system account: load the demo first (seed_demo)")
    number = ApiToken.objects.filter(name__startswith="盘中模拟").count() + 1  # the name is data, read by head office
    _record, token = api_token_issue(name=f"盘中模拟 #{number}", scopes=["settlement:write"], user=user)
    return token


def push(body: dict, token: str, url: str | None) -> tuple[int, dict]:
    raw = json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if url:
        request = urllib.request.Request(url.rstrip("/") + "/api/v1/settlement/snapshots", data=raw,  # noqa: S310
                                         headers=headers, method="POST")
        for attempt in range(60):  # a server still starting (dev.py start launches both at once)
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own server
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read() or b"{}")
            except urllib.error.URLError:
                if attempt == 59:
                    raise
                time.sleep(1)
    response = InProcess(HTTP_HOST="127.0.0.1").post("/api/v1/settlement/snapshots", raw,
                                                     content_type="application/json",
                                                     HTTP_AUTHORIZATION=headers["Authorization"])
    return response.status_code, response.json()


def next_sequence(trading_day: datetime.date) -> int:
    last = IntradaySnapshot.objects.filter(trading_day=trading_day).order_by("-sequence").first()
    return (last.sequence + 1) if last else 1
