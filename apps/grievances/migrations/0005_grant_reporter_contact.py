"""Department staff may read a reporter's contact details (each reading logged with its purpose)."""

from django.db import migrations

from apps.accounts.roles import Role, grant_permissions


def grant(apps, schema_editor):
    grant_permissions(apps, {Role.DEPARTMENT_STAFF: ["grievances.view_reporter_contact"]})  # as in roles.py


class Migration(migrations.Migration):
    dependencies = [("grievances", "0004_reporter_contact_permission")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
