"""A photo's file name holds its random key only, never the report's tracking code (the reporter's private key):
new uploads, and the data migration that moves the files stored before under grievances/<code>/."""

from __future__ import annotations

import importlib
import io
import os

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from apps.grievances.models import GrievancePhoto
from apps.grievances.services import Photo

MIGRATION = importlib.import_module("apps.grievances.migrations.0007_photo_names_without_codes")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """A media folder of this test's own: the tests list folders by a key's first two hex digits, which another
    test's leftover photo shares one time in 256."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as file:
        return file.read()


def stored_under_the_old_name(photo: GrievancePhoto) -> str:
    """Put a photo back where the first version stored it: grievances/<tracking code>/<key>.jpg."""
    content = read(photo.image.name)
    photo.image.delete(save=False)
    old = default_storage.save(f"grievances/{photo.grievance.tracking_code}/{photo.key}.jpg", ContentFile(content))
    GrievancePhoto.objects.filter(pk=photo.pk).update(image=old)
    return old


def test_a_new_photo_is_stored_under_its_random_key_only(submit):
    g = submit(photos=[Photo("pothole.jpg", jpeg())])

    photo = g.photos.get()

    assert photo.image.name == f"grievances/{photo.key[:2]}/{photo.key}.jpg"
    assert g.tracking_code not in photo.image.name
    assert default_storage.exists(photo.image.name)


def test_the_migration_moves_old_files_and_can_run_again(client, submit):
    # given two photos of one report stored under the old names, the tracking code in their folder
    g = submit(photos=[Photo("a.jpg", jpeg()), Photo("b.jpg", jpeg())])
    photos = list(g.photos.order_by("pk"))
    contents = {p.key: read(p.image.name) for p in photos}
    old = [stored_under_the_old_name(p) for p in photos]
    folder = default_storage.path(os.path.dirname(old[0]))
    assert os.path.isdir(folder)

    # when the migration runs, and runs again
    MIGRATION.rename_photos(apps, None)
    names_after_first = sorted(GrievancePhoto.objects.values_list("image", flat=True))
    MIGRATION.rename_photos(apps, None)

    # then every file is under its key, with its content, the old files and their folder gone
    moved = list(GrievancePhoto.objects.order_by("pk"))
    assert [p.image.name for p in moved] == [f"grievances/{p.key[:2]}/{p.key}.jpg" for p in photos]
    assert sorted(p.image.name for p in moved) == names_after_first
    assert {p.key: read(p.image.name) for p in moved} == contents
    assert all(contents.values())
    assert not any(default_storage.exists(name) for name in old)
    assert not os.path.exists(folder)
    served = client.get(f"/grievances/photos/{photos[0].key}.jpg")
    assert b"".join(served.streaming_content) == contents[photos[0].key]


def test_the_migration_finishes_a_move_it_was_interrupted_in(submit):
    # given a photo copied to its new name while the database still names the old file
    g = submit(photos=[Photo("a.jpg", jpeg())])
    photo = g.photos.get()
    content = read(photo.image.name)
    old = stored_under_the_old_name(photo)
    new = default_storage.save(f"grievances/{photo.key[:2]}/{photo.key}.jpg", ContentFile(content))

    # when
    MIGRATION.rename_photos(apps, None)

    # then the copy is used (not a second one under another name) and the old file is gone
    assert GrievancePhoto.objects.get().image.name == new == f"grievances/{photo.key[:2]}/{photo.key}.jpg"
    assert not default_storage.exists(old)
    assert default_storage.listdir(f"grievances/{photo.key[:2]}")[1] == [f"{photo.key}.jpg"]


def test_the_migration_goes_back_as_a_no_op():
    [operation] = MIGRATION.Migration.operations

    assert operation.reversible
    assert operation.reverse_code is operation.noop
