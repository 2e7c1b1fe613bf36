from __future__ import annotations

import base64
import io
import uuid
from datetime import timedelta
from typing import Any

from tests.clock import clock_start


def t0() -> Any:
    """Three hours before the test's clock started: the visits' reference time."""
    return clock_start().replace(microsecond=0) - timedelta(hours=3)


def photo(seed: int = 1, *, exif_time: str | None = None, gps: tuple[float, float] | None = None) -> dict[str, str]:
    """A distinct photo per seed (a random pattern), optionally with EXIF time and GPS."""
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
    return {"name": f"p{seed}.jpg", "data": base64.b64encode(out.getvalue()).decode()}


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
