"""Visit photos on their own uploads, as ODK Central takes a submission's attachments: keyed by the visit's
UUID and the photo's index, idempotent, resumable after a lost answer.

The visit declared each photo (index, SHA-256 of the original bytes, name). An upload whose bytes match is read
once — EXIF time and place, perceptual hash and size, all from the original — and a downscaled copy without
metadata is stored (apps/core/photos.py). Sending it again answers with the stored photo and stores nothing.
The last photo to arrive completes the visit (`visit_checks_run`, after the photo's commit, so comparing it with
every earlier photo holds no write lock): the photo checks run, then the findings count, or the visit waits for
a supervisor.

A file is written only inside the transaction that stores its row, and deleted again when that transaction
does not commit: no file without a row. The transaction is `durable` (the outermost), so its end is the commit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.core.photos import MAX_PHOTO_BYTES, Photo, ReadPhoto, photo_read
from apps.evidence.services import photo_seal_store
from apps.fieldwork.models import Visit, VisitPhoto
from apps.fieldwork.services import visit_checks_run

PHOTO_FOLDER = "visits"
ORPHAN_GRACE = timedelta(hours=1)  # an upload in progress has written its file, its row not yet committed


@dataclass(frozen=True)
class Received:
    photo: VisitPhoto
    created: bool


def visit_photo_receive(*, officer: Any, photo: VisitPhoto, content: bytes) -> Received:
    """Store the bytes of one declared photo of the officer's visit; the same bytes again answer with the
    stored photo (`created` False). Raises ApplicationError (field `file`), storing nothing, when the bytes are
    not the declared photo (SHA-256), not a photo, larger than MAX_PHOTO_BYTES, or carry an impossible EXIF
    time. Side effects of the last photo: those of completing the visit."""
    digest = hashlib.sha256(content).hexdigest()
    if photo.sha256 and digest != photo.sha256:
        message = _("SHA-256 %(got)s, but the visit declared %(declared)s") % {"got": digest, "declared": photo.sha256}
        raise ApplicationError(_("these are not the bytes of the photo the visit declared"), fields={"file": [message]})
    if photo.received_at is not None:
        visit_checks_run(visit=photo.visit, user=officer)  # what a worker gone after the commit left undone
        return Received(photo, False)
    name = photo.name or _("photo %(n)s") % {"n": photo.index + 1}
    try:
        read = photo_read(Photo(name, content), max_bytes=MAX_PHOTO_BYTES)
    except ApplicationError as exc:
        raise ApplicationError(_("the photo could not be stored"), fields={"file": [exc.message]}) from None
    return _store(officer=officer, photo=photo, read=read)


def _store(*, officer: Any, photo: VisitPhoto, read: ReadPhoto) -> Received:
    written: str | None = ""  # the stored file's name (FieldFile.name is typed optional)
    try:
        with transaction.atomic(durable=True):
            visit = Visit.objects.select_for_update().get(pk=photo.visit_id)  # one photo of a visit at a time
            photo = VisitPhoto.objects.get(pk=photo.pk)
            if photo.received_at is not None:  # the same photo on two connections at once: the first one won
                return Received(photo, False)
            photo.image.save(f"{photo.key}.jpg", ContentFile(read.content), save=False)
            written = photo.image.name
            photo.size, photo.phash, photo.received_at = read.size, read.phash, timezone.now()
            photo.exif_taken_at, photo.exif_lon, photo.exif_lat = read.taken_at, read.lon, read.lat
            photo.save()
            photo.visit = visit
            photo_seal_store(photo=photo, stored=read.content)
    except BaseException:
        if written:
            default_storage.delete(written)
        raise
    visit_checks_run(visit=visit, user=officer)
    return Received(photo, True)


def visit_photo_withdraw(*, officer: Any, photo: VisitPhoto) -> Visit:
    """The officer gives up a declared photo that never arrived (refused, or lost from the phone): the visit no
    longer waits for it, and is complete if it was the last one missing (its checks run after the commit). A
    received photo stays with its visit (ApplicationError). Logged; withdrawing it again finds nothing and
    changes nothing."""
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=photo.visit_id)
        current = VisitPhoto.objects.filter(pk=photo.pk).first()
        if current is not None:
            if current.received_at is not None:
                raise ApplicationError(
                    _("this photo was received; it stays with the visit"), fields={"index": [_("already received")]}
                )
            current.delete()
            log_action(visit, "fieldwork.visit.photo_withdraw", user=officer, data={"index": photo.index})
    visit_checks_run(visit=visit, user=officer)
    return visit


def visit_photo_files_sweep(cutoff: datetime) -> int:
    """Erase photo files no photo refers to, older than an hour — before files were written with their rows, a
    failed upload could leave one behind, a photo of people with no record to find or erase it by. Registered
    as a retention; the retention's cut-off does not apply: such a file is kept for nobody. Returns how many."""
    try:
        _folders, names = default_storage.listdir(PHOTO_FOLDER)
    except FileNotFoundError:
        return 0
    paths = {f"{PHOTO_FOLDER}/{name}" for name in names}
    known = set(VisitPhoto.objects.exclude(image="").values_list("image", flat=True))
    before = timezone.now() - ORPHAN_GRACE
    erased = 0
    for path in sorted(paths - known):
        if default_storage.get_modified_time(path) < before:
            default_storage.delete(path)
            erased += 1
    return erased
