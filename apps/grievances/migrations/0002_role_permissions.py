"""Grant the roles their permissions on grievances (apps.grievances.roles)."""

from django.db import migrations

from apps.accounts.roles import grant_permissions
from apps.grievances.roles import GRIEVANCE_ROLE_PERMISSIONS


def grant(apps, schema_editor):
    grant_permissions(apps, GRIEVANCE_ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("grievances", "0001_grievances"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
