"""Reads of regions: lists, hierarchy, GeoJSON layers and the point → region lookup."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db.models import Count, F, Max, QuerySet, Sum

from apps.regions.geo import RegionIndex
from apps.regions.models import Region


def region_count() -> int:
    return Region.objects.count()


def region_list(*, level: str | None = None, parent_code: str | None = None) -> QuerySet[Region]:
    regions = Region.objects.select_related("parent").defer("geometry", "geometry_simplified")
    if level:
        regions = regions.filter(level=level)
    if parent_code is not None:
        regions = regions.filter(parent__code=parent_code) if parent_code else regions.filter(parent=None)
    return regions.order_by("depth", "code")


def region_get(*, code: str) -> Region | None:
    return Region.objects.select_related("parent").filter(code=code).first()


def region_ancestors(*, region: Region) -> list[Region]:
    """From the top of the hierarchy down to the region's parent."""
    codes = [code for code in region.path.strip("/").split("/")[:-1] if code]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes).defer("geometry", "geometry_simplified")}
    return [by_code[code] for code in codes if code in by_code]


def region_descendant_ids(*, region_ids: Sequence[int]) -> set[int]:
    """The regions and everything below them."""
    paths = list(Region.objects.filter(id__in=region_ids).values_list("path", flat=True))
    if not paths:
        return set()
    ids: set[int] = set()
    for path in paths:
        ids.update(Region.objects.filter(path__startswith=path).values_list("id", flat=True))
    return ids


def region_feature(region: Region, *, simplified: bool = False) -> dict[str, Any]:
    """A GeoJSON Feature with the region's public attributes as properties."""
    return {
        "type": "Feature",
        "id": region.code,
        "geometry": region.geometry_simplified if simplified else region.geometry,
        "properties": {
            "code": region.code,
            "name": region.name,
            "name_zh": region.name_zh,
            "name_en": region.name_en,
            "level": region.level,
            "parent": region.parent.code if region.parent_id and region.parent else None,
            "population": region.population,
            "area_km2": region.area_km2,
            "centroid": [region.centroid_lon, region.centroid_lat],
            "bbox": region.bbox,
        },
    }


def region_feature_collection(*, level: str | None = None, parent_code: str | None = None) -> dict[str, Any]:
    """Simplified boundaries for maps."""
    regions = Region.objects.select_related("parent").defer("geometry")
    if level:
        regions = regions.filter(level=level)
    if parent_code is not None:
        regions = regions.filter(parent__code=parent_code) if parent_code else regions.filter(parent=None)
    return {
        "type": "FeatureCollection",
        "features": [region_feature(r, simplified=True) for r in regions.order_by("depth", "code")],
    }


# --- Point lookup ---------------------------------------------------------------------------------------

_index_lock = threading.Lock()
_index: tuple[tuple[Any, ...], RegionIndex] | None = None


def _regions_version() -> tuple[Any, ...]:
    """Changes whenever a region is added, removed or saved (one aggregate query). The highest id and the sums of
    the centroids too: regions removed and others added within the same instant (a test's fixed clock; a re-import
    in one transaction) leave the count and the last change alike — and on SQLite, which hands rolled-back ids out
    again, the ids as well — and the index would send points to regions that are elsewhere now. The same regions
    made in another order have other ids at the same places: the centroids weighted by id tell that apart."""
    stamp = Region.objects.aggregate(
        n=Count("id"), last=Max("updated_at"), top=Max("id"), lon=Sum("centroid_lon"), lat=Sum("centroid_lat"),
        placed=Sum(F("id") * (F("centroid_lon") + 1000 * F("centroid_lat"))),
    )  # fmt: skip
    return stamp["n"], stamp["last"], stamp["top"], stamp["lon"], stamp["lat"], stamp["placed"]


def region_index() -> RegionIndex:
    """The cached point → region index, rebuilt when the regions changed (in any process)."""
    global _index
    version = _regions_version()
    with _index_lock:
        if _index is None or _index[0] != version:
            rows = Region.objects.values_list("id", "code", "depth", "geometry")
            _index = (version, RegionIndex(rows))
        return _index[1]


def region_ids_for_points(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Deepest region id containing each point (0 where none), vectorised for batches."""
    return region_index().lookup(lon, lat)


def region_for_point(*, lon: float, lat: float) -> Region | None:
    region_id = int(region_ids_for_points(np.array([lon]), np.array([lat]))[0])
    return region_get_by_id(region_id) if region_id else None


def region_get_by_id(region_id: int) -> Region | None:
    return Region.objects.select_related("parent").filter(id=region_id).first()
