"""Domain O: one auth group per role, holding the permissions of clients/roles.py."""

from django.db import migrations

from clients.roles import ROLE_PERMISSIONS, sync_role_groups


def create_groups(apps, schema_editor):
    sync_role_groups(apps)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[str(role) for role in ROLE_PERMISSIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
