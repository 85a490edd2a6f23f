"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations

from clients.roles import sync_role_groups_operation


class Migration(migrations.Migration):
    dependencies = [("tiering", "0005_tier_overrides")]  # the job records' permissions join the roles in backoffice 0001

    operations = [sync_role_groups_operation()]
