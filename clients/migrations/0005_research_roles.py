"""Issue 18: the research roles (研究员, 首席分析师, 合规专员), who work at head office without a branch."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("clients", "0004_workbench_indexes")]

    operations = [
        migrations.RemoveConstraint(
            model_name='staffprofile',
            name='staffprofile_branch_unless_head_office',
        ),
        migrations.AlterField(
            model_name='staffprofile',
            name='role',
            field=models.CharField(choices=[('service_staff', 'service staff'), ('advisor', 'investment advisor'), ('risk_officer', 'risk officer'), ('branch_manager', 'branch manager'), ('head_office', 'head-office manager'), ('analyst', 'analyst'), ('chief_analyst', 'chief analyst'), ('compliance', 'compliance officer'), ('settlement_system', 'settlement system')], max_length=32, verbose_name='role'),
        ),
        migrations.AddConstraint(
            model_name='staffprofile',
            constraint=models.CheckConstraint(condition=models.Q(('branch__isnull', False), ('role__in', ['head_office', 'settlement_system', 'analyst', 'chief_analyst', 'compliance']), _connector='OR'), name='staffprofile_branch_unless_head_office'),
        ),
    ]
