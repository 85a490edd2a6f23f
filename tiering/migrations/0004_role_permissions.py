"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations



class Migration(migrations.Migration):
    dependencies = [("tiering", "0003_tier_changes"), ("risk", "0003_role_permissions")]

    operations = []  # the role groups now sync after every migrate (clients.apps)
