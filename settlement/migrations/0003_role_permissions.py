"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations



class Migration(migrations.Migration):
    dependencies = [("settlement", "0002_seed_trading_calendar"), ("clients", "0002_role_groups")]

    operations = []  # the role groups now sync after every migrate (clients.apps)
