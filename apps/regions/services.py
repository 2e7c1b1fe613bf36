"""Writes of regions: importing boundaries from files and from the demo generator, and address lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.regions.addresses import AddressRow
from apps.regions.basemap import fold
from apps.regions.geo import BoundaryFeature, BoundaryOptions, RegionIndex, geometry_attributes, read_boundary_file
from apps.regions.models import LEVEL_DEPTH, Address, Region
from apps.regions.selectors import region_ids_for_points

AUTO_PARENT = "auto"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


def regions_import_file(
    *,
    path: str | Path,
    level: str,
    parent: str | None = None,
    options: BoundaryOptions | None = None,
    user: Any = None,
) -> ImportReport:
    """Read a boundary file (its fields, layer and CRS as `options` say) and import every polygon feature as a
    region of `level`.

    See `regions_import` for parents, updates and errors. Raises BoundaryFileError (an
    ApplicationError) for unreadable files; nothing is written then.
    """
    boundary = read_boundary_file(path, options or BoundaryOptions())
    report = regions_import(features=boundary.features, level=level, parent=parent, user=user, source=str(path))
    report.notes[:0] = boundary.notes
    report.fields = boundary.fields
    return report


@transaction.atomic
def regions_import(
    *,
    features: Sequence[BoundaryFeature],
    level: str,
    parent: str | None = None,
    user: Any = None,
    source: str = "",
) -> ImportReport:
    """Create or update (by code) one region per feature, in one transaction.

    Parent of each region: the feature's own parent_code if it has one; else `parent`, which is a region
    code or "auto" (the deepest shallower region containing the feature's interior point); else none.
    A parent must exist already and be of a shallower level. Raises ApplicationError (nothing written)
    for an unknown level or parent, or a code that exists at another level. Idempotent: importing the
    same features again updates in place. Logs one audit entry.
    """
    if level not in LEVEL_DEPTH:
        raise ApplicationError(f"unknown level {level!r}; use one of {', '.join(LEVEL_DEPTH)}")
    depth = LEVEL_DEPTH[level]
    parents = _resolve_parents(features, depth=depth, parent=parent)
    _check_levels(features, level=level)
    report = ImportReport()
    attributes = geometry_attributes([f.geometry for f in features], level=level)
    for feature, attrs in zip(features, attributes, strict=True):
        region, created = _region_upsert(feature, attrs, level=level, parent=parents.get(feature.code))
        (report.created if created else report.updated).append(region.code)
    if parent == AUTO_PARENT:
        orphans = [f.code for f in features if parents.get(f.code) is None]
        if orphans:
            report.notes.append(f"no containing parent found for: {', '.join(orphans[:10])}")
    log_action(
        None,
        "regions.region.import",
        user=user,
        data={
            "source": source,
            "level": level,
            "created": len(report.created),
            "updated": len(report.updated),
        },
    )
    return report


def _resolve_parents(features: Sequence[BoundaryFeature], *, depth: int, parent: str | None) -> dict[str, Region]:
    wanted = {f.parent_code for f in features if f.parent_code}
    fixed = parent if parent and parent != AUTO_PARENT else None
    if fixed:
        wanted.add(fixed)
    found = {r.code: r for r in Region.objects.filter(code__in=wanted)}
    missing = sorted(wanted - found.keys())
    if missing:
        raise ApplicationError(f"parent region not found: {', '.join(missing[:10])} (import the parent level first)")
    too_deep = sorted(code for code, region in found.items() if region.depth >= depth)
    if too_deep:
        raise ApplicationError(f"parent must be of a higher level than the regions imported: {', '.join(too_deep)}")
    parents: dict[str, Region] = {}
    if parent == AUTO_PARENT:
        parents.update(_auto_parents(features, depth=depth))
    for feature in features:
        code = feature.parent_code or fixed
        if code:
            parents[feature.code] = found[code]
    return parents


def _auto_parents(features: Sequence[BoundaryFeature], *, depth: int) -> dict[str, Region]:
    candidates = Region.objects.filter(depth__lt=depth)
    index = RegionIndex(candidates.values_list("id", "code", "depth", "geometry"))
    points = [f.geometry.representative_point() for f in features]
    ids = index.lookup(np.array([p.x for p in points]), np.array([p.y for p in points]))
    by_id = candidates.in_bulk([int(i) for i in ids if i])
    return {f.code: by_id[int(i)] for f, i in zip(features, ids, strict=True) if i}


def _check_levels(features: Sequence[BoundaryFeature], *, level: str) -> None:
    clashes = Region.objects.filter(code__in=[f.code for f in features]).exclude(level=level)
    if clashes.exists():
        described = ", ".join(f"{r.code} ({r.level})" for r in clashes[:10])
        raise ApplicationError(f"codes already used by regions of another level: {described}")


def _region_upsert(feature: BoundaryFeature, attrs: Any, *, level: str, parent: Region | None) -> tuple[Region, bool]:
    defaults = {
        "name_zh": feature.name_zh,
        "name_en": feature.name_en,
        "level": level,
        "depth": LEVEL_DEPTH[level],
        "parent": parent,
        "path": f"{parent.path if parent else '/'}{feature.code}/",
        "geometry": attrs.geometry,
        "geometry_simplified": attrs.geometry_simplified,
        "centroid_lon": attrs.centroid_lon,
        "centroid_lat": attrs.centroid_lat,
        "bbox": attrs.bbox,
        "area_km2": attrs.area_km2,
    }
    if feature.population is not None:
        defaults["population"] = feature.population
    old_path = Region.objects.filter(code=feature.code).values_list("path", flat=True).first()
    region, created = Region.objects.update_or_create(code=feature.code, defaults=defaults)
    if old_path and old_path != region.path:
        _descendants_move(old_path=old_path, new_path=region.path)
    return region, created


def _descendants_move(*, old_path: str, new_path: str) -> None:
    """Re-root the stored paths below a region whose parent changed."""
    moved = list(Region.objects.filter(path__startswith=old_path).exclude(path=new_path))
    for region in moved:
        region.path = new_path + region.path[len(old_path) :]
    Region.objects.bulk_update(moved, ["path"])


# --- Addresses --------------------------------------------------------------------------------------------------

ADDRESS_FIELDS = ("text_en", "search_text", "lon", "lat", "region_id")
BATCH = 500


@dataclass
class AddressImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    outside: list[str] = field(default_factory=list)  # addresses whose point lies in no region


@transaction.atomic
def addresses_import(*, rows: Sequence[AddressRow], user: Any = None, source: str = "") -> AddressImportReport:
    """Create or update (by the Chinese text) one Address per row, in the deepest region holding its point, in
    one transaction. Addresses the rows do not name are kept (several lists may be imported). Idempotent: the
    same rows again change nothing (counted unchanged). Logs one audit entry. Rows are checked already
    (apps/regions/addresses.py), so nothing here refuses them."""
    region_ids = region_ids_for_points(np.array([r.lon for r in rows]), np.array([r.lat for r in rows]))
    existing = _addresses_by_text([r.text_zh for r in rows])
    report, created, changed, now = AddressImportReport(), [], [], timezone.now()
    for row, region_id in zip(rows, region_ids, strict=True):
        values = {"text_en": row.text_en, "search_text": address_search_text(row.text_zh, row.text_en),
                  "lon": row.lon, "lat": row.lat, "region_id": int(region_id) or None}  # fmt: skip
        if not region_id:
            report.outside.append(row.text_zh)
        address = existing.get(row.text_zh)
        if address is None:
            created.append(Address(text_zh=row.text_zh, **values))
        elif any(getattr(address, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(address, name, value)
            address.updated_at = now
            changed.append(address)
        else:
            report.unchanged += 1
    Address.objects.bulk_create(created, batch_size=BATCH)
    Address.objects.bulk_update(changed, [*ADDRESS_FIELDS, "updated_at"], batch_size=BATCH)
    report.created, report.updated = len(created), len(changed)
    log_action(
        None,
        "regions.address.import",
        user=user,
        data={"source": source, "created": report.created, "updated": report.updated, "unchanged": report.unchanged},
    )
    return report


def address_save(*, address: Address, user: Any = None) -> Address:
    """Save an address edited by hand (the admin): its search text and region follow its texts and point.
    Logs one audit entry."""
    address.search_text = address_search_text(address.text_zh, address.text_en)
    region_id = int(region_ids_for_points(np.array([address.lon]), np.array([address.lat]))[0])
    address.region_id = region_id or None
    address.full_clean()
    address.save()
    log_action(address, "regions.address.save", user=user, data={"region": region_id or None})
    return address


def address_search_text(text_zh: str, text_en: str) -> str:
    """What the search compares a query with: both texts folded (apps/regions/basemap.py `fold`), one per line."""
    return f"{fold(text_zh)}\n{fold(text_en)}"


def _addresses_by_text(texts: list[str]) -> dict[str, Address]:
    found: dict[str, Address] = {}
    for start in range(0, len(texts), BATCH):
        found.update((a.text_zh, a) for a in Address.objects.filter(text_zh__in=texts[start : start + BATCH]))
    return found
