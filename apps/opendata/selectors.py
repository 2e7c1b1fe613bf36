"""Reads: the source records of each dataset, already generalised, and the releases the public may see.

The source queries name their columns (`values_list`), so no personal field — a reporter's name, phone or
email, a description, a tracking code, an exact position, an officer — is ever loaded into a dataset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from apps.opendata.anonymize import Record
from apps.opendata.models import Release

# A GeoJSON geometry object ({"type": "Polygon", "coordinates": …}), by area code in the source readers below.
Geometries = dict[str, dict[str, Any]]

GRID_DEGREES = 0.01  # a grid cell is 0.01° × 0.01°: about 1.1 km north–south, 0.95 km east–west here


@dataclass(frozen=True)
class Area:
    code: str
    kind: str  # "street", "district" or "grid"
    name_zh: str
    name_en: str
    geometry: dict[str, Any]


class Regions:
    """Every region in memory, to climb from a report's region to its street or district without queries."""

    def __init__(self) -> None:
        from apps.regions.models import Region

        fields = ("id", "code", "level", "parent_id", "name_zh", "name_en", "geometry_simplified")
        self._by_id = {row[0]: row for row in Region.objects.values_list(*fields)}

    def ancestor(self, region_id: int | None, level: str) -> Area | None:
        row = self._by_id.get(region_id) if region_id is not None else None
        while row is not None and row[2] != level:
            row = self._by_id.get(row[3])
        if row is None:
            return None
        return Area(code=row[1], kind=level, name_zh=row[4], name_en=row[5] or row[4], geometry=row[6])


def grid_cell(lon: float, lat: float) -> Area:
    """The grid cell holding a point, named by its south-west corner."""
    west = math.floor(round(lon / GRID_DEGREES, 6)) * GRID_DEGREES
    south = math.floor(round(lat / GRID_DEGREES, 6)) * GRID_DEGREES
    east, north = west + GRID_DEGREES, south + GRID_DEGREES
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    ring = [[round(x, 6), round(y, 6)] for x, y in ring]
    return Area(
        code=f"grid-{west:.2f}-{south:.2f}",
        kind="grid",
        name_zh=f"网格 {west:.2f},{south:.2f}",
        name_en=f"grid cell {west:.2f}, {south:.2f}",
        geometry={"type": "Polygon", "coordinates": [ring]},
    )


def local_day(moment: datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def _area_fields(area: Area, prefix: str = "area") -> Record:
    return {f"{prefix}_code": area.code, f"{prefix}_name_zh": area.name_zh, f"{prefix}_name_en": area.name_en}


def grievance_records(*, start: datetime, end: datetime) -> tuple[list[Record], int, Geometries]:
    """One record per citizen report made in [start, end) (merged duplicates left out): its day, category,
    street (or 0.01° grid cell where the report has no street, or its district where it has neither) and
    whether it is resolved; with the number of reports that could not be placed, and each area's geometry.
    Each record remembers its district (`_district`) for generalising."""
    from apps.grievances.models import Grievance

    geometries: Geometries = {}
    records: list[Record] = []
    regions, unlocated = Regions(), 0
    rows = (
        Grievance.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(status=Grievance.Status.MERGED)
        .values_list("created_at", "category__code", "category__name_zh", "category__name_en", "region_id",
                     "lon", "lat", "status")
        .order_by("created_at", "id")
    )  # fmt: skip
    for created_at, category, name_zh, name_en, region_id, lon, lat, status in rows.iterator():
        district = regions.ancestor(region_id, "district")
        area = regions.ancestor(region_id, "street")
        if area is None and lon is not None and lat is not None:
            area = grid_cell(lon, lat)
        area = area or district
        if area is None:
            unlocated += 1
            continue
        geometries[area.code] = area.geometry
        if district is not None:
            geometries[district.code] = district.geometry
        records.append({
            "date": local_day(created_at), "category": category, "category_name_zh": name_zh,
            "category_name_en": name_en or name_zh, "area_kind": area.kind, **_area_fields(area),
            "resolved": int(status in (Grievance.Status.RESOLVED, Grievance.Status.CLOSED)),
            "_district": district,
        })  # fmt: skip
    return records, unlocated, geometries


def grievance_generalise(record: Record) -> Record | None:
    """A street's or grid cell's record, one step up: its district."""
    district: Area | None = record["_district"]
    if record["area_kind"] == "district" or district is None:
        return None
    return {**record, "area_kind": "district", **_area_fields(district)}


def finding_records(*, start: datetime, end: datetime) -> tuple[list[Record], int, Geometries]:
    """One record per finding of an accepted visit started in [start, end): its day, district and verdict."""
    from apps.fieldwork.models import Finding, Visit

    geometries: Geometries = {}
    records: list[Record] = []
    regions, unlocated = Regions(), 0
    rows = (
        Finding.objects.filter(visit__status=Visit.Status.ACCEPTED, visit__started_at__gte=start,
                               visit__started_at__lt=end)
        .values_list("visit__started_at", "visit__region_id", "verdict")
        .order_by("visit__started_at", "id")
    )  # fmt: skip
    for started_at, region_id, verdict in rows.iterator():
        district = regions.ancestor(region_id, "district")
        if district is None:
            unlocated += 1
            continue
        geometries[district.code] = district.geometry
        records.append({"date": local_day(started_at), **_area_fields(district, "district"), "verdict": verdict})
    return records, unlocated, geometries


def indicator_rows(*, start: datetime, end: datetime) -> tuple[list[Record], Geometries]:
    """Daily values of the public indicators for every district, days starting in [start, end)."""
    from apps.indicators.models import Granularity, IndicatorValue
    from apps.indicators.registry import public_indicators

    chosen = {i.code: i for i in public_indicators()}
    values = (
        IndicatorValue.objects.filter(granularity=Granularity.DAY, bucket_start__gte=start, bucket_start__lt=end,
                                      indicator__in=list(chosen), region__level="district")
        .select_related("region")
        .order_by("bucket_start", "indicator", "region__code")
    )  # fmt: skip
    rows: list[Record] = []
    geometries: Geometries = {}
    for value in values:
        indicator, region = chosen[value.indicator], value.region
        geometries[region.code] = region.geometry_simplified
        rows.append({
            "date": local_day(value.bucket_start), "indicator": indicator.code, "indicator_name_zh": indicator.name_zh,
            "indicator_name_en": indicator.name_en, "unit": indicator.unit, "district_code": region.code,
            "district_name_zh": region.name_zh, "district_name_en": region.name_en or region.name_zh,
            "value": round(value.value_for(indicator), indicator.decimals), "observations": value.count,
        })  # fmt: skip
    return rows, geometries


# --- Releases --------------------------------------------------------------------------------------------------


def releases_public(*, dataset: str | None = None) -> QuerySet[Release]:
    """Approved releases, newest period first; the file bodies are left out (`defer`)."""
    releases = Release.objects.filter(status=Release.Status.APPROVED).defer("csv_body", "json_body", "geojson_body")
    return releases.filter(dataset=dataset) if dataset else releases


def release_get_public(*, pk: int, dataset: str | None = None) -> Release | None:
    """An approved release by id (None for a draft, a withdrawn release or an unknown id)."""
    releases = Release.objects.filter(status=Release.Status.APPROVED, pk=pk)
    return (releases.filter(dataset=dataset) if dataset else releases).first()


def release_latest_public(*, dataset: str) -> Release | None:
    return releases_public(dataset=dataset).first()


def releases_for_steward() -> QuerySet[Release]:
    """Drafts first (oldest period first: approve in order), then the 50 latest others."""
    return Release.objects.defer("csv_body", "json_body", "geojson_body").select_related("approved_by")
