"""Alerts verified before the verdict was kept: the field finding stored in their details (partly included),
or else their status."""

from django.db import migrations

VERDICTS = {"confirmed", "partly", "contradicted", "could_not_verify"}


def backfill(apps, schema_editor):
    Alert = apps.get_model("indicators", "Alert")
    for alert in Alert.objects.filter(verified_at__isnull=False, verdict="").only("id", "status", "details"):
        found = (alert.details or {}).get("verdict", {}).get("finding")
        verdict = found if found in VERDICTS else alert.status if alert.status in VERDICTS else ""
        if verdict:
            Alert.objects.filter(pk=alert.pk).update(verdict=verdict)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0005_alert_verdict")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
