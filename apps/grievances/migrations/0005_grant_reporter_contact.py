"""Department staff may read a reporter's contact details (each reading logged with its purpose).

The grants are now made after every migrate from the apps' manifests (apps.accounts.roles.roles_sync, a
post_migrate handler), so this migration no longer imports live code and does nothing.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("grievances", "0004_reporter_contact_permission")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop, elidable=True)]
