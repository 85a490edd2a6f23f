"""S11 (issue 35 finding 11): each ticket's public reference, random, so that what a client is told reveals nothing of
the number of tickets. Existing tickets get theirs here (md5 of a random number and the id: hex, unique by the
index that follows)."""

from django.db import migrations, models

import service_desk.models

BACKFILL = """
UPDATE service_desk_ticket SET reference = 'Q' || upper(substr(md5(random()::text || id::text), 1, 8))
WHERE reference IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [("service_desk", "0007_triggers_declared")]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="reference",
            field=models.CharField(editable=False, max_length=10, null=True, verbose_name="reference"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="ticket",
            name="reference",
            field=models.CharField(default=service_desk.models.ticket_reference, editable=False, max_length=10,
                                   unique=True, verbose_name="reference"),
        ),
    ]
