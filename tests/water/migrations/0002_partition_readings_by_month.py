"""On PostgreSQL the raw readings are partitioned by month, as every feed's raw table is (apps/ingest/partitions.py)."""

from django.db import migrations


def partition(apps, schema_editor):
    from apps.ingest.partitions import tables_partition_by_month

    tables_partition_by_month(schema_editor, "water_pressurereading")


class Migration(migrations.Migration):
    dependencies = [("water", "0001_pressure")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop)]
