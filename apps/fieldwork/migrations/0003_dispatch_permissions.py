"""The command center plans visits and hands assignments to officers (apps.fieldwork.roles).

The grants are now made after every migrate from the apps' manifests (apps.accounts.roles.roles_sync, a
post_migrate handler), so this migration no longer imports live code and does nothing.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0002_role_permissions")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop, elidable=True)]
