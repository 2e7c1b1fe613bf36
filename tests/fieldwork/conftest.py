from __future__ import annotations

import hashlib
import io
import uuid
from datetime import timedelta
from typing import Any

from tests.clock import clock_start


def t0() -> Any:
    """Three hours before the test's clock started: the visits' reference time."""
    return clock_start().replace(microsecond=0) - timedelta(hours=3)


def photo(seed: int = 1, *, exif_time: str | None = None, gps: tuple[float, float] | None = None) -> bytes:
    """A distinct small JPEG per seed (a random pattern), optionally with EXIF time and GPS."""
    import random

    from PIL import Image

    rng = random.Random(seed)
    image = Image.new("RGB", (96, 64))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(96 * 64)])
    image = image.resize((192, 128))
    exif = Image.Exif()
    if exif_time:
        exif[0x0132] = exif_time
    if gps:
        lon, lat = gps
        exif.get_ifd(0x8825).update({1: "N", 2: (lat, 0.0, 0.0), 3: "E", 4: (lon, 0.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def declared(*contents: bytes) -> list[dict[str, Any]]:
    """How a visit declares its photos: index, SHA-256 of the original bytes, name."""
    return [{"index": i, "sha256": hashlib.sha256(c).hexdigest(), "name": f"p{i}.jpg"} for i, c in enumerate(contents)]


def record_visit(*, officer: Any, data: dict[str, Any], now: Any = None) -> Any:
    """A visit recorded as the API does it: the device's JSON parsed (ApplicationError naming each field at
    fault), then stored."""
    from apps.fieldwork.inputs import visit_input_parse
    from apps.fieldwork.services import visit_record

    return visit_record(officer=officer, visit=visit_input_parse(data), now=now)


def record_with_photos(officer: Any, data: dict[str, Any], photos: list[bytes]) -> Any:
    """A visit recorded as the field app sends it: the visit declaring its photos, then each photo on its own."""
    from apps.fieldwork.photos import visit_photo_receive

    visit = record_visit(officer=officer, data={**data, "photos": declared(*photos)}).visit
    for index, content in enumerate(photos):
        visit_photo_receive(officer=officer, photo=visit.photos.get(index=index), content=content)
    visit.refresh_from_db()
    return visit


def visit_data(*, start=None, minutes: int = 20, lon: float = 118.005, lat: float = 32.01, **fields: Any) -> dict:
    start = start or t0()
    data = {
        "uuid": str(uuid.uuid4()),
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=minutes)).isoformat(),
        "checkin": {"lon": lon, "lat": lat, "accuracy": 15},
        "notes": "",
    }
    data.update(fields)
    return data
