"""The traffic app's basemap layer: road segments with their names (public by classification)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from apps.regions.basemap import BasemapLayer
from apps.traffic.models import RoadSegment


def _roads() -> Iterator[dict[str, Any]]:
    for road in RoadSegment.objects.only("code", "name_zh", "name_en", "road_class", "geometry").order_by("code"):
        yield {
            "type": "Feature",
            "geometry": road.geometry,
            "properties": {"code": road.code, "name_zh": road.name_zh, "name_en": road.name_en,
                           "class": road.road_class},
        }  # fmt: skip


BASEMAP_LAYERS = [
    BasemapLayer(key="roads", geometry="line", kind_label=_("Road"), features=_roads, color="#c9a86a",
                 label_minzoom=12, order=10),
]  # fmt: skip
