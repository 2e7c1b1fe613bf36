"""Grant the roles their permissions on indicators and alerts (apps.indicators.roles).

The grants are now made after every migrate from the apps' manifests (apps.accounts.roles.roles_sync, a
post_migrate handler), so this migration no longer imports live code and does nothing.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_indicators_alerts_data_sources"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop, elidable=True)]
