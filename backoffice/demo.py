"""Deterministic demo data (issue 2): branches, staff of every role, clients with a realistic spread of wealth
and daily statements that satisfy the settlement balance identity. Used by `manage.py seed_demo`."""

import csv
import datetime
import io
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from clients import pii
from clients.models import Branch, Client, StaffProfile
from clients.roles import Role
from clients.services import staff_profile_save
from settlement.models import DailyStatement, TradingDay
from settlement.services import statement_month_totals

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海峰晓东春梅文斌宏亮"
INSTITUTION_WORDS = ["华信", "中泰", "鼎盛", "汇金", "恒远", "瑞丰", "博源", "嘉禾", "宏达", "天成"]
BRANCHES = [
    ("BJ01", "北京营业部", "11"), ("SH01", "上海营业部", "31"), ("SZ01", "深圳营业部", "44"),
    ("HZ01", "杭州营业部", "33"), ("ZZ01", "郑州营业部", "41"),
]  # fmt: skip


@dataclass(frozen=True)
class Segment:
    """A slice of the client base: share of clients, equity range in yuan, trading activity."""

    name: str
    share: float
    equity: tuple[int, int]
    trades_per_month: float  # expected trading days per month
    lots: tuple[int, int]
    commission_per_lot_cents: tuple[int, int]


# Most accounts are small; a handful are diamond-level (domain T4).
SEGMENTS = [
    Segment("diamond", 0.003, (12_000_000, 60_000_000), 18, (50, 400), (1_500, 4_000)),
    Segment("platinum", 0.007, (5_500_000, 9_500_000), 15, (20, 150), (1_000, 3_000)),
    Segment("gold", 0.03, (1_200_000, 4_500_000), 12, (5, 60), (800, 2_500)),
    Segment("quality", 0.06, (550_000, 950_000), 10, (2, 20), (500, 2_000)),
    Segment("effective", 0.55, (2_000, 450_000), 6, (1, 10), (300, 1_500)),
    Segment("dormant", 0.15, (0, 900), 0, (0, 0), (0, 0)),
    Segment("new", 0.20, (0, 30_000), 0.5, (1, 3), (300, 1_000)),
]


def _cents(value: int) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def _id_card(rng: random.Random, province: str, birth: datetime.date) -> str:
    first_17 = f"{province}{rng.randint(1, 20):02d}{rng.randint(1, 30):02d}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return first_17 + pii.id_card_check_character(first_17)


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"


class DemoSeeder:
    def __init__(self, *, clients: int, months: int, seed: int, end_date: datetime.date, password: str,
                 progress: Callable[[int, str], Callable[[int], None]]):
        self.client_count = clients
        self.months = months
        self.rng = random.Random(seed)
        self.end_date = end_date
        self.password = password
        self.progress = progress

    # --- people ------------------------------------------------------------------------------------------------
    def _user(self, username: str, full_name: str, **flags):
        user = get_user_model()(username=username, first_name=full_name, **flags)
        user.set_password(self.password)
        user.save()
        return user

    def _staff(self, username: str, full_name: str, role: str, branch: Branch | None, code: str) -> StaffProfile:
        user = self._user(username, full_name)
        phone = f"010-{self.rng.randint(60000000, 69999999)}"
        return staff_profile_save(StaffProfile(user=user, role=role, branch=branch, staff_code=code,
                                               full_name=full_name, phone=phone))

    def _person_name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice([1, 2])))

    def seed_people(self) -> tuple[list[Branch], dict[int, list[StaffProfile]]]:
        branches = [Branch.objects.create(code=code, name=name, phone=f"400-800-{index:04d}")
                    for index, (code, name, _province) in enumerate(BRANCHES, start=1)]
        self._staff("head_office", "总部经理", Role.HEAD_OFFICE, None, "HQ001")
        self._staff("settlement", "结算系统", Role.SETTLEMENT_SYSTEM, None, "SYS001")
        self._staff("analyst", "王研究员", Role.ANALYST, None, "RES001")  # S18–S19: research and its review
        self._staff("chief_analyst", "陈首席", Role.CHIEF_ANALYST, None, "RES000")
        self._staff("compliance", "李合规", Role.COMPLIANCE, None, "CMP001")
        advisors_per_branch = max(2, self.client_count // (len(branches) * 150))
        advisors: dict[int, list[StaffProfile]] = {}
        for branch in branches:
            prefix = branch.code.lower()
            self._staff(f"{prefix}_manager", self._person_name(), Role.BRANCH_MANAGER, branch, f"{branch.code}M1")
            self._staff(f"{prefix}_risk", self._person_name(), Role.RISK_OFFICER, branch, f"{branch.code}R1")
            for number in (1, 2):
                self._staff(f"{prefix}_service{number}", self._person_name(), Role.SERVICE_STAFF, branch,
                            f"{branch.code}S{number}")
            advisors[branch.pk] = [
                self._staff(f"{prefix}_advisor{number}", self._person_name(), Role.ADVISOR, branch,
                            f"{branch.code}A{number}")
                for number in range(1, advisors_per_branch + 1)
            ]
        return branches, advisors

    # --- clients -----------------------------------------------------------------------------------------------
    def _segment(self) -> Segment:
        return self.rng.choices(SEGMENTS, weights=[segment.share for segment in SEGMENTS])[0]

    def seed_clients(self, branches, advisors, first_day: datetime.date) -> list[tuple[Client, Segment]]:
        rng = self.rng
        made: list[tuple[Client, Segment]] = []
        tick = self.progress(self.client_count, "clients")
        for number in range(1, self.client_count + 1):
            segment = self._segment()
            branch = rng.choice(branches)
            province = BRANCHES[branches.index(branch)][2]
            if segment.name == "new":
                opened = first_day + datetime.timedelta(days=rng.randint(-20, max(0, (self.end_date - first_day).days)))
            elif segment.name == "dormant":
                opened = first_day - datetime.timedelta(days=rng.randint(400, 3000))
            else:
                opened = first_day - datetime.timedelta(days=rng.randint(30, 3000))
            institution = segment.name in {"diamond", "platinum"} and rng.random() < 0.4
            client = Client(
                account_no=f"{8000_0000 + number}",
                name=(f"{rng.choice(INSTITUTION_WORDS)}{rng.choice(['投资', '资产管理', '贸易'])}有限公司"
                      if institution else self._person_name()),
                client_type=Client.ClientType.INSTITUTION if institution else Client.ClientType.INDIVIDUAL,
                branch=branch,
                opened_on=opened,
                id_type=Client.IdType.BUSINESS_LICENSE if institution else Client.IdType.ID_CARD,
                advisor=rng.choice(advisors[branch.pk]) if rng.random() < 0.9 else None,
                marketer=rng.choice(advisors[branch.pk]),
                investor_category=(Client.InvestorCategory.PROFESSIONAL
                                   if institution or (segment.equity[0] >= 5_000_000 and rng.random() < 0.5)
                                   else Client.InvestorCategory.ORDINARY),
                risk_tolerance=rng.choice(["C3", "C4", "C5"] if segment.trades_per_month >= 10 else ["C1", "C2", "C3"]),
                marketing_opt_in=rng.random() < 0.6,
                # The master's last trade before the seeded days: days before them for those who trade, none for
                # the dormant and the new (statements_last_trade then sets it from the seeded days, issue 36).
                last_trade_date=(None if segment.name in {"new", "dormant"}
                                 else max(opened, first_day - datetime.timedelta(days=rng.randint(1, 10)))),
            )
            if institution:
                client.set_id_number(f"91{rng.randint(10**15, 10**16 - 1)}")
                client.set_phone(f"0{rng.randint(10, 99)}-{rng.randint(60000000, 89999999)}")
            else:
                birth = datetime.date(rng.randint(1955, 2002), rng.randint(1, 12), rng.randint(1, 28))
                client.set_id_number(_id_card(rng, province, birth))
                client.set_phone(_mobile(rng))
            if segment.name == "effective" and rng.random() < 0.03:
                client.closed_on = self.end_date - datetime.timedelta(days=rng.randint(1, 60))
                client.closed_on = max(client.closed_on, opened)
            made.append((client, segment))
            tick(1)
        Client.objects.bulk_create([client for client, _segment in made], batch_size=1000)
        return made

    # --- statements --------------------------------------------------------------------------------------------
    def seed_statements(self, clients, trading_days: list[datetime.date]) -> int:
        """Walk each account through the trading days; every row satisfies balance = pre_balance + deposit −
        withdrawal + close_profit + position_profit − commission + other_adjustments, computed in integer cents."""
        rng = self.rng
        columns = ["trade_date", "client_id", "pre_balance", "deposit", "withdrawal", "close_profit",
                   "position_profit", "commission", "other_adjustments", "balance", "margin", "exchange_margin",
                   "available", "trade_volume", "position_volume", "margin_call", "forced_liquidation"]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        rows = 0
        tick = self.progress(len(clients), "statements")
        for client, segment in clients:
            balance = rng.randint(*segment.equity) * 100
            positions = 0
            trade_probability = segment.trades_per_month / 21
            for day in trading_days:
                if day < client.opened_on or (client.closed_on and day > client.closed_on):
                    continue
                pre_balance = balance
                deposit = withdrawal = close_profit = position_profit = commission = 0
                trades = 0
                if rng.random() < 0.02:
                    deposit = rng.randint(1, max(2, segment.equity[1] // 10)) * 100
                elif rng.random() < 0.02 and balance > 0:
                    withdrawal = rng.randint(0, balance // 5)
                if rng.random() < trade_probability:
                    trades = rng.randint(*segment.lots)
                    commission = trades * rng.randint(*segment.commission_per_lot_cents)
                    close_profit = int(rng.gauss(0, max(balance, 0) * 0.01))
                    positions = max(0, positions + rng.randint(-trades, trades))
                if positions:
                    position_profit = int(rng.gauss(0, max(balance, 0) * 0.008))
                balance = pre_balance + deposit - withdrawal + close_profit + position_profit - commission
                utilisation = rng.uniform(0.05, 0.7) if positions else 0
                if positions and rng.random() < 0.01:
                    utilisation = rng.uniform(0.8, 1.2)  # the occasional stretched account, for risk alerts later
                margin = int(max(balance, 0) * utilisation)
                exchange_margin = int(margin * 0.8)
                writer.writerow([
                    day.isoformat(), client.pk, _cents(pre_balance), _cents(deposit), _cents(withdrawal),
                    _cents(close_profit), _cents(position_profit), _cents(commission), "0.00", _cents(balance),
                    _cents(margin), _cents(exchange_margin), _cents(balance - margin), trades, positions,
                    "t" if margin > balance else "f", "f",
                ])  # fmt: skip
                rows += 1
            tick(1)
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {DailyStatement._meta.db_table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer
            )
        return rows

    def statements_last_trade(self) -> None:
        """The master's last trade date agrees with the statements (issue 36: a client trading every day was on the
        key-monitoring list for two months without trading, R3, because the demo's master said it last traded
        years ago): the last seeded day with a trade, where there is one."""
        with connection.cursor() as cursor:
            cursor.execute("""
                UPDATE clients_client AS client SET last_trade_date = traded.day
                FROM (SELECT client_id, max(trade_date) AS day FROM settlement_dailystatement
                      WHERE trade_volume > 0 GROUP BY client_id) AS traded
                WHERE traded.client_id = client.id""")

    def close_days(self, trading_days) -> None:
        """The settlement system closed every seeded day with matching control totals."""
        with connection.cursor() as cursor:
            cursor.execute("""
                INSERT INTO settlement_settlementday (trade_date, status, row_count, total_balance, total_commission,
                                                     closed_at)
                SELECT trade_date, 'closed', count(*), sum(balance), sum(commission), now()
                FROM settlement_dailystatement WHERE trade_date = ANY(%s) GROUP BY trade_date
                ON CONFLICT (trade_date) DO NOTHING""", [trading_days])
        for day in trading_days:  # as each close does: the day joins its month's totals (tier engine)
            statement_month_totals(day, include=True)

    @transaction.atomic
    def run(self) -> dict:
        month_start = self.end_date.replace(day=1)
        for _ in range(self.months):
            month_start = (month_start - datetime.timedelta(days=1)).replace(day=1)
        trading_days = list(TradingDay.objects.between(month_start, self.end_date).values_list("date", flat=True))
        with connection.cursor() as cursor:
            for month in {day.replace(day=1) for day in trading_days}:
                cursor.execute("SELECT futcrm_ensure_statement_partition(%s)", [month])
        branches, advisors = self.seed_people()
        clients = self.seed_clients(branches, advisors, month_start)
        rows = self.seed_statements(clients, trading_days)
        self.statements_last_trade()
        self.close_days(trading_days)
        return {"branches": len(branches), "clients": len(clients), "statements": rows,
                "trading_days": len(trading_days), "first_day": month_start, "last_day": self.end_date}
