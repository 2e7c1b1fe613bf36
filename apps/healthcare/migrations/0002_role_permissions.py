"""Grant the roles their permissions on healthcare data (apps.healthcare.roles)."""

from django.db import migrations

from apps.accounts.roles import grant_permissions
from apps.healthcare.roles import HEALTHCARE_ROLE_PERMISSIONS


def grant(apps, schema_editor):
    grant_permissions(apps, HEALTHCARE_ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("healthcare", "0001_facilities_snapshots"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
