"""Photos from citizens' and officers' phones: checked, read and cleaned in one place.

A photo is read once, from the bytes the camera made (the original): its EXIF time and place, its perceptual
hash, its SHA-256 and size. What is stored is a downscaled copy re-encoded from the pixels alone, so no EXIF
time, place or camera survives.

Choices made here:
- EXIF times carry no zone unless the camera also wrote OffsetTimeOriginal (EXIF 2.31, most phones since
  2018); without it the time is read on the city's clock.
- An EXIF time outside 1970–2099 is no photo's time (a clock at year 1 cannot even be stored): the photo is
  refused with a message, not stored with a made-up time. A clock reset to 1970 is a real phone's, so it is
  kept, and the visit's time check flags it.
- An EXIF place off the Earth (latitude 500, a zero denominator) is taken as absent.
- The perceptual hash is taken from the upright original (EXIF orientation applied): the same scene sent
  twice, once rotated by its tag, hashes the same.
- JPEGs are decoded at the smallest DCT scale that still gives PHOTO_SIDE pixels (libjpeg's draft mode): a
  50-megapixel phone photo costs a quarter of its full decode.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from itertools import combinations
from typing import Any

from django.utils import timezone as django_timezone
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError

MB = 1024 * 1024
MAX_PHOTO_BYTES = 20 * MB  # phones make 3–8 MB photos; 20 MB leaves room for 50-megapixel modes
MAX_PHOTO_PIXELS = 60_000_000  # a 50-megapixel phone photo fits; a decompression bomb does not
PHOTO_SIDE = 2048  # the stored copy's longest side
# MPO: a JPEG with a second picture after the first (Android's Ultra HDR, many Samsung and Fujifilm cameras); the
# first picture is the photo.
PHOTO_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
EXIF_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
EXIF_LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_OFFSET = re.compile(r"^([+-])(\d\d):(\d\d)$")


@dataclass(frozen=True)
class Photo:
    name: str
    content: bytes


@dataclass(frozen=True)
class ReadPhoto:
    content: bytes  # the stored copy: JPEG, at most PHOTO_SIDE, without any metadata
    width: int
    height: int
    sha256: str  # of the original bytes, hex
    size: int  # of the original, bytes
    phash: str  # 64-bit difference hash of the original, hex
    taken_at: datetime | None
    lon: float | None
    lat: float | None


def photo_clean(photo: Photo, *, max_bytes: int = MAX_PHOTO_BYTES) -> tuple[bytes, int, int]:
    """Check an uploaded photo (type, size) and re-encode it as a JPEG without any metadata: no EXIF time,
    place or camera survives. Returns (JPEG bytes, width, height). Raises ApplicationError naming the photo."""
    with _opened(photo, max_bytes=max_bytes) as image:
        upright = _upright(photo, image)
    return _copy(upright)


def photo_read(photo: Photo, *, max_bytes: int = MAX_PHOTO_BYTES) -> ReadPhoto:
    """Everything the checks need from the original — EXIF time and place, perceptual hash, SHA-256, size —
    and the clean copy to store. Raises ApplicationError naming the photo (not a photo, too big, too many
    pixels, an impossible EXIF time)."""
    with _opened(photo, max_bytes=max_bytes) as image:
        taken_at, lon, lat = _exif(photo, image)
        upright = _upright(photo, image)
    phash = _dhash(upright)  # before the copy shrinks it
    content, width, height = _copy(upright)
    return ReadPhoto(
        content=content,
        width=width,
        height=height,
        sha256=hashlib.sha256(photo.content).hexdigest(),
        size=len(photo.content),
        phash=phash,
        taken_at=taken_at,
        lon=lon,
        lat=lat,
    )


def dhash(content: bytes) -> str:
    """The difference hash of an encoded image (see `_dhash`)."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(content)) as image:
        return _dhash(ImageOps.exif_transpose(image))


def hamming(a: str, b: str) -> int:
    """Bits in which two hashes differ."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")


# --- The hash in the database ---------------------------------------------------------------------------------
#
# A bigint column holds the 64 bits (PostgreSQL's bigint is signed: the top bit is the sign), and four indexed
# 16-bit band columns slice it. Two hashes at most `within` bits apart differ in at most `within // 4` bits in at
# least one band (pigeonhole), so a near-duplicate is among the photos whose band equals one of the few values
# that close to ours, found through the band indexes; the exact distance is then counted on those alone.

PHASH_BANDS = 4
PHASH_BAND_BITS = 64 // PHASH_BANDS
PHASH_BAND_MASK = (1 << PHASH_BAND_BITS) - 1
PHASH_BAND_SHIFTS = tuple(64 - PHASH_BAND_BITS * (band + 1) for band in range(PHASH_BANDS))  # highest first
_SIGN = 1 << 63


def phash_to_int(phash: str) -> int:
    """The 16-hex-digit hash as the signed 64-bit integer a bigint column holds."""
    bits = int(phash, 16)
    return bits - (1 << 64) if bits & _SIGN else bits


def phash_from_int(value: int) -> str:
    """The hash a bigint column holds as 16 hex digits."""
    return f"{value & ((1 << 64) - 1):016x}"


def phash_bands(phash: str) -> tuple[int, ...]:
    """The band columns' values for a hash (each 0–65535), highest bits first."""
    bits = int(phash, 16)
    return tuple((bits >> shift) & PHASH_BAND_MASK for shift in PHASH_BAND_SHIFTS)


def phash_band_neighbours(phash: str, *, within: int) -> list[list[int]]:
    """Per band, every value at most `within // PHASH_BANDS` bits from this hash's: a hash at most `within`
    bits away holds one of them in at least one band. Radius 1 (within 4–7) gives 17 values a band."""
    radius = within // PHASH_BANDS
    flips = [
        sum(1 << bit for bit in bits) for r in range(radius + 1) for bits in combinations(range(PHASH_BAND_BITS), r)
    ]
    return [[band ^ flip for flip in flips] for band in phash_bands(phash)]


def _dhash(image: Any) -> str:
    """Difference hash: 9×8 grey pixels, one bit per left-right step. Survives re-encoding, resizing and small
    edits; two photos of the same scene from the same spot differ in a few bits at most."""
    from PIL import Image

    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = list(small.get_flattened_data() if hasattr(small, "get_flattened_data") else small.getdata())
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] > pixels[row * 9 + col + 1])
    return f"{bits:016x}"


def _not_a_photo(photo: Photo) -> ApplicationError:
    return ApplicationError(_("%(name)s is not a JPEG, PNG or WebP photo") % {"name": photo.name})


def _opened(photo: Photo, *, max_bytes: int) -> Any:
    """The photo opened (not yet decoded), after its size, type and pixel count were checked."""
    from PIL import Image, UnidentifiedImageError

    if len(photo.content) > max_bytes:
        raise ApplicationError(
            _("%(name)s is larger than %(limit)s MB") % {"name": photo.name, "limit": max_bytes // MB}
        )
    try:
        with Image.open(io.BytesIO(photo.content)) as probe:
            kind = probe.format
            probe.verify()
        image = Image.open(io.BytesIO(photo.content))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_a_photo(photo) from None
    if kind not in PHOTO_FORMATS:
        image.close()
        raise _not_a_photo(photo)
    if image.width * image.height > MAX_PHOTO_PIXELS:
        image.close()
        raise ApplicationError(_("%(name)s has too many pixels") % {"name": photo.name})
    return image


def _upright(photo: Photo, image: Any) -> Any:
    """The decoded pixels, turned as the camera's orientation tag says, in RGB."""
    from PIL import Image, ImageOps

    try:
        if image.format in ("JPEG", "MPO"):
            image.draft("RGB", (PHOTO_SIDE, PHOTO_SIDE))
        return ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_a_photo(photo) from None


def _copy(upright: Any) -> tuple[bytes, int, int]:
    from PIL import Image

    upright.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
    clean = Image.new("RGB", upright.size)  # a fresh image: pixels only, no info, no EXIF, no ICC
    clean.paste(upright)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), clean.width, clean.height


def _exif(photo: Photo, image: Any) -> tuple[datetime | None, float | None, float | None]:
    try:
        exif = image.getexif()
        gps = exif.get_ifd(0x8825)
        sub = exif.get_ifd(0x8769)
    except Exception:  # noqa: BLE001  (unreadable metadata is simply absent)
        return None, None, None
    taken = sub.get(0x9003) or exif.get(0x0132)  # DateTimeOriginal, else DateTime
    offset = sub.get(0x9011) or sub.get(0x9010)  # OffsetTimeOriginal, else OffsetTime
    taken_at = _exif_time(photo, taken, offset)
    lat = _degrees(gps.get(2), gps.get(1), "S", limit=90)
    lon = _degrees(gps.get(4), gps.get(3), "W", limit=180)
    if lat is None or lon is None:
        return taken_at, None, None
    return taken_at, lon, lat


def _exif_time(photo: Photo, taken: object, offset: object) -> datetime | None:
    if not isinstance(taken, str):
        return None
    text = taken.strip().strip("\x00")
    try:
        naive = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007  (the zone is added below)
    except ValueError:
        return None  # not a time at all (blank, "    :  :  "): absent
    match = _OFFSET.match(offset.strip().strip("\x00")) if isinstance(offset, str) else None
    try:
        if match:
            sign = -1 if match[1] == "-" else 1
            zone = timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))
            taken_at = naive.replace(tzinfo=zone)
        else:
            taken_at = django_timezone.make_aware(naive)
        plausible = EXIF_EARLIEST <= taken_at < EXIF_LATEST
    except (OverflowError, ValueError):
        plausible = False
    if not plausible:
        raise ApplicationError(
            _("%(name)s: the camera's clock says %(time)s, which is no real date; set the phone's clock")
            % {"name": photo.name, "time": text}
        )
    return taken_at


def _degrees(value: object, ref: object, negative: str, *, limit: float) -> float | None:
    if not isinstance(value, Iterable):  # EXIF gives (degrees, minutes, seconds); anything else places nothing
        return None
    try:
        d, m, s = (float(x) for x in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    if not math.isfinite(degrees) or degrees > limit:
        return None
    return -degrees if ref == negative else degrees
