"""R7: the margin-call notice (追加保证金通知), editable afterwards in the admin."""

from django.db import migrations

BODY = ("【期货公司】尊敬的{name}：您的资金账户{account}在{trade_date}结算后风险度为{risk_degree}，已达到追加保证金标准。"
        "请在下一交易日开盘前追加保证金或自行减仓，否则可能被强行平仓。客服热线{hotline}。")


def create(apps, schema_editor):
    apps.get_model("service_log", "MessageTemplate").objects.get_or_create(
        code="margin_call", defaults={"name": "追加保证金通知", "body": BODY, "marketing": False})


def remove(apps, schema_editor):
    apps.get_model("service_log", "MessageTemplate").objects.filter(code="margin_call").delete()


class Migration(migrations.Migration):
    dependencies = [("service_log", "0003_notices")]

    operations = [migrations.RunPython(create, remove)]
