"""Grant the roles their permissions on traffic (apps.traffic.roles)."""

from django.db import migrations

from apps.accounts.roles import grant_permissions
from apps.traffic.roles import TRAFFIC_ROLE_PERMISSIONS


def grant(apps, schema_editor):
    grant_permissions(apps, TRAFFIC_ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("traffic", "0002_incidents"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
