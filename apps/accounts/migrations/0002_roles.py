"""Create the role groups with their permissions (see apps.accounts.roles.ROLE_PERMISSIONS).

The grants are now made after every migrate from the apps' manifests (apps.accounts.roles.roles_sync, a
post_migrate handler), so this migration no longer imports live code and does nothing.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_departments_and_staff_profiles"),
        ("core", "0001_audit_log"),
        ("regions", "0001_region"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop, elidable=True)]
