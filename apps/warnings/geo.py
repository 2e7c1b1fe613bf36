"""A region's boundary as CAP polygons: WGS 84 "lat,lon" pairs (latitude first, as CAP wants, unlike GeoJSON),
each ring closed, simplified to at most MAX_VERTICES points so a message stays small enough for a warning channel.

Choices the standard leaves open: a multipolygon gives one <polygon> per part (CAP reads several as their union);
holes are left out (CAP polygons have none; the warning covers the hole too, which errs on the side of warning);
coordinates keep 5 decimals (about a metre).
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.polygon import orient

MAX_VERTICES = 100
DECIMALS = 5


def cap_polygons(geometry: dict[str, Any], *, max_vertices: int = MAX_VERTICES) -> list[str]:
    """The GeoJSON (WGS 84) polygon or multipolygon as CAP polygon strings, largest part first."""
    found = shape(geometry)
    parts = list(found.geoms) if isinstance(found, MultiPolygon) else [found] if isinstance(found, Polygon) else []
    parts = sorted((p for p in parts if not p.is_empty), key=lambda p: -p.area)
    return [_ring(_simplified(part, max_vertices)) for part in parts]


def _simplified(polygon: Polygon, max_vertices: int) -> Polygon:
    """The exterior, simplified (topology kept) with a growing tolerance until it has few enough vertices."""
    outline = Polygon(polygon.exterior)
    tolerance = 0.00005
    for _ in range(40):  # doubling: 40 steps reach any tolerance a boundary on Earth needs
        if len(outline.exterior.coords) <= max_vertices:
            break
        simpler = polygon.simplify(tolerance, preserve_topology=True)
        if isinstance(simpler, Polygon) and not simpler.is_empty:
            outline = Polygon(simpler.exterior)
        tolerance *= 2
    return orient(outline)  # counter-clockwise, as GeoJSON's right-hand rule


def _ring(polygon: Polygon) -> str:
    pairs = [f"{lat:.{DECIMALS}f},{lon:.{DECIMALS}f}" for lon, lat in polygon.exterior.coords]
    if pairs[0] != pairs[-1]:
        pairs.append(pairs[0])
    return " ".join(pairs)


def cap_geocodes(code: str) -> list[tuple[str, str]]:
    """The region's administrative code as CAP geocodes. A 6-digit code is the county-level division code of
    GB/T 2260; longer numeric codes (9-digit townships, GB/T 10114; 12-digit communities as the statistics bureau
    numbers them) also give their county's GB/T 2260 prefix. Every region's own code goes as "CityOps region"."""
    geocodes = []
    if code.isdigit() and len(code) >= 6:
        geocodes.append(("GB/T 2260", code[:6]))
    if code.isdigit() and len(code) == 9:
        geocodes.append(("GB/T 10114", code))
    geocodes.append(("CityOps region", code))
    return geocodes
