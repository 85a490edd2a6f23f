"""Domain O: one auth group per role. The groups and their permissions are kept by clients.apps on every
post_migrate, from clients/roles.py as it is then; this migration only names the step that created them first."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = []
