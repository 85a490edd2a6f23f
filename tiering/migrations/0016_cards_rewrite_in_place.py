"""The contribution cards are stored half full, as the tier assignments (0008): each nightly run rewrites every
client's figures, and with room on the page PostgreSQL rewrites a row in place (a HOT update) when its card stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tiering", "0015_contributionpolicy_contact_plans_by")]

    operations = [
        migrations.RunSQL("ALTER TABLE tiering_contributioncard SET (fillfactor = 50)",
                          "ALTER TABLE tiering_contributioncard RESET (fillfactor)"),
    ]
