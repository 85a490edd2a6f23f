"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations



class Migration(migrations.Migration):
    dependencies = [("tiering", "0005_tier_overrides")]  # the job records' permissions join the roles in backoffice 0001

    operations = []  # the role groups now sync after every migrate (clients.apps)
