"""Reads for the environment pages: the latest AQI of the city and its districts, stations and their health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from apps.accounts.selectors import regions_scope
from apps.dashboards.selectors import city_region
from apps.environment.aqi import POLLUTANT, STANDARDS, AqiResult, Category, Standard, category_for, standard_for
from apps.environment.models import AirReading, NoiseReading, Station
from apps.environment.services import POLLUTANTS, channel_code, station_realtime
from apps.indicators.health import SensorHealth, sensor_health
from apps.indicators.models import SourceSensor
from apps.indicators.registry import get_indicator
from apps.indicators.selectors import indicator_latest
from apps.regions.models import Region


@dataclass(frozen=True)
class AreaAir:
    region: Region
    aqi: int | None
    pm25: int | None
    category: Category | None
    at: datetime | None
    stale: bool


def current_standard() -> str:
    return settings.CITYOPS_AQI_STANDARD or standard_for(timezone.now())


class AirQuality(TypedDict):
    """A region's and its children's air now (public_air_quality)."""

    city: AreaAir | None
    districts: list[AreaAir]
    standard: Standard  # the AQI standard in force
    categories: NotRequired[list[Category]]  # its categories; left out without a city


def public_air_quality(*, root: Region | None = None) -> AirQuality:
    """The latest AQI and PM2.5 with category of a region and each region below it — the city and its districts
    unless `root` says otherwise (staff pages pass the user's own region). Public information."""
    city = root or city_region()
    standard = current_standard()
    if city is None:
        return {"city": None, "districts": [], "standard": STANDARDS[standard]}
    districts = list(Region.objects.filter(parent=city).order_by("code"))
    regions = [city, *districts]
    aqi = get_indicator("environment.aqi")
    pm25 = get_indicator("environment.pm25")
    now = timezone.now()
    latest_aqi = indicator_latest(indicator=aqi, region_ids=[r.id for r in regions], now=now) if aqi else {}
    latest_pm = indicator_latest(indicator=pm25, region_ids=[r.id for r in regions], now=now) if pm25 else {}

    def area(region: Region) -> AreaAir:
        row, pm_row = latest_aqi.get(region.id), latest_pm.get(region.id)
        value = round(row.value_for(aqi)) if row else None
        return AreaAir(
            region=region,
            aqi=value,
            pm25=round(pm_row.value_for(pm25)) if pm_row else None,
            category=category_for(standard, value),
            at=row.last_at if row else None,
            stale=bool(row and aqi and now - row.last_at > aqi.stale_after),  # a row only with an AQI indicator
        )

    return {
        "city": area(city),
        "districts": [area(d) for d in districts],
        "standard": STANDARDS[standard],
        "categories": STANDARDS[standard].categories,
    }


class StationRow(TypedDict):
    """A monitoring station as the staff page lists it (station_rows)."""

    station: Station
    reading: AirReading | NoiseReading | None  # its newest
    aqi: AqiResult | None  # an air station's real-time report at that reading
    health: SensorHealth | None
    channels: list[tuple[str, SensorHealth]]  # (pollutant, health) of analysers stuck or reading implausibly


def station_rows(*, user: Any) -> list[StationRow]:
    """Every station in the user's regions with its latest reading and its health (stale, flat-lined,
    implausible values)."""
    rows = regions_scope(Station.objects.select_related("region", "source"), user=user, field="region")
    stations = list(rows.order_by("kind", "code"))
    analysers = {channel_code(st, name) for st in stations for name in POLLUTANTS}
    health = {
        (s.source_id, s.code): sensor_health(sensor=s, completeness=s.code not in analysers)
        for s in SourceSensor.objects.select_related("source").filter(source__in={st.source_id for st in stations})
    }
    latest: dict[int, AirReading | NoiseReading] = {}
    for model in (AirReading, NoiseReading):
        newest = dict(
            model.objects.filter(station__in=stations).values_list("station_id").annotate(at=Max("observed_at"))
        )
        if newest:
            wanted = Q()
            for station_id, at in newest.items():
                wanted |= Q(station_id=station_id, observed_at=at)
            latest.update({r.station_id: r for r in model.objects.filter(wanted)})
    return [
        {
            "station": s,
            "reading": latest.get(s.id),
            "aqi": station_realtime(s.id, latest[s.id].observed_at) if s.id in latest and s.kind == "air" else None,
            "health": health.get((s.source_id, s.code)),
            # analysers stuck on one value or reading implausibly, by pollutant
            "channels": [
                (POLLUTANT[name], h)
                for name in POLLUTANTS
                if (h := health.get((s.source_id, channel_code(s, name)))) and (h.flatlined or h.out_of_range)
            ],
        }
        for s in stations
    ]
