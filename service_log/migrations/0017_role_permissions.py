"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations



class Migration(migrations.Migration):
    dependencies = [("service_log", "0016_broadcast_template"), ("service_log", "0014_role_permissions")]

    operations = []  # the role groups now sync after every migrate (clients.apps)
