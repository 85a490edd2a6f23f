"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations

from clients.roles import sync_role_groups_operation


class Migration(migrations.Migration):
    dependencies = [("settlement", "0002_seed_trading_calendar"), ("clients", "0002_role_groups")]

    operations = [sync_role_groups_operation()]
