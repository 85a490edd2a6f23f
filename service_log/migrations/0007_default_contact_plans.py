"""S2 defaults: VIP tiers and key monitoring at least 3 outbound contacts a week."""

from django.db import migrations

DEFAULTS = {"diamond": 3, "platinum": 3, "gold": 3, "key_monitoring": 3}


def create(apps, schema_editor):
    rule = apps.get_model("service_log", "ContactPlanRule")
    for segment, minimum in DEFAULTS.items():
        rule.objects.get_or_create(segment=segment, defaults={"weekly_minimum": minimum})


def remove(apps, schema_editor):
    apps.get_model("service_log", "ContactPlanRule").objects.filter(segment__in=DEFAULTS).delete()


class Migration(migrations.Migration):
    dependencies = [("service_log", "0006_contact_plan_rules")]

    operations = [migrations.RunPython(create, remove)]
