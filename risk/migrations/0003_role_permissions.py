"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations

from clients.roles import sync_role_groups_operation


class Migration(migrations.Migration):
    dependencies = [("risk", "0002_default_thresholds"), ("settlement", "0009_validation_functions_stable")]

    operations = [sync_role_groups_operation()]
