"""The environment app's basemap layer: monitoring stations with their names (public by classification)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from apps.environment.models import Station
from apps.regions.basemap import BasemapLayer


def _stations() -> Iterator[dict[str, Any]]:
    for station in Station.objects.only("code", "name_zh", "name_en", "kind", "lon", "lat"):
        yield {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [station.lon, station.lat]},
            "properties": {"code": station.code, "name_zh": station.name_zh, "name_en": station.name_en,
                           "class": station.kind},
        }  # fmt: skip


BASEMAP_LAYERS = [
    BasemapLayer(key="stations", geometry="point", kind_label=_("Monitoring station"), features=_stations,
                 color="#2f6f4f", label_minzoom=13, order=30),
]  # fmt: skip
