"""S5 holiday greetings (the holiday's name comes from the trading calendar's note)."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("service_log", "MessageTemplate").objects.get_or_create(
        code="holiday", defaults={"name": "节日问候", "marketing": True,
                                  "body": "【期货公司】尊敬的{name}，{holiday}快乐！祝您阖家幸福。客服热线{hotline}。"})


def remove(apps, schema_editor):
    apps.get_model("service_log", "MessageTemplate").objects.filter(code="holiday").delete()


class Migration(migrations.Migration):
    dependencies = [("service_log", "0017_role_permissions")]

    operations = [migrations.RunPython(create, remove)]
