"""Grant the data stewards their permissions on open-data releases (apps.opendata.roles)."""

from django.db import migrations

from apps.accounts.roles import grant_permissions
from apps.opendata.roles import OPENDATA_ROLE_PERMISSIONS


def grant(apps, schema_editor):
    grant_permissions(apps, OPENDATA_ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("opendata", "0001_releases"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
