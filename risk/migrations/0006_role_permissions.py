"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations



class Migration(migrations.Migration):
    dependencies = [("risk", "0005_key_monitoring_and_levels"), ("service_log", "0005_role_permissions")]

    operations = []  # the role groups now sync after every migrate (clients.apps)
