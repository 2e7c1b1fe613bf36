"""Grant the roles their permissions on field work (apps.fieldwork.roles)."""

from django.db import migrations

from apps.accounts.roles import grant_permissions
from apps.fieldwork.roles import FIELDWORK_ROLE_PERMISSIONS


def grant(apps, schema_editor):
    grant_permissions(apps, FIELDWORK_ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0001_fieldwork"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
