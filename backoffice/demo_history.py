"""A demo that looks like a working day (issue 15 item 5): once the seeded days are closed, graded and evaluated,
the service centre's past is written in their place. Alerts of past days are raised the evening of their trade day
and worked by their advisors (acknowledged, contacted, resolved; a few late, escalated, some still open), contact
records follow the weekly plans with some clients behind, complaints are in every state, survey answers and
broadcasts with their deliveries fill the months. Today's alerts stay open. Deterministic for a seed."""

import collections
import datetime
import logging
import random

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from acquisition.events import (
    check_in,
    event_create,
    event_invite,
    events_follow_up,
    invitations_send,
    register_by_link,
)
from acquisition.models import Attribution, EventGuest, Prospect
from acquisition.referrers import attributions_open, referrer_create
from acquisition.services import appointment_book, prospect_create, prospect_move
from clients.models import Client, StaffProfile
from clients.roles import Role
from core.errors import DomainError
from research.models import Delivery, Kind, Product
from research.services import (
    delivery_open,
    distribution_create,
    distribution_send,
    publication_create,
    publication_review,
    publication_submit,
    question_answer,
    question_from_link,
    version_write,
)
from risk.models import Alert, AlertEvent
from service_desk.models import SurveyInvitation, Ticket, TicketCategory
from service_desk.services import (
    article_write,
    call_event_record,
    sla_sweep,
    ticket_deadlines_refresh,
    ticket_open,
    ticket_step,
)
from service_desk.surveys import invitation_token, survey_answer
from service_log.models import Broadcast, Complaint, ContactRecord, MessageTemplate, SmsDelivery, SurveyResponse
from service_log.services import information_gaps_write
from settlement.models import TradingDay
from tiering.models import VIP_TIERS
from tiering.selectors import in_current_tiers
from visits.models import ReturnVisit, VisitAnswer, VisitAttempt
from visits.services import script_in_force, visit_attempt_record, visits_owe

URGENT = {Alert.Kind.MARGIN_CALL, Alert.Kind.NEGATIVE_EQUITY, Alert.Kind.FORCED_LIQUIDATION}  # R6: 60 minutes
RAISED_AT = datetime.time(17, 30)  # the close's evaluation, the evening of the trade day
CONTACT_SUMMARIES = ["电话沟通近期行情与持仓风险", "提醒关注保证金变化", "介绍交易软件新功能", "了解客户近期交易计划",
                     "节前风险提示", "回访开户后交易情况", "解答银期转账问题"]
ALERT_SUMMARIES = {Alert.Kind.MARGIN_CALL: "电话通知追加保证金，客户表示当日入金",
                   Alert.Kind.RISK_WARNING: "提醒风险度偏高，客户将适当减仓",
                   Alert.Kind.LARGE_LOSS: "了解大额亏损情况，提示止损纪律",
                   Alert.Kind.LARGE_FUND_MOVEMENT: "核实大额出入金为本人操作"}
RESOLUTIONS = ["客户已入金，风险度回落到正常水平", "客户减仓后风险度回落", "已核实，无异常", "客户已知悉风险，继续关注"]
COMPLAINT_TEXTS = [("service", "热线等待时间过长"), ("fees", "对手续费标准有疑问"),
                   ("trading_system", "交易软件登录缓慢"), ("account", "银期转账到账延迟")]
SURVEY = "2026年第四季度满意度回访"
KNOWLEDGE = [
    ("trading_software", "交易软件无法登录", "登录失败 密码错误 连接失败",
     "1. 确认输入的是资金账号与交易密码；2. 连续输错密码账户会被锁定，请客户致电客服热线解锁或临柜重置；"
     "3. 提示连接失败时，请切换交易站点或检查网络。"),
    ("bank_transfer", "银期转账显示成功但资金未到账", "转账 未到账 入金 出金",
     "银期转账在交易时段内实时到账。显示成功但未到账时，请客户先核对银行账户余额，再在交易软件中查询转账流水；"
     "银行系统延迟一般在30分钟内恢复。节假日前一晚不能转账。"),
    ("funds", "出金时间与每日限额", "出金 取款 限额 时间",
     "出金可在交易日 9:00–15:30 办理；可出金额为可用资金扣除当日平仓盈利后的余额，单日限额以银行规定为准。"),
    ("margin_call", "追加保证金与强行平仓规则", "追保 强平 爆仓 风险度",
     "风险度达到100%时，公司发出追加保证金通知，客户须在规定时间内追加保证金或自行减仓；"
     "未按时追加的，公司有权按合同约定强行平仓。"),
    ("account", "开通期权交易权限的条件", "期权 开户 适当性 权限",
     "开通期权需满足适当性要求：资金、知识测试、交易经历等，请客户携带身份证到营业部或预约视频见证办理。"),
    ("market_research", "获取研究所日评与周报", "研究报告 日评 周评 行情",
     "研究所每个交易日发布日评、每周发布周评；客户可在公司官网研究频道或由投资顾问发送获取。"),
]
TICKET_TEXTS = [("trading_software", "交易软件登录提示密码错误", "已指导重置交易密码并成功登录"),
                ("bank_transfer", "银期转账显示成功但资金未到账", "银行端延迟，已到账并告知客户"),
                ("funds", "咨询出金时间与额度", "已说明出金时间与每日额度"),
                ("margin_call", "收到追保通知，询问强平规则", "已说明追保时限与强平规则"),
                ("account", "询问开通期权交易权限的条件", "已说明适当性要求并预约临柜办理"),
                ("market_research", "希望获取螺纹钢研究报告", "已发送研究所周报"),
                ("suggestion", "建议交易软件增加条件单", "已转交信息技术部评估")]


PROSPECTS = [  # name, source, interests, stages reached by hand (the last "lost" with its reason)
    ("林晓东", "event", "股指期货、期权", ["contacted", "appointment"]),
    ("何佳琪", "referral", "黄金", ["contacted"]),
    ("宋志远", "introducing_broker", "螺纹钢、铁矿石", ["contacted", "appointment"]),
    ("唐雨桐", "website", "原油", []),
    ("韩立新", "marketer", "铜、铝", ["contacted", "lost"]),
    ("冯思源", "walk_in", "国债期货", ["contacted"]),
]


RESEARCH = [  # kind, title, products (SHFE/DCE/CFFEX codes), risk level, body
    (Kind.DAILY, "有色金属日评：铜价高位震荡", ["cu", "al"], "R2",
     "## 行情回顾\n\n沪铜主力合约今日高位震荡，LME库存继续回落，现货升水维持。\n\n## 观点\n\n"
     "短期以震荡思路对待，关注下游开工与美元走势，注意控制仓位。"),
    (Kind.TIP, "沪金交易机会提示", ["au"], "R3",
     "美元指数回落，避险需求升温，沪金短线偏强，可关注回调后的机会，严格控制仓位与风险。"),
    (Kind.WEEKLY, "黑色系周评：螺纹钢需求淡季", ["rb", "i"], "R3",
     "本周螺纹钢表观需求环比下降，库存小幅累积；铁矿石港口库存回升。下周关注限产政策落地情况。"),
]


def _local(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


class DemoHistory:
    def __init__(self, *, seed: int, today: datetime.date | None = None):
        self.rng = random.Random(seed * 7919 + 1)
        self.today = today or timezone.localdate()
        self.trading_days = list(TradingDay.objects.trading().filter(date__lte=self.today).order_by("date")
                                 .values_list("date", flat=True))
        self.head_office = StaffProfile.objects.filter(role=Role.HEAD_OFFICE).select_related("user").first()

    def _next_trading_day(self, day: datetime.date) -> datetime.date:
        later = [other for other in self.trading_days if other > day]
        return later[0] if later else day + datetime.timedelta(days=1)

    def alerts(self) -> dict:
        """R5/R6 as a working desk leaves them: past days' alerts raised that evening, most answered in time, a few
        late (escalated at their deadline), some still open; the latest day's alerts are today's work."""
        latest = Alert.objects.aggregate(day=Max("trade_date"))["day"]
        past = list(Alert.objects.filter(trade_date__lt=latest).select_related("client", "assigned_to")
                    .order_by("pk"))
        events, worked, counts = [], [], {"in time": 0, "late": 0, "still open": 0}
        for alert in past:
            alert.raised_at = _local(alert.trade_date, RAISED_AT)
            alert.due_at = (alert.raised_at + datetime.timedelta(minutes=60) if alert.kind in URGENT
                            else _local(self._next_trading_day(alert.trade_date), datetime.time(23, 59)))
            staff = alert.assigned_to or alert.client.advisor
            draw = self.rng.random()
            if staff is None or draw > 0.95:
                counts["still open"] += 1
                alert.status, alert.escalated = Alert.Status.OPEN, alert.due_at < timezone.now()
                if alert.escalated:
                    events.append((alert.pk, AlertEvent.Action.ESCALATED, None, alert.due_at, "overdue (R6)"))
                continue
            late = draw > 0.88
            window = (alert.due_at - alert.raised_at).total_seconds()
            acknowledged = alert.raised_at + datetime.timedelta(seconds=window * self.rng.uniform(0.05, 0.3))
            contacted = (alert.due_at + datetime.timedelta(minutes=self.rng.randint(10, 240)) if late
                         else acknowledged + datetime.timedelta(seconds=window * self.rng.uniform(0.05, 0.5)))
            resolved = contacted + datetime.timedelta(hours=self.rng.uniform(0.5, 20))
            alert.status, alert.resolution_note, alert.escalated = (Alert.Status.RESOLVED,
                                                                    self.rng.choice(RESOLUTIONS), late)
            contact = ContactRecord(client=alert.client, staff=staff, alert=alert, contacted_at=contacted,
                                    channel="phone", direction="outbound", category="risk_notice",
                                    summary=ALERT_SUMMARIES.get(alert.kind, "电话告知风险情况"))
            worked.append((alert, staff, acknowledged, contact, resolved, late))
            counts["late" if late else "in time"] += 1
        Alert.objects.bulk_update(past, ["raised_at", "due_at", "status", "resolution_note", "escalated"],
                                  batch_size=1000)
        ContactRecord.objects.bulk_create([contact for _a, _s, _t, contact, _r, _l in worked], batch_size=1000)
        for alert, staff, acknowledged, contact, resolved, late in worked:  # R5's steps, with who and when
            events.append((alert.pk, AlertEvent.Action.ACKNOWLEDGED, staff.user_id, acknowledged, ""))
            if late:
                events.append((alert.pk, AlertEvent.Action.ESCALATED, None, alert.due_at, "overdue (R6)"))
            events.append((alert.pk, AlertEvent.Action.CONTACTED, staff.user_id, contact.contacted_at,
                           f"contact record {contact.pk}"))
            events.append((alert.pk, AlertEvent.Action.RESOLVED, staff.user_id, resolved, alert.resolution_note))
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO risk_alertevent (alert_id, action, actor_id, at, note) "
                               "VALUES (%s, %s, %s, %s, %s)", events)
        today = Alert.objects.filter(trade_date=latest)
        for alert in today:  # raised this evening's close, or this morning when the day closed late
            alert.raised_at = min(_local(latest, RAISED_AT), timezone.now())
        Alert.objects.bulk_update(list(today), ["raised_at"], batch_size=1000)
        return counts

    def contact_plans(self) -> int:
        """S2 as it goes: VIP clients called about three times a week by their advisor, a few of them behind; a
        follow-up date on some calls, some of them due by now."""
        vips = list(in_current_tiers(Client.objects.open(), VIP_TIERS).filter(advisor__isnull=False)
                    .select_related("advisor").order_by("pk"))
        monday = self.today - datetime.timedelta(days=self.today.weekday())
        contacts = []
        for client in vips:
            behind = self.rng.random() < 0.25
            for weeks_back in range(12, -1, -1):
                week = monday - datetime.timedelta(weeks=weeks_back)
                calls = self.rng.randint(0, 2) if behind else self.rng.randint(2, 4)
                for _ in range(calls):
                    day = week + datetime.timedelta(days=self.rng.randint(0, 4))
                    if day > self.today:
                        continue
                    at = _local(day, datetime.time(self.rng.randint(9, 16), self.rng.randint(0, 59)))
                    if at > timezone.now():
                        continue
                    follow_up = (day + datetime.timedelta(days=self.rng.randint(3, 14))
                                 if self.rng.random() < 0.1 else None)
                    contacts.append(ContactRecord(
                        client=client, staff=client.advisor, contacted_at=at, channel=self.rng.choice(
                            ["phone", "phone", "wechat"]), direction="outbound",
                        category=self.rng.choice(["guidance", "account_service", "greeting"]),
                        summary=self.rng.choice(CONTACT_SUMMARIES), next_follow_up=follow_up))
        ContactRecord.objects.bulk_create(contacts, batch_size=2000)
        return len(contacts)

    def complaints(self) -> int:
        """S7 in every state: received (one late), acknowledged, resolved with root cause and compensation."""
        clients = list(Client.objects.open().order_by("pk")[:400])
        staff = StaffProfile.objects.filter(role=Role.SERVICE_STAFF).first()
        rows = []
        for number in range(12):
            client = self.rng.choice(clients)
            category, text = self.rng.choice(COMPLAINT_TEXTS)
            received = timezone.now() - datetime.timedelta(hours=[3, 30, 50, 120, 200, 300, 400, 500, 600, 700,
                                                                   800, 900][number])
            complaint = Complaint(client=client, channel="phone", category=category, description=text,
                                  severity=self.rng.choice(["low", "medium", "high"]), received_at=received,
                                  acknowledge_by=received + Complaint.ACKNOWLEDGE_WITHIN,
                                  resolve_by=received + Complaint.RESOLVE_WITHIN, handled_by=staff)
            if number % 3 == 1:
                complaint.status, complaint.acknowledged_at = Complaint.Status.ACKNOWLEDGED, received + \
                    datetime.timedelta(hours=4)
            elif number % 3 == 2:
                complaint.status = Complaint.Status.RESOLVED
                complaint.acknowledged_at = received + datetime.timedelta(hours=2)
                complaint.resolved_at = received + datetime.timedelta(days=self.rng.randint(1, 10))
                complaint.root_cause, complaint.resolution = "流程说明不清", "已向客户解释并改进话术"
                complaint.compensation = self.rng.choice([0, 0, 50])
            rows.append(complaint)
        Complaint.objects.bulk_create(rows)
        return len(rows)

    def surveys(self) -> int:
        """S8: answers over the last two months, mostly satisfied."""
        clients = list(Client.objects.open().filter(advisor__isnull=False).order_by("pk")[:600])
        rows = []
        for client in self.rng.sample(clients, min(150, len(clients))):
            score = self.rng.choices([5, 4, 3, 2, 1], weights=[50, 30, 12, 5, 3])[0]
            rows.append(SurveyResponse(client=client, survey=SURVEY, score=score, advisor=client.advisor,
                                       answered_at=timezone.now() - datetime.timedelta(
                                           days=self.rng.randint(1, 60), hours=self.rng.randint(0, 8))))
        SurveyResponse.objects.bulk_create(rows)
        return len(rows)

    def broadcasts(self) -> int:
        """S4: the day's information sent to opted-in clients on a few recent trading days, with deliveries."""
        template = MessageTemplate.objects.filter(code="daily_info").first()
        author = self.head_office.user if self.head_office else get_user_model().objects.filter(
            is_superuser=True).first()
        if template is None or author is None:
            return 0
        opted_in = list(Client.objects.open().filter(marketing_opt_in=True).order_by("pk")[:300])
        sent = 0
        for day in self.trading_days[-4:-1]:
            text = f"{day:%m月%d日}早间资讯：关注宏观数据公布对股指期货的影响，注意控制仓位风险。"
            broadcast = Broadcast.objects.create(text=text, created_by=author, trade_date=day,
                                                 recipients=len(opted_in), delivered=len(opted_in))
            SmsDelivery.objects.bulk_create([SmsDelivery(
                client=client, template=template, broadcast=broadcast, sent_on=day, status=SmsDelivery.Status.SENT,
                text=f"【期货公司】{text}", gateway_id=f"demo-{broadcast.pk}-{client.pk}") for client in opted_in])
            sent += len(opted_in)
        return sent

    def knowledge_base(self) -> int:
        """S14: the desk's standard answers, one or two a category."""
        author = StaffProfile.objects.filter(role=Role.SERVICE_STAFF).select_related("user").first()
        if author is None:
            return 0
        categories = {category.code: category.pk for category in TicketCategory.objects.all()}
        for code, title, keywords, body in KNOWLEDGE:
            article_write(user=author.user, category_id=categories[code], title=title, keywords=keywords, body=body)
        return len(KNOWLEDGE)

    def tickets(self) -> int:
        """S11–S13: the hotline's tickets of the last weeks through the desk's own services (opened by a call or at
        the desk, answered, some waiting for the client, most resolved, a few reopened), and today's calls."""
        desk = list(StaffProfile.objects.filter(role=Role.SERVICE_STAFF).select_related("user").order_by("pk"))
        if not desk:
            return 0
        categories = {category.code: category for category in TicketCategory.objects.all()}
        now, opened = timezone.now(), 0
        for number in range(60):
            staff = desk[number % len(desk)]
            client = (Client.objects.open().filter(branch_id=staff.branch_id).order_by("pk")
                      [self.rng.randint(0, 150):].first())
            if client is None:
                continue
            code, subject, solution = self.rng.choice(TICKET_TEXTS)
            day = self.trading_days[-1 - self.rng.randint(0, 15)] if number >= 8 else self.trading_days[-1]
            at = min(_local(day, datetime.time(self.rng.randint(9, 14), self.rng.randint(0, 59))), now)
            user = staff.user
            if number % 3 == 0 and client.phone_ciphertext:
                call, _created = call_event_record(call_id=f"DEMO-{number:05d}", called_line="95xxx 客服热线",
                                                   caller_number=client.decrypted_phone(),
                                                   staff_code=staff.staff_code, at=at,
                                                   recording_ref=f"rec://demo/{day:%Y%m%d}/{number:05d}.wav")
                ticket = call.ticket
                Ticket.objects.filter(pk=ticket.pk).update(subject=subject, category=categories[code])
            else:
                ticket = ticket_open(user=user, category_id=categories[code].pk, subject=subject,
                                     client_id=client.pk, channel=self.rng.choice(["hotline", "wechat", "web"]),
                                     priority=self.rng.choice(["normal", "normal", "high", "low"]), opened_at=at)
            opened += 1
            if number < 4:
                continue  # today's, still new
            later = at + datetime.timedelta(minutes=self.rng.randint(5, 50))
            if number % 7 == 0:
                ticket_step(user=user, ticket_id=ticket.pk, step="wait", text="请客户提供银行流水截图",
                            now=min(later, now))
                continue
            ticket_step(user=user, ticket_id=ticket.pk, step="resolve", text=solution,
                        now=min(later + datetime.timedelta(hours=self.rng.randint(0, 30)), now))
            if number % 11 == 0:
                ticket_step(user=user, ticket_id=ticket.pk, step="reopen", text="客户再次来电，问题未解决", now=now)
        ticket_deadlines_refresh(None)
        sla_sweep(now)
        self.survey_answers()
        return opened

    def survey_answers(self) -> int:
        """S15: most clients asked after a ticket answer within a few hours, mostly satisfied."""
        answered = 0
        for invitation in SurveyInvitation.objects.filter(answered_at__isnull=True).select_related("questionnaire"):
            if self.rng.random() < 0.35:
                continue
            question = invitation.questionnaire.questions.order_by("position").first()
            score = self.rng.choices(["5", "4", "3", "2", "1"], weights=[55, 25, 10, 6, 4])[0]
            at = min(invitation.created_at + datetime.timedelta(hours=self.rng.randint(1, 20)), timezone.now())
            survey_answer(token=invitation_token(invitation), answers={f"q{question.pk}": score}, now=at)
            answered += 1
        return answered

    def prospects(self) -> int:
        """S24–S25: each branch's prospects from events, referrals, introducing brokers and walk-ins, entered by its
        manager for its advisors, some contacted, some with an account-opening appointment on the next trading day
        at the branch's desk (S26), one lost."""
        entered = 0
        opening_day = TradingDay.objects.next_after(timezone.localdate())
        for manager in StaffProfile.objects.filter(role=Role.BRANCH_MANAGER).select_related("user", "branch"):
            advisors = list(StaffProfile.objects.filter(role=Role.ADVISOR, branch=manager.branch).order_by("pk"))
            desk = list(StaffProfile.objects.filter(role=Role.SERVICE_STAFF, branch=manager.branch).order_by("pk"))
            for number, (name, source, interests, stages) in enumerate(PROSPECTS):
                phone = f"1{self.rng.choice('3589')}{self.rng.randint(0, 999_999_999):09d}"
                try:
                    prospect = prospect_create(user=manager.user, name=name, source=source,
                                               branch_id=manager.branch_id, phone=phone, interests=interests,
                                               owner_id=advisors[number % len(advisors)].pk if advisors else None)
                except DomainError:  # a random phone that is already someone's: that one is left out
                    continue
                for stage in stages:
                    if stage == "appointment" and desk and opening_day:  # S26: booked on the next trading day
                        appointment_book(user=manager.user, prospect_id=prospect.pk, staff_id=desk[0].pk,
                                         starts_at=_local(opening_day, datetime.time(10 + number % 5, 0)),
                                         note="请携带身份证和银行卡")
                        continue
                    prospect_move(user=manager.user, prospect_id=prospect.pk, stage=stage,
                                  note="已在其他期货公司开户" if stage == "lost" else "")
                entered += 1
        return entered

    def research(self) -> int:
        """S18–S23: the research desk's day: a daily comment and a trading tip approved by compliance and sent on the
        last trading day (the tip to VIP clients, setting same-day follow-ups), a weekly comment refused for a
        specific point and waiting again in review, a client's question from the tip's page, answered; then that
        day's S4 coverage counted."""
        people = {profile.role: profile.user for profile in StaffProfile.objects.filter(
            role__in=[Role.ANALYST, Role.CHIEF_ANALYST, Role.COMPLIANCE]).select_related("user")}
        if len(people) < 3 or self.head_office is None or not self.trading_days:
            return 0
        analyst, compliance, day = people[Role.ANALYST], people[Role.COMPLIANCE], self.trading_days[-1]
        sent = 0
        for kind, title, codes, level, body in RESEARCH:
            products = list(Product.objects.filter(code__in=codes, kind="futures").values_list("pk", flat=True))
            first_body = body + "螺纹钢可在 3200 附近买入，止损 3150。" if kind == Kind.WEEKLY else body
            publication = publication_create(user=analyst, kind=kind, title=title, body=first_body,
                                             product_ids=products, risk_level=level)
            if kind == Kind.WEEKLY:  # refused for a specific point, rewritten, and in review again
                first = publication_submit(user=analyst, publication_id=publication.pk)
                publication_review(user=compliance, publication_id=publication.pk, version_id=first.pk,
                                   decision="refused", comment="含具体进出点位，请删去后重新提交。")
                version_write(user=analyst, publication_id=publication.pk, title=title, body=body)
                publication_submit(user=analyst, publication_id=publication.pk)
                continue
            version = publication_submit(user=analyst, publication_id=publication.pk)
            publication_review(user=compliance, publication_id=publication.pk, version_id=version.pk,
                               decision="approved")
            distribution = distribution_create(user=self.head_office.user, publication_id=publication.pk,
                                               tiers=list(VIP_TIERS) if kind == Kind.TIP else [], today=day)
            sent += distribution_send(distribution.pk)["sent"]
            if kind == Kind.TIP:
                deliveries = list(Delivery.objects.filter(distribution=distribution, status="sent")
                                  .order_by("pk")[:4])
                for delivery in deliveries[:3]:
                    delivery_open(delivery)
                if deliveries:
                    question = question_from_link(deliveries[0], "黄金现在还能追高吗？仓位控制在多少合适？")
                    question_answer(user=people[Role.CHIEF_ANALYST], question_id=question.pk,
                                    answer="不建议追高，回调时分批参与，总仓位不超过资金的三成，并设好止损纪律。")
        information_gaps_write(day)
        return sent

    def events_and_referrers(self) -> int:
        """S29–S34: each branch's referrers (an intermediary, an introducing-broker unit) with a share of its
        accounts credited to them and the referred prospects theirs; a strategy briefing two trading days ago
        (VIP clients and prospects invited by SMS, half registered through the link, most checked in, the
        attendees followed up) and a gold salon next week with its invitations out. Returns the guests."""
        if len(self.trading_days) < 3:
            return 0
        guests, past_day = 0, self.trading_days[-3]
        coming = (TradingDay.objects.trading().filter(date__gt=self.today + datetime.timedelta(days=5))
                  .order_by("date").values_list("date", flat=True).first())
        for manager in StaffProfile.objects.filter(role=Role.BRANCH_MANAGER).select_related("user", "branch"):
            branch = manager.branch
            intermediary = referrer_create(user=manager.user, code=f"JJ{branch.code}01", name="张明远",
                                           kind="intermediary", branch_id=branch.pk,
                                           agreement_no=f"JJXY-{branch.code}")
            unit = referrer_create(user=manager.user, code=f"IB{branch.code}01",
                                   name=f"{branch.name[:2]}证券合作营业部", kind="introducing_broker",
                                   branch_id=branch.pk, agreement_no=f"IBXY-{branch.code}")
            clients = list(Client.objects.filter(branch=branch).values_list("pk", flat=True))
            attributions_open(clients)
            credited = self.rng.sample(clients, len(clients) // 4)
            Attribution.objects.filter(client_id__in=credited[::2]).update(referrer=intermediary)
            Attribution.objects.filter(client_id__in=credited[1::2]).update(referrer=unit)
            Prospect.objects.filter(branch=branch, source="introducing_broker").update(referrer=unit)
            Prospect.objects.filter(branch=branch, source="referral").update(referrer=intermediary)
            start = _local(past_day, datetime.time(14, 0))
            briefing = event_create(user=manager.user, title="股指期货投资策略报告会", kind="briefing",
                                    topics=["strategy", "risk"], branch_id=branch.pk, starts_at=start,
                                    ends_at=start + datetime.timedelta(hours=2), capacity=40,
                                    place=f"{branch.name}三楼会议室", speakers="首席分析师 王磊",
                                    now=start - datetime.timedelta(days=5))
            Prospect.objects.filter(branch=branch, source="event").update(event=briefing)
            event_invite(user=manager.user, event_id=briefing.pk, tiers=list(VIP_TIERS), prospects=True,
                         now=start - datetime.timedelta(days=4))
            invitations_send(briefing.pk)
            invited = list(EventGuest.objects.filter(event=briefing).order_by("pk"))
            for number, guest in enumerate(invited):
                if number % 2 == 0:
                    register_by_link(guest, now=start - datetime.timedelta(days=2, hours=number))
                    if number % 6 != 4:
                        check_in(user=manager.user, event_id=briefing.pk, code=guest.code,
                                 now=start - datetime.timedelta(minutes=20 - number % 20))
            guests += len(invited)
            if coming:
                salon_start = _local(coming, datetime.time(19, 0))
                salon = event_create(user=manager.user, title="黄金期货交易技巧沙龙", kind="salon",
                                     topics=["technique", "new_products"], branch_id=branch.pk, starts_at=salon_start,
                                     ends_at=salon_start + datetime.timedelta(hours=1, minutes=30), capacity=20,
                                     place=f"{branch.name}投资者教育基地", speakers="贵金属研究员 李娜",
                                     product_ids=list(Product.objects.filter(code="au", kind="futures")
                                                      .values_list("pk", flat=True)))
                event_invite(user=manager.user, event_id=salon.pk, tiers=["gold"], prospects=True)
                invitations_send(salon.pk)
                for guest in EventGuest.objects.filter(event=salon).order_by("pk")[:3]:
                    register_by_link(guest)
                guests += EventGuest.objects.filter(event=salon).count()
        events_follow_up()
        return guests

    @transaction.atomic
    def run(self) -> dict:
        return {"alerts": self.alerts(), "contacts": self.contact_plans(), "complaints": self.complaints(),
                "surveys": self.surveys(), "broadcast SMS": self.broadcasts(), "knowledge base": self.knowledge_base(),
                "tickets": self.tickets(), "research SMS": self.research(),
                "prospects": self.prospects(), "event guests": self.events_and_referrers(),
                "return visits": self.return_visits()}

    def return_visits(self) -> dict:
        """A5 as a desk leaves them: the visits of the last six weeks' causes owed, the ones due before today made
        by their branch's service staff (most successful, a few with a problem answer and its compliance case, a
        few unreachable after three calls), some left late; those due from today on are today's work."""
        visits_owe(since=self.today - datetime.timedelta(days=42))
        staff = {profile.branch_id: profile for profile in
                 StaffProfile.objects.filter(role=Role.SERVICE_STAFF).select_related("user").order_by("pk")}
        counts = collections.Counter()
        for visit in ReturnVisit.objects.filter(due_on__lt=self.today).select_related("client").order_by("pk"):
            maker = staff.get(visit.client.branch_id)
            if maker is None:
                continue
            draw = self.rng.random()
            at = _local(self._next_trading_day(visit.triggered_on), datetime.time(10, self.rng.randint(0, 59)))
            items = (script_in_force(visit.trigger) or visit.script).items
            if draw < 0.7:
                visit_attempt_record(user=maker.user, visit_id=visit.pk, outcome=VisitAttempt.Outcome.REACHED,
                                     answers={item["code"]: (VisitAnswer.Answer.CONFIRMED, "") for item in items},
                                     recording_ref=f"REC{visit.pk:06d}", now=at)
                counts["successful"] += 1
            elif draw < 0.78:
                answers = {item["code"]: (VisitAnswer.Answer.CONFIRMED, "") for item in items}
                answers["no_return_promise"] = (VisitAnswer.Answer.PROBLEM, "客户称开户时有人说过“保本”")
                visit_attempt_record(user=maker.user, visit_id=visit.pk, outcome=VisitAttempt.Outcome.REACHED,
                                     answers=answers, recording_ref=f"REC{visit.pk:06d}", now=at)
                counts["failed, compliance case opened"] += 1
            elif draw < 0.86:
                for hours, outcome in ((0, "no_answer"), (3, "busy"), (26, "switched_off")):
                    visit_attempt_record(user=maker.user, visit_id=visit.pk, outcome=outcome,
                                         now=at + datetime.timedelta(hours=hours))
                counts["unreachable"] += 1
            else:
                counts["late"] += 1
        counts["owed"] = ReturnVisit.objects.filter(status=ReturnVisit.Status.OWED).count()
        return dict(counts)


def demo_load(*, clients: int, months: int, password: str, write=print, seed: int = 1) -> dict:
    """The whole demo of `dev.py start` (and of the page crawl's test): seeded clients and statements, their months'
    tiers and cards (T1–T9, T13), each closed day's risk evaluation as the day-close workflow runs it (R2–R4, without
    R7's SMS for days long past), then the service centre's past. The console SMS backend's lines are kept out of
    the way: a newcomer reads the login, not a thousand messages."""
    from django.core.management import call_command

    from backoffice.workflows import key_monitoring_run, risk_evaluation_run, risk_levels_run
    from settlement.models import SettlementDay
    from tiering.cards import cards_compute
    from tiering.services import tiers_recalculate

    sms_log = logging.getLogger("core.sms")
    level = sms_log.level
    sms_log.setLevel(logging.WARNING)
    try:
        call_command("seed_demo", clients=clients, months=months, seed=seed, password=password,
                     verbosity=1 if write is not None else 0)
        write = write or (lambda line: None)
        month = timezone.localdate().replace(day=1)
        for _ in range(months):
            month = (month - datetime.timedelta(days=1)).replace(day=1)
        while month <= timezone.localdate():
            result = tiers_recalculate(month)
            cards = cards_compute(month)
            write(f"  tiers {result['month']}: {result['assigned']} clients, {result['state']}; "
                  f"{cards['cards']} contribution cards")
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        days = list(SettlementDay.objects.filter(status=SettlementDay.Status.CLOSED).order_by("trade_date")
                    .values_list("trade_date", flat=True))
        raised = 0
        for day in days:
            raised += risk_evaluation_run(day).result["raised_now"]
            key_monitoring_run(day)
        for month in sorted({day.replace(day=1) for day in days}):
            risk_levels_run(month)
        write(f"  risk: {raised} alerts over {len(days)} closed days")
        history = DemoHistory(seed=seed).run()
        write(f"  the service centre's past: {history}")
        return history
    finally:
        sms_log.setLevel(level)
