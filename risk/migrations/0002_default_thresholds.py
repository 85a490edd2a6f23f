"""R2 defaults of domain.md as approved threshold version 1."""

from django.db import migrations
from django.utils import timezone


def create(apps, schema_editor):
    apps.get_model("risk", "RiskThresholdSet").objects.get_or_create(version=1, defaults={"approved_at": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("risk", "RiskThresholdSet").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_alerts")]

    operations = [migrations.RunPython(create, remove)]
