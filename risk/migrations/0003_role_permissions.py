"""The role groups take up this app's permissions (clients/roles.py)."""

from django.db import migrations



class Migration(migrations.Migration):
    dependencies = [("risk", "0002_default_thresholds"), ("settlement", "0009_validation_functions_stable")]

    operations = []  # the role groups now sync after every migrate (clients.apps)
