"""T4–T7 defaults of domain.md as approved tier policy version 1 (W = 1)."""

from django.db import migrations
from django.utils import timezone


def create(apps, schema_editor):
    apps.get_model("tiering", "TierPolicy").objects.get_or_create(version=1, defaults={"approved_at": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("tiering", "TierPolicy").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("tiering", "0001_tiers")]

    operations = [migrations.RunPython(create, remove)]
