"""S12's clock functions, the tickets' scope triggers (O), the default categories, SLA targets, service hours and
exceptions team (S11, S12; editable in the admin afterwards), the clock built from the calendar, and the roles'
permissions."""

import datetime

from django.db import migrations

from clients.roles import sync_role_groups_operation
from service_desk import sql

CATEGORIES = [
    ("trading_software", "交易软件"), ("bank_transfer", "银期转账"), ("funds", "出入金"),
    ("margin_call", "追保/强平"), ("account", "开销户"), ("market_research", "行情/研究"),
    ("suggestion", "建议"), ("other", "其他"),
]  # fmt: skip
# Service minutes (S12). A service day is 08:30–15:30 and the night session's 21:00–02:30: 750 minutes.
TARGETS = {"urgent": (15, 120), "high": (30, 480), "normal": (60, 1440), "low": (240, 2880)}
MARGIN_CALL_TARGETS = {"urgent": (5, 60), "high": (15, 240), "normal": (30, 750), "low": (60, 1440)}


def defaults(apps, schema_editor):
    category_model = apps.get_model("service_desk", "TicketCategory")
    target_model = apps.get_model("service_desk", "SlaTarget")
    for position, (code, name) in enumerate(CATEGORIES):
        category = category_model.objects.create(code=code, name=name, position=position)
        for priority, (first, resolution) in (MARGIN_CALL_TARGETS if code == "margin_call" else TARGETS).items():
            target_model.objects.create(category=category, priority=priority, first_response_minutes=first,
                                        resolution_minutes=resolution, warn_minutes=min(30, first // 3 or 1))
    window_model = apps.get_model("service_desk", "ServiceWindow")
    window_model.objects.create(name="日盘", starts=datetime.time(8, 30), ends=datetime.time(15, 30))
    window_model.objects.create(name="夜盘", starts=datetime.time(21, 0), ends=datetime.time(2, 30),
                                night_session=True)
    apps.get_model("service_desk", "Team").objects.create(name="异常问题处理组", handles_exceptions=True)
    schema_editor.execute(sql.INTERVALS_REBUILD)


class Migration(migrations.Migration):
    dependencies = [("service_desk", "0001_initial"), ("settlement", "0016_calendar_years")]

    operations = [
        migrations.RunSQL(sql.CLOCK_FUNCTIONS, sql.CLOCK_FUNCTIONS_DROP),
        migrations.RunSQL(sql.SCOPE_COPY, sql.SCOPE_COPY_DROP),
        migrations.RunPython(defaults, migrations.RunPython.noop),
        sync_role_groups_operation(),
    ]
