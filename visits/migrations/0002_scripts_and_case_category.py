"""A5's scripts, version 1 of each trigger: the five items every visit asks (本人开户, 知悉风险揭示书, 无收益承诺,
无代客操作, 密码自行管理) and the trigger's own, each a statement the client confirms; approved by the rule itself
(domain.md A5 names them), so visits can be made from the first day; head office writes the next versions and
compliance approves them. And the ticket category of the compliance cases a problem answer opens."""

from django.db import migrations
from django.utils import timezone

COMMON = [
    ("own_account", "您确认账户由您本人亲自开立、本人使用。"),
    ("risk_disclosure", "您确认开户时已阅读并理解《期货交易风险说明书》，知悉期货交易的风险。"),
    ("no_return_promise", "您确认没有任何工作人员向您承诺收益或保证不亏损。"),
    ("no_proxy_trading", "您确认没有工作人员代您操作账户或代您下单。"),
    ("own_password", "您确认交易密码和资金密码由您本人设置和保管，未告知他人。"),
]
OWN = {
    "new_account": ("account_details", "您确认开户资料（姓名、联系电话、联系地址）准确无误。"),
    "complaint_resolved": ("complaint_settled", "您确认您的投诉已处理完毕，并接受处理结果。"),
    "forced_liquidation": ("liquidation_notified", "您确认强行平仓前已收到追加保证金通知，并了解强行平仓的原因。"),
    "special_warning": ("warning_understood", "您确认已签署特别风险警示书，并理解该产品的风险高于您的风险承受能力。"),
    "referred_account": ("referrer_no_promise", "您确认介绍您开户的居间人没有向您承诺收益或代您操作。"),
    "closing_account": ("closing_own_will", "您确认销户是您本人的意愿，并知悉账户资金的转出安排。"),
}


def install(apps, schema_editor):
    script = apps.get_model("visits", "VisitScript")
    now = timezone.now()
    for trigger, own in OWN.items():
        items = [{"code": code, "text": text} for code, text in [*COMMON, own]]
        script.objects.get_or_create(trigger=trigger, version=1, defaults={"items": items, "approved_at": now})
    category = apps.get_model("service_desk", "TicketCategory")
    if not category.objects.filter(code="compliance").exists():
        category.objects.create(code="compliance", name="合规核查", position=90, active=True)


def remove(apps, schema_editor):
    apps.get_model("visits", "VisitScript").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial"), ("service_desk", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
