"""Visit photos: what the EXIF says (time, place) is read first, a perceptual hash taken, then the photo is
stored without any metadata (through the same cleaning as citizens' photos)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from apps.grievances.services import Photo, photo_clean


@dataclass(frozen=True)
class ReadPhoto:
    content: bytes  # JPEG without metadata
    phash: str  # 64-bit difference hash, hex
    taken_at: datetime | None
    lon: float | None
    lat: float | None


def photo_read(name: str, content: bytes) -> ReadPhoto:
    """Raises ApplicationError (from the cleaning) for what is not a JPEG, PNG or WebP photo."""
    clean, _width, _height = photo_clean(Photo(name, content))
    taken_at, lon, lat = _exif(content)
    return ReadPhoto(clean, dhash(clean), taken_at, lon, lat)


def dhash(content: bytes) -> str:
    """Difference hash: 9×8 grey pixels, one bit per left-right step. Survives re-encoding, resizing and small
    edits; two photos of the same scene from the same spot differ in a few bits at most."""
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
        pixels = list(small.get_flattened_data() if hasattr(small, "get_flattened_data") else small.getdata())
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] > pixels[row * 9 + col + 1])
    return f"{bits:016x}"


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def _exif(content: bytes) -> tuple[datetime | None, float | None, float | None]:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(content)) as image:
            exif = image.getexif()
            gps = exif.get_ifd(0x8825)
            sub = exif.get_ifd(0x8769)
    except Exception:  # noqa: BLE001  (unreadable metadata is simply absent)
        return None, None, None
    taken = sub.get(0x9003) or exif.get(0x0132)  # DateTimeOriginal, else DateTime
    taken_at = None
    if isinstance(taken, str):
        try:
            # EXIF times carry no zone: the camera's clock, taken as the city's
            taken_at = timezone.make_aware(datetime.strptime(taken.strip(), "%Y:%m:%d %H:%M:%S"))  # noqa: DTZ007
        except ValueError:
            taken_at = None
    lat = _degrees(gps.get(2), gps.get(1), "S")
    lon = _degrees(gps.get(4), gps.get(3), "W")
    return taken_at, lon, lat


def _degrees(value: object, ref: object, negative: str) -> float | None:
    try:
        d, m, s = (float(x) for x in value)  # type: ignore[union-attr]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    return -degrees if ref == negative else degrees
