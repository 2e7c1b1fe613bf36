"""Grant the roles their permissions on environment data (apps.environment.roles)."""

from django.db import migrations

from apps.accounts.roles import grant_permissions
from apps.environment.roles import ENVIRONMENT_ROLE_PERMISSIONS


def grant(apps, schema_editor):
    grant_permissions(apps, ENVIRONMENT_ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("environment", "0001_stations_readings"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
