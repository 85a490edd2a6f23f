"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations



class Migration(migrations.Migration):
    dependencies = [("service_log", "0001_initial"), ("tiering", "0006_role_permissions")]

    operations = []  # the role groups now sync after every migrate (clients.apps)
