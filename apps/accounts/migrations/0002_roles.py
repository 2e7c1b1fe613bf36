"""Create the role groups with their permissions (see apps.accounts.roles.ROLE_PERMISSIONS)."""

from django.db import migrations

from apps.accounts.roles import ROLE_PERMISSIONS, grant_permissions


def create_roles(apps, schema_editor):
    grant_permissions(apps, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_departments_and_staff_profiles"),
        ("core", "0001_audit_log"),
        ("regions", "0001_region"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
