"""Grant the roles their permissions on indicators and alerts (apps.indicators.roles)."""

from django.db import migrations

from apps.accounts.roles import grant_permissions
from apps.indicators.roles import INDICATOR_ROLE_PERMISSIONS


def grant(apps, schema_editor):
    grant_permissions(apps, INDICATOR_ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_indicators_alerts_data_sources"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
