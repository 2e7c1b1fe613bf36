"""On PostgreSQL, the raw tables become partitioned by month on observed_at, their rows moved (apps/ingest/partitions.py).

No change to the model's state: Django keeps `id` as the primary key while the database's is (id, observed_at).
The reverse leaves the partitioned table as it is (the forward step skips a table already partitioned).
"""

from django.db import migrations


def partition(apps, schema_editor):
    from apps.ingest.partitions import tables_partition_by_month

    tables_partition_by_month(schema_editor, "environment_airreading", "environment_noisereading")


class Migration(migrations.Migration):
    dependencies = [("environment", "0002_role_permissions")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop)]
