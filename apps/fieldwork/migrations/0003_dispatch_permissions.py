"""The command center plans visits and hands assignments to officers (apps.fieldwork.roles)."""

from django.db import migrations

from apps.accounts.roles import Role, grant_permissions


def grant(apps, schema_editor):
    grant_permissions(apps, {Role.COMMAND_CENTER: ["fieldwork.add_assignment", "fieldwork.change_assignment"]})


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0002_role_permissions")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
