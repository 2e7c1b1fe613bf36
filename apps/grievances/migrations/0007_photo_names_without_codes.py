"""Photos stored as grievances/<tracking code>/<key>.jpg move to grievances/<key[:2]>/<key>.jpg (see
`photo_path`): a file name must not hold the reporter's private tracking code. Safe to run again (a photo
already under its new name is left alone; a copy made before an interruption is reused); the reverse does
nothing."""

import contextlib
import os

from django.db import migrations


def _new_name(key):
    return f"grievances/{key[:2]}/{key}.jpg"


def _remove_empty_folder(storage, name):
    """The old folder is named after the tracking code: remove it once empty (local storage only)."""
    with contextlib.suppress(NotImplementedError, OSError):  # another storage, or photos still in it
        os.rmdir(storage.path(os.path.dirname(name)))


def rename_photos(apps, schema_editor):
    GrievancePhoto = apps.get_model("grievances", "GrievancePhoto")
    for photo in GrievancePhoto.objects.exclude(image="").iterator(chunk_size=200):
        old, new = photo.image.name, _new_name(photo.key)
        if old == new:
            continue
        storage = photo.image.storage
        if storage.exists(old) and not storage.exists(new):
            with storage.open(old, "rb") as content:
                new = storage.save(new, content)
        GrievancePhoto.objects.filter(pk=photo.pk).update(image=new)
        if storage.exists(old):
            storage.delete(old)
        _remove_empty_folder(storage, old)


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0006_personal_data_erased_at"),
    ]

    operations = [
        migrations.RunPython(rename_photos, migrations.RunPython.noop, elidable=True),
    ]
