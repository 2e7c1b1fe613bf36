"""On PostgreSQL, the raw table becomes partitioned by month on observed_at, its rows moved (apps/ingest/partitions.py).

No change to the model's state: Django keeps `id` as the primary key while the database's is (id, observed_at).
The reverse leaves the partitioned table as it is (the forward step skips a table already partitioned).
"""

from django.db import migrations


def partition(apps, schema_editor):
    from apps.ingest.partitions import tables_partition_by_month

    tables_partition_by_month(schema_editor, "healthcare_capacitysnapshot")


class Migration(migrations.Migration):
    dependencies = [("healthcare", "0002_role_permissions")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop)]
