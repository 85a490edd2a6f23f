"""S18–S21 seed: the product catalogue of the six exchanges, each kind's risk disclosure, the point words, the
same-day follow-up rule for trading tips, the research SMS template; and the roles' permissions (research and the
coverage/follow-up views of service_log)."""

from django.db import migrations

from research.catalogue import DISCLOSURES, POINT_WORDS, products


def seed(apps, schema_editor):
    product = apps.get_model("research", "Product")
    product.objects.bulk_create([product(exchange=exchange, code=code, name=name, kind=kind)
                                 for exchange, code, name, kind in products()], ignore_conflicts=True)
    disclosure = apps.get_model("research", "DisclosureText")
    for kind, text in DISCLOSURES.items():
        disclosure.objects.get_or_create(kind=kind, defaults={"text": text})
    word = apps.get_model("research", "PointWord")
    for value in POINT_WORDS:
        word.objects.get_or_create(word=value)
    apps.get_model("research", "FollowUpRule").objects.get_or_create(kind="tip")
    apps.get_model("service_log", "MessageTemplate").objects.get_or_create(code="research_summary", defaults={
        "name": "研究资讯", "marketing": True, "body": "【期货公司】{title} 详见 {link} 退订回T"})


class Migration(migrations.Migration):
    dependencies = [("research", "0001_research")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
