"""The floors of issue 12: the role groups take up the job records' permissions under their new app (core), and
each closed day's summary count of alerts, now kept by the day-close workflow, starts from the alerts it has."""

from django.db import migrations


COUNT_ALERTS = """
UPDATE settlement_settlementday AS day SET alerts_raised = counts.alerts
FROM (SELECT trade_date, count(*) AS alerts FROM risk_alert GROUP BY trade_date) AS counts
WHERE counts.trade_date = day.trade_date
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_owed_work"),
        ("clients", "0002_role_groups"),
        ("settlement", "0012_day_alerts_raised"),
        ("tiering", "0010_computed_rows_without_constraints"),
        ("risk", "0010_exchange_risk_degree"),
        ("service_log", "0018_holiday_template"),
    ]

    operations = [
        migrations.RunSQL(COUNT_ALERTS, migrations.RunSQL.noop),
    ]
