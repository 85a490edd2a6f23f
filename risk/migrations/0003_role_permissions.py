from django.db import migrations

from clients.roles import sync_role_groups


def sync(apps, schema_editor):
    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [("risk", "0002_default_thresholds"), ("settlement", "0009_validation_functions_stable")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
