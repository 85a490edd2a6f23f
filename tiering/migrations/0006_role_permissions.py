from django.db import migrations

from clients.roles import sync_role_groups


def sync(apps, schema_editor):
    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [("tiering", "0005_tier_overrides"), ("futcrm", "0002_role_permissions")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
