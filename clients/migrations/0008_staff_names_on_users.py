"""Issue 36: colleagues are shown by name, never by login. A staff profile's full name is kept on its user as
first_name (clients.services.staff_profile_save does it from now on); this copies it for the profiles made before."""

from django.db import migrations

COPY = """
    UPDATE auth_user u SET first_name = left(p.full_name, 150), last_name = ''
    FROM clients_staffprofile p WHERE p.user_id = u.id AND p.full_name <> ''
"""


class Migration(migrations.Migration):
    dependencies = [("clients", "0007_reveals_beyond_the_hourly_limit"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunSQL(COPY, migrations.RunSQL.noop)]
