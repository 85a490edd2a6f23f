"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations

from clients.roles import sync_role_groups_operation


class Migration(migrations.Migration):
    dependencies = [("service_log", "0016_broadcast_template"), ("service_log", "0014_role_permissions")]

    operations = [sync_role_groups_operation()]
