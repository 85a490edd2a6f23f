"""S3 welcome message (seed: initial-service messages ①②③ with the service hotline) and S5 greetings."""

from django.db import migrations

TEMPLATES = [
    ("welcome", "开户欢迎短信", False,
     "【期货公司】尊敬的{name}，欢迎您开立期货账户（资金账号{account}）。您的专属投资顾问将与您联系，"
     "为您介绍交易规则、风险控制和结算单查询方法。如有疑问请致电客服热线{hotline}。"),
    ("birthday", "生日祝福", True, "【期货公司】尊敬的{name}，祝您生日快乐，万事如意！客服热线{hotline}。"),
]


def create(apps, schema_editor):
    model = apps.get_model("service_log", "MessageTemplate")
    for code, name, marketing, body in TEMPLATES:
        model.objects.get_or_create(code=code, defaults={"name": name, "marketing": marketing, "body": body})


def remove(apps, schema_editor):
    apps.get_model("service_log", "MessageTemplate").objects.filter(code__in=[t[0] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("service_log", "0010_role_permissions")]

    operations = [migrations.RunPython(create, remove)]
