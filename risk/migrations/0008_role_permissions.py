"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations



class Migration(migrations.Migration):
    dependencies = [("risk", "0007_thresholds_r8"), ("risk", "0006_role_permissions")]

    operations = []  # the role groups now sync after every migrate (clients.apps)
