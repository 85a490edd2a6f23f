"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations

from clients.roles import sync_role_groups_operation


class Migration(migrations.Migration):
    dependencies = [("risk", "0005_key_monitoring_and_levels"), ("service_log", "0005_role_permissions")]

    operations = [sync_role_groups_operation()]
