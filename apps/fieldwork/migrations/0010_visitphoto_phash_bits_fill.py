"""The 16-hex-digit perceptual hashes copied into the bigint column as signed 64-bit integers.

The conversion is written out here, not imported (apps/core/photos.py `phash_to_int`): a migration keeps the
meaning it had when it was written. The reverse writes the hex digits back, so the step can be undone.
"""

import re

from django.db import migrations

HEX16 = re.compile(r"[0-9a-f]{16}")


def hex_to_bits(apps, schema_editor):
    VisitPhoto = apps.get_model("fieldwork", "VisitPhoto")
    rows = VisitPhoto.objects.exclude(phash="").values_list("pk", "phash")
    for pk, phash in rows.iterator(chunk_size=2000):
        text = phash.lower()
        if HEX16.fullmatch(text):  # always, as photo_read wrote them; anything else stays without a hash
            bits = int(text, 16)
            VisitPhoto.objects.filter(pk=pk).update(phash_bits=bits - (1 << 64) if bits >= 1 << 63 else bits)


def bits_to_hex(apps, schema_editor):
    VisitPhoto = apps.get_model("fieldwork", "VisitPhoto")
    rows = VisitPhoto.objects.filter(phash_bits__isnull=False).values_list("pk", "phash_bits")
    for pk, value in rows.iterator(chunk_size=2000):
        text = value if isinstance(value, str) else f"{value & ((1 << 64) - 1):016x}"
        VisitPhoto.objects.filter(pk=pk).update(phash=text)


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0009_visitphoto_phash_bits"),
    ]

    operations = [
        migrations.RunPython(hex_to_bits, bits_to_hex),
    ]
