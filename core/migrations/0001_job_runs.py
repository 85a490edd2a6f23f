"""The job records moved here from the project package (issue 12: futcrm/ is the roof only). A database made
before the move keeps its rows: its futcrm_jobrun table is renamed and its content type relabelled, so the
permissions the role groups hold follow; a new database gets the table created."""

from django.db import migrations, models


def create_or_adopt(apps, schema_editor):
    connection = schema_editor.connection
    if "futcrm_jobrun" in connection.introspection.table_names():
        schema_editor.execute("ALTER TABLE futcrm_jobrun RENAME TO core_jobrun")
        schema_editor.execute("ALTER SEQUENCE IF EXISTS futcrm_jobrun_id_seq RENAME TO core_jobrun_id_seq")
        schema_editor.execute("UPDATE django_content_type SET app_label = 'core' WHERE app_label = 'futcrm'")
        schema_editor.execute("DELETE FROM django_migrations WHERE app = 'futcrm'")
    else:
        schema_editor.create_model(apps.get_model("core", "JobRun"))


def drop(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("core", "JobRun"))


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='JobRun',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('job', models.CharField(max_length=64, verbose_name='job')),
                    ('key', models.CharField(db_index=True, max_length=100, verbose_name='key')),
                    ('status', models.CharField(choices=[('running', 'running'), ('succeeded', 'succeeded'), ('failed', 'failed'), ('skipped', 'skipped (already running)'), ('abandoned', 'abandoned (worker stopped)')], default='running', max_length=12, verbose_name='status')),
                    ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='progress (%)')),
                    ('step', models.CharField(blank=True, max_length=100, verbose_name='step')),
                    ('rows', models.PositiveIntegerField(blank=True, null=True, verbose_name='rows')),
                    ('result', models.JSONField(blank=True, default=dict, verbose_name='result')),
                    ('error', models.TextField(blank=True, verbose_name='error')),
                    ('started_at', models.DateTimeField(auto_now_add=True, verbose_name='started at')),
                    ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                ],
                options={
                    'verbose_name': 'job run',
                    'verbose_name_plural': 'job runs',
                    'ordering': ['-started_at'],
                    'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'running')), fields=('key',), name='jobrun_one_running_per_key'), models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='jobrun_progress_percent')],
                },
            ),
        ]),
        migrations.RunPython(create_or_adopt, drop),
    ]
