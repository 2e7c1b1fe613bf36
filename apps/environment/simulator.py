"""A simulated environment for the demo city: rolling hourly means every 5 minutes at every station.

Air: PM peaks at night and in the morning, NO2 and CO follow traffic, O3 builds in the afternoon sun; on
some days a pollution episode builds up in one district over hours, spreads to its neighbours with
distance, and clears. Noise follows the city's activity against each zone's day and night limits.
Readings go through the same ingest service real stations use, as JSON batches.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from apps.core.simulation import city_activity, stable_noise
from apps.environment.demo import SOURCE_CODE
from apps.environment.models import AirReading, NoiseReading, Station
from apps.environment.services import NOISE_LIMITS, environment_readings_ingest
from apps.indicators.models import DataSource
from apps.ingest.batches import MAX_ROWS

STEP = timedelta(minutes=5)
BACKFILL = timedelta(hours=48)  # on a fresh start: yesterday whole, so the daily AQI has its 24 hours


def episode(station: Station, stations: list[Station], local: datetime) -> float:
    """Extra PM2.5 (µg/m³) from pollution episodes: on some days one builds in a district from an afternoon
    hour, reaches the others later and weaker with distance, and clears over about 14 hours (into the next
    morning — so yesterday's episode counts too)."""
    extra = 0.0
    for back in (0, 1):
        day = local.date() - timedelta(days=back)
        if stable_noise(f"episode:{day}") < -0.2:  # about 40 % of days are clean
            continue
        centre = _centre(stations, day)
        if centre is None:
            continue
        start = 10 + 8 * (1 + stable_noise(f"episode-start:{day}")) / 2  # begins between 10:00 and 18:00
        distance = math.hypot(station.lon - centre[0], station.lat - centre[1])
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=back)
        # It reaches farther districts later (about an hour per 0.03°, a few km) and weaker.
        hours = (local - midnight).total_seconds() / 3600 - start - distance / 0.03
        if 0 <= hours <= 14:
            extra = max(extra, 160 * math.sin(math.pi * hours / 14) ** 2 * math.exp(-distance / 0.06))
    return extra


def _centre(stations: list[Station], day: date) -> tuple[float, float] | None:
    air = [s for s in stations if s.kind == Station.Kind.AIR]
    if not air:
        return None
    pick = air[int((1 + stable_noise(f"episode-where:{day}")) / 2 * (len(air) - 1) + 0.5)]
    return pick.lon, pick.lat


def air_reading(station: Station, moment: datetime, stations: list[Station]) -> dict[str, object]:
    local = timezone.localtime(moment)
    hour = local.hour + local.minute / 60
    activity = city_activity(local)
    night = math.exp(-(((hour - 6.5) / 3) ** 2)) + 0.7 * math.exp(-(((hour - 22) / 3) ** 2))
    wobble = 1 + 0.08 * stable_noise(f"{station.code}:{moment.isoformat()}")
    pm25 = (18 + 22 * night + 10 * activity + episode(station, stations, local)) * wobble
    sun = max(0.0, math.sin(math.pi * (hour - 8) / 11)) if 8 <= hour <= 19 else 0.0
    return {
        "station": station.code,
        "observed_at": moment.isoformat(),
        "pm25": round(pm25),
        "pm10": round(pm25 * 1.55 + 12),
        "so2": round(7 + 3 * (1 + stable_noise(f"so2:{station.code}:{local:%Y%m%d%H}"))),
        "no2": round((14 + 46 * activity) * wobble),
        "o3": round((35 + 140 * sun * (1 - 0.4 * activity)) * wobble),
        "co": round((0.4 + 0.7 * activity) * wobble, 1),
    }


def noise_reading(station: Station, moment: datetime) -> dict[str, object]:
    local = timezone.localtime(moment - timedelta(hours=1))
    day, night = NOISE_LIMITS.get(station.zone, (60, 50))
    base = (day - 6 + 9 * city_activity(local)) if 6 <= local.hour < 22 else (night - 4 + 3 * city_activity(local))
    return {"station": station.code, "observed_at": moment.isoformat(),
            "leq": round(base + 1.5 * stable_noise(f"leq:{station.code}:{moment.isoformat()}"), 1)}  # fmt: skip


def step(now: datetime) -> int:
    """Readings for every demo station at each 5-minute mark since its last one, up to now."""
    source = DataSource.objects.filter(code=SOURCE_CODE).first()
    if source is None:
        return 0
    stations = list(Station.objects.filter(source=source))
    last = {
        **dict(AirReading.objects.filter(station__in=stations).values_list("station_id").annotate(Max("observed_at"))),
        **dict(NoiseReading.objects.filter(station__in=stations).values_list("station_id").annotate(Max("observed_at"))),
    }  # fmt: skip
    step_s = int(STEP.total_seconds())
    end = datetime.fromtimestamp(int(now.timestamp()) // step_s * step_s, tz=UTC)  # the last whole 5 minutes
    rows = []
    for station in stations:
        moment = max(last.get(station.id, end - BACKFILL), end - BACKFILL) + STEP
        while moment <= end:
            if station.kind == Station.Kind.AIR:
                rows.append(air_reading(station, moment, stations))
            else:
                rows.append(noise_reading(station, moment))
            moment += STEP
    for first in range(0, len(rows), MAX_ROWS):
        environment_readings_ingest(source=source, body=json.dumps(rows[first : first + MAX_ROWS]).encode())
    return len(rows)
