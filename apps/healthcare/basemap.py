"""The healthcare app's basemap layer: facilities with their names and addresses (public by classification;
capacity is not)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from apps.healthcare.models import Facility
from apps.regions.basemap import BasemapLayer


def _facilities() -> Iterator[dict[str, Any]]:
    for facility in Facility.objects.only("code", "name_zh", "name_en", "kind", "lon", "lat", "address"):
        yield {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [facility.lon, facility.lat]},
            "properties": {"code": facility.code, "name_zh": facility.name_zh, "name_en": facility.name_en,
                           "class": facility.kind, "address": facility.address},
        }  # fmt: skip


BASEMAP_LAYERS = [
    BasemapLayer(key="facilities", geometry="point", kind_label=_("Health facility"), features=_facilities,
                 color="#b0303a", label_minzoom=12, order=20),
]  # fmt: skip
