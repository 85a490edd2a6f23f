"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations

from clients.roles import sync_role_groups_operation


class Migration(migrations.Migration):
    dependencies = [("service_log", "0007_default_contact_plans"), ("risk", "0010_exchange_risk_degree")]

    operations = [sync_role_groups_operation()]
