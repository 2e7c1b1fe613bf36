"""Reads for the healthcare page and API: facilities with their current state, regions, the surveillance
table, and where a patient can go now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypedDict

from django.utils import timezone

from apps.accounts.selectors import regions_scope, user_can_access_region
from apps.healthcare.models import CapacitySnapshot, Facility
from apps.healthcare.services import (
    FRESH,
    district_verdicts,
    latest_states,
    surveillance_regions,
)
from apps.healthcare.surveillance import DayVerdict
from apps.indicators.registry import indicator_registry
from apps.indicators.selectors import indicator_latest
from apps.regions.geo import distance_m
from apps.regions.models import Region

Need = Literal["er", "icu", "bed"]
NEEDS: tuple[Need, ...] = ("er", "icu", "bed")


@dataclass(frozen=True)
class FacilityState:
    facility: Facility
    snapshot: CapacitySnapshot | None
    fresh: bool

    @property
    def beds_free(self) -> int | None:
        return self.facility.beds - self.snapshot.beds_occupied if self.snapshot else None

    @property
    def occupancy(self) -> float | None:
        if not self.snapshot or not self.facility.beds:
            return None
        return 100 * self.snapshot.beds_occupied / self.facility.beds

    @property
    def icu_free(self) -> int | None:
        if not self.snapshot or not self.facility.icu_beds or self.snapshot.icu_occupied is None:
            return None
        return self.facility.icu_beds - self.snapshot.icu_occupied

    def as_dict(self, distance: float | None = None) -> dict[str, Any]:
        f, s = self.facility, self.snapshot
        out: dict[str, Any] = {
            "code": f.code,
            "name_zh": f.name_zh,
            "name_en": f.name_en,
            "kind": f.kind,
            "lon": f.lon,
            "lat": f.lat,
            "region": f.region.code if f.region else None,
            "beds": f.beds,
            "icu_beds": f.icu_beds,
            "emergency": f.emergency,
            "fever_clinic": f.fever_clinic,
            "observed_at": s.observed_at.isoformat() if s else None,
            "fresh": self.fresh,
            "beds_free": self.beds_free,
            "icu_free": self.icu_free,
            "er_waiting": s.er_waiting if s else None,
            "er_wait_minutes": s.er_wait_minutes if s else None,
        }
        if distance is not None:
            out["distance_km"] = round(distance, 2)
        return out


def facility_states(*, user: Any, now: datetime | None = None) -> list[FacilityState]:
    """The facilities in the user's regions with their latest snapshots, hospitals first."""
    now = now or timezone.now()
    latest = latest_states(now=now)
    rank = {kind: index for index, kind in enumerate(Facility.Kind.values)}  # hospitals first
    rows = regions_scope(Facility.objects.select_related("region"), user=user, field="region")
    facilities = sorted(rows, key=lambda f: (rank.get(f.kind, 9), f.code))
    return [
        FacilityState(f, latest.get(f.id), bool(f.id in latest and now - latest[f.id].observed_at <= FRESH))
        for f in facilities
    ]


class Point(TypedDict):
    lon: float
    lat: float


class NearestFacilities(TypedDict):
    """facilities_nearest's answer."""

    need: Need
    point: Point
    facilities: list[dict[str, Any]]  # FacilityState.as_dict, nearest first, with `distance_km`
    not_reporting: int  # left out: their last report is too old to know their capacity


def facilities_nearest(
    *, user: Any, lon: float, lat: float, need: Need, limit: int = 5, now: datetime | None = None
) -> NearestFacilities:
    """The nearest facilities in the user's regions that can take a patient now, by straight-line distance from
    the point: `er` an emergency department reporting, `icu` a free ICU bed, `bed` a free bed. Facilities whose
    last report is older than FRESH are left out (and counted): their capacity is not known."""
    candidates = []
    not_reporting = 0
    for state in facility_states(user=user, now=now):
        f = state.facility
        relevant = {"er": f.emergency, "icu": f.icu_beds > 0, "bed": f.beds > 0}[need]
        if not relevant:
            continue
        if not state.fresh:
            not_reporting += 1
            continue
        s = state.snapshot
        if s is None:
            continue
        has_room = {
            "er": s.er_waiting is not None,
            "icu": (state.icu_free or 0) > 0,
            "bed": (state.beds_free or 0) > 0,
        }[need]
        if has_room:
            candidates.append((distance_m(lon, lat, f.lon, f.lat) / 1000, state))
    candidates.sort(key=lambda pair: (pair[0], pair[1].facility.code))
    return {
        "need": need,
        "point": {"lon": lon, "lat": lat},
        "facilities": [state.as_dict(distance) for distance, state in candidates[:limit]],
        "not_reporting": not_reporting,
    }


class Cell(TypedDict):
    """A region's latest value of one indicator, as the table shows it."""

    value: float
    severity: str
    stale: bool


class RegionRow(TypedDict):
    region: Region
    cells: list[tuple[Cell | None, str]]  # (its value, None without one; the unit after it), by column


def region_rows(*, root: Region | None) -> list[RegionRow]:
    """The root (the user's "city") and each region below it: occupancy, ICU, emergency and fever-clinic
    figures, latest values."""
    if root is None:
        return []
    regions = [root, *Region.objects.filter(parent=root).order_by("code")]
    shown = [
        ("healthcare.bed_occupancy", " %"),
        ("healthcare.icu_occupancy", " %"),
        ("healthcare.er_waiting", ""),
        ("healthcare.er_wait", " min"),
        ("healthcare.fever_visits", ""),
        ("healthcare.fever_signal", ""),
    ]
    codes = [code for code, _suffix in shown]
    now = timezone.now()
    columns: dict[str, dict[int, Cell]] = {}
    for code in codes:
        indicator = indicator_registry[code]  # this app's own (its manifest registers them)
        latest = indicator_latest(indicator=indicator, region_ids=[r.id for r in regions], now=now)
        columns[code] = {
            region_id: {
                "value": round(row.value_for(indicator), indicator.decimals or None),
                "severity": indicator.severity(row.value_for(indicator)),
                "stale": now - row.last_at > indicator.stale_after,
            }
            for region_id, row in latest.items()
        }
    return [{"region": r, "cells": [(columns[code].get(r.id), suffix) for code, suffix in shown]} for r in regions]


@dataclass(frozen=True)
class DistrictSurveillance:
    region: Region
    verdicts: list[DayVerdict]

    @property
    def latest(self) -> DayVerdict | None:
        return self.verdicts[-1] if self.verdicts else None

    @property
    def alarm_since(self) -> date | None:
        """The first day of the current run of alarm days, if the latest day is one."""
        since = None
        for verdict in reversed(self.verdicts):
            if not verdict.alarm:
                break
            since = verdict.day
        return since


def surveillance_table(*, user: Any, days: int = 56) -> list[DistrictSurveillance]:
    """Each watched district the user sees whole, its verdicts for the last `days` complete days, highest latest
    score first."""
    yesterday = timezone.localdate() - timedelta(days=1)
    first = yesterday - timedelta(days=days - 1)
    watched = [d for d in surveillance_regions() if user_can_access_region(user=user, region_id=d.id)]
    rows = [DistrictSurveillance(d, district_verdicts(d, first=first, last=yesterday)) for d in watched]
    rows = [r for r in rows if r.verdicts]
    return sorted(rows, key=lambda r: (-(r.latest.score if r.latest else 0), r.region.code))
