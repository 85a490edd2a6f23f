"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations

from clients.roles import sync_role_groups_operation


class Migration(migrations.Migration):
    dependencies = [("risk", "0007_thresholds_r8"), ("risk", "0006_role_permissions")]

    operations = [sync_role_groups_operation()]
