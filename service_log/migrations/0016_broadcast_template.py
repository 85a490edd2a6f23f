"""S4: the daily-information template; the text of each broadcast fills it."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("service_log", "MessageTemplate").objects.get_or_create(
        code="daily_info", defaults={"name": "每日资讯", "marketing": True, "body": "【期货公司】{text} 退订回T"})


def remove(apps, schema_editor):
    apps.get_model("service_log", "MessageTemplate").objects.filter(code="daily_info").delete()


class Migration(migrations.Migration):
    dependencies = [("service_log", "0015_broadcasts")]

    operations = [migrations.RunPython(create, remove)]
