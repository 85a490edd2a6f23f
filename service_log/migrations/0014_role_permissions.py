"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations

from clients.roles import sync_role_groups_operation


class Migration(migrations.Migration):
    dependencies = [("service_log", "0013_surveys")]

    operations = [sync_role_groups_operation()]
