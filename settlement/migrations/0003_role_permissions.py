from django.db import migrations

from clients.roles import sync_role_groups


def sync(apps, schema_editor):
    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [("settlement", "0002_seed_trading_calendar"), ("clients", "0002_role_groups")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
