"""The demo's "households affected" question takes a whole number from 0 (a negative count was accepted)."""

from django.db import migrations


def households_range(apps, schema_editor):
    CategoryAttribute = apps.get_model("grievances", "CategoryAttribute")
    CategoryAttribute.objects.filter(
        category__code="water-supply", code="households", datatype="number", minimum=None, maximum=None
    ).update(minimum=0, maximum=1_000_000, whole_number=True)


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0008_attribute_answer_range"),
    ]

    operations = [migrations.RunPython(households_range, migrations.RunPython.noop)]
