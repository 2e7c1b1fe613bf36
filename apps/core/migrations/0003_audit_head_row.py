"""The audit chain's head row exists from the start: sealing never has to create it (two processes sealing
for the first time at once cannot collide), and a head row missing later means it was removed."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("core", "AuditHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_hash_chain")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
