"""A simulated environment for the demo city: rolling hourly means every 5 minutes at every station.

Air: PM peaks at night and in the morning, NO2 and CO follow traffic, O3 builds in the afternoon sun; on
some days a pollution episode builds up in one district over hours, spreads to its neighbours with
distance, and clears. Noise follows the city's activity against each zone's day and night limits.
Readings go through the same ingest service real stations use, as JSON batches.

A demonstration can also start an episode now (`manage.py demo_air_episode`): it is kept in the data dir and
added to the readings from then on, so a public warning's whole course (opened, approved, worse, ended) is seen
within hours instead of on the day the simulation happens to choose.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
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
DEMO_EPISODE_FILE = "demo-air-episode.json"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoEpisode:
    """An episode started on purpose: centred on `station`, from `start`, lasting `minutes`."""

    station: str
    start: datetime
    minutes: int


def demo_episode() -> DemoEpisode | None:
    """The episode `manage.py demo_air_episode` started, if any (a file it cannot read: none, logged)."""
    path = settings.DATA_DIR / DEMO_EPISODE_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DemoEpisode(str(data["station"]), datetime.fromisoformat(data["start"]), int(data["minutes"]))
    except (OSError, ValueError, KeyError, TypeError):
        logger.warning("demo air episode: %s cannot be read; no episode added", path)
        return None


def demo_episode_start(*, station: Station, minutes: int, now: datetime) -> DemoEpisode:
    """Start an episode around the station now (replacing one under way); written whole or not at all."""
    started = DemoEpisode(station.code, now.replace(microsecond=0), minutes)
    path = settings.DATA_DIR / DEMO_EPISODE_FILE
    partial = path.with_suffix(".tmp")
    data = {"station": started.station, "start": started.start.isoformat(), "minutes": started.minutes}
    partial.write_text(json.dumps(data), encoding="utf-8")
    partial.replace(path)
    return started


def demo_episode_stop() -> bool:
    """End a started episode at once; False when none was under way."""
    path = settings.DATA_DIR / DEMO_EPISODE_FILE
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed


def demo_episode_extra(station: Station, centre: Station | None, moment: datetime, started: DemoEpisode) -> float:
    """Extra PM2.5 (µg/m³) of a started episode at its centre, weaker with distance: in its first third lightly to
    moderately polluted, then heavily polluted by half way, easing off over its last third to nothing."""
    if centre is None:
        return 0.0
    elapsed = (moment - started.start).total_seconds() / 60
    third = started.minutes / 3
    if elapsed < 0 or elapsed > started.minutes:
        return 0.0
    if elapsed < third:
        extra = 70 * min(1.0, elapsed / 10)
    elif elapsed < 1.5 * third:
        extra = 70 + 120 * (elapsed - third) / (0.5 * third)
    elif elapsed < 2 * third:
        extra = 190.0
    else:
        extra = 190 * (started.minutes - elapsed) / third
    distance = math.hypot(station.lon - centre.lon, station.lat - centre.lat)
    return extra * math.exp(-distance / 0.06)


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


def air_reading(
    station: Station, moment: datetime, stations: list[Station], started: DemoEpisode | None = None
) -> dict[str, object]:
    local = timezone.localtime(moment)
    hour = local.hour + local.minute / 60
    activity = city_activity(local)
    night = math.exp(-(((hour - 6.5) / 3) ** 2)) + 0.7 * math.exp(-(((hour - 22) / 3) ** 2))
    wobble = 1 + 0.08 * stable_noise(f"{station.code}:{moment.isoformat()}")
    extra = episode(station, stations, local)
    if started is not None:
        centre = next((s for s in stations if s.code == started.station), None)
        extra = max(extra, demo_episode_extra(station, centre, moment, started))
    pm25 = (18 + 22 * night + 10 * activity + extra) * wobble
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
    started = demo_episode()
    for station in stations:
        moment = max(last.get(station.id, end - BACKFILL), end - BACKFILL) + STEP
        while moment <= end:
            if station.kind == Station.Kind.AIR:
                rows.append(air_reading(station, moment, stations, started))
            else:
                rows.append(noise_reading(station, moment))
            moment += STEP
    for first in range(0, len(rows), MAX_ROWS):
        environment_readings_ingest(source=source, body=json.dumps(rows[first : first + MAX_ROWS]).encode())
    return len(rows)
