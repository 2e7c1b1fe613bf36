"""Citizens' reports are a data source like any feed: the field's verdicts on them give it a trust score."""

from django.db import migrations

CODE = "citizen-reports"


def create(apps, schema_editor):
    apps.get_model("indicators", "DataSource").objects.get_or_create(
        code=CODE,
        defaults={"name_zh": "市民诉求（网上门户、12345热线、Open311）", "name_en": "Citizen reports (portal, 12345, Open311)",
                  "domain": "grievances", "expected_interval_s": 86400},
    )  # fmt: skip


def remove(apps, schema_editor):
    apps.get_model("indicators", "DataSource").objects.filter(code=CODE, sensors__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("grievances", "0002_role_permissions"), ("indicators", "0003_alter_alert_kind")]

    operations = [migrations.RunPython(create, remove)]
