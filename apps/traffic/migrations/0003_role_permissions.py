"""Grant the roles their permissions on traffic (apps.traffic.roles).

The grants are now made after every migrate from the apps' manifests (apps.accounts.roles.roles_sync, a
post_migrate handler), so this migration no longer imports live code and does nothing.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("traffic", "0002_incidents"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop, elidable=True)]
