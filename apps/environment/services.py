"""Environment ingest: station hourly means checked and stored in bulk; the tick folds them into the spine.

One endpoint takes air and noise rows: `{"station", "observed_at", "pm25", "pm10", "so2", "no2", "o3", "co"}`
(any pollutant may be missing, at least one present) or `{"station", "observed_at", "leq"}` for a noise
station. `observed_at` is the end of the averaging hour. Same guarantees as every feed (apps/ingest): per-source
tokens, idempotent on (station, observed_at), whole-batch rejection listing every bad row, one bulk write.

A stored reading's empty pollutant cells may be filled once by a later row of the same station and time (a
sender that posts one pollutant at a time, as a SensorThings client does: apps/sensorthings/create.py): a stored
value is never changed (a different one is ignored, as a repeat), and a filled row marks its minute for the tick
as an inserted one does, so the AQI is recomputed from the completed row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, FloatField, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.bulk import bulk_insert_new
from apps.environment.aqi import US_EPA_2024, AqiResult, standard_for
from apps.environment.models import AirReading, NoiseReading, Station
from apps.environment.reports import daily_report, realtime_report
from apps.indicators.health import SensorReading, sensor_states_advance
from apps.indicators.models import DataSource, SourceSensor
from apps.indicators.services import Observation, indicator_minutes_put
from apps.ingest.batches import Batch, Column, RowError, batch_read
from apps.ingest.feeds import Span, feed_rows_mark, minute_spans, sensor_activity_recount
from apps.ingest.lifecycle import raw_partitions_ensure
from apps.regions.models import Region

FEED = "environment.readings"
POLLUTANTS = ["pm25", "pm10", "so2", "no2", "o3", "co"]
# Above these a value is physically implausible for an hourly mean: stored, but the station is flagged.
PLAUSIBLE_MAX = {"pm25": 1000, "pm10": 2000, "so2": 3000, "no2": 2000, "o3": 1500, "co": 100, "leq": 140}
# Above these a value is no reading at all, and the row is refused (400 naming it): beyond the full scale of the
# analysers (µg/m³; CO mg/m³) and far beyond any outdoor hourly mean recorded (dust storms, volcanic plumes);
# 194 dB is the loudest sound air can carry (the trough of the wave reaches vacuum).
POSSIBLE_MAX = {"pm25": 10_000, "pm10": 20_000, "so2": 50_000, "no2": 20_000, "o3": 10_000, "co": 1000, "leq": 194}

READING_COLUMNS = [
    Column("station", "text"),
    Column("observed_at", "time"),
    *[Column(name, "number", required=False, minimum=0, maximum=POSSIBLE_MAX[name]) for name in POLLUTANTS],
    Column("leq", "number", required=False, minimum=0, maximum=POSSIBLE_MAX["leq"]),
]

# GB 3096-2008 limits, dB(A): (day 06–22, night 22–06) per functional zone.
NOISE_LIMITS = {"0": (50, 40), "1": (55, 45), "2": (60, 50), "3": (65, 55), "4a": (70, 55), "4b": (70, 60)}


def environment_readings_ingest(
    *, source: DataSource, body: bytes | None = None, content_type: str = "application/json", rows: Any = None
) -> dict[str, int]:
    """Store a batch of station readings from one source; returns {"accepted", "duplicates"}."""
    stations = {s.code: s for s in Station.objects.filter(source=source)}

    def check(batch: Batch) -> list[RowError]:
        return _row_rules(batch, stations)

    batch = batch_read(body=body, content_type=content_type, rows=rows, columns=READING_COLUMNS, check=check)
    return _store(batch, stations)


def _row_rules(batch: Batch, stations: dict[str, Station]) -> list[RowError]:
    errors = []
    for index, code in enumerate(batch["station"]):
        if code is None:
            continue
        station = stations.get(code)
        if station is None:
            errors.append(RowError(index, "station", _("unknown station, or not one of this token's source")))
            continue
        air = [name for name in POLLUTANTS if batch[name][index] is not None]
        if station.kind == Station.Kind.NOISE:
            if batch["leq"][index] is None:
                errors.append(RowError(index, "leq", _("a noise station's reading needs leq")))
            for name in air:
                errors.append(RowError(index, name, _("a noise station measures no pollutants")))
        else:
            if batch["leq"][index] is not None:
                errors.append(RowError(index, "leq", _("an air station measures no noise")))
            if not air and not any((index, name) in batch.refused for name in POLLUTANTS):
                # a pollutant given but refused is told in its own cell, not as one missing
                errors.append(RowError(index, "pm25", _("give at least one pollutant")))
    return errors


@transaction.atomic
def _store(batch: Batch, stations: dict[str, Station]) -> dict[str, int]:
    if not batch.size:
        return {"accepted": 0, "duplicates": 0}
    adapt = connection.ops.adapt_datetimefield_value
    air = [i for i, code in enumerate(batch["station"]) if stations[code].kind == Station.Kind.AIR]
    noise = [i for i, code in enumerate(batch["station"]) if stations[code].kind == Station.Kind.NOISE]
    for rows, model in ((air, AirReading), (noise, NoiseReading)):  # both before either is written
        raw_partitions_ensure(model=model, moments=[batch["observed_at"][i] for i in rows])
    accepted = 0
    for rows, model, fields, types in (
        (air, AirReading, POLLUTANTS, ["float8"] * len(POLLUTANTS)),
        (noise, NoiseReading, ["leq"], ["float8"]),
    ):
        if not rows:
            continue
        accepted += bulk_insert_new(
            table=model._meta.db_table,
            columns=["station_id", "observed_at", *fields],
            pg_types=["bigint", "timestamptz", *types],
            values=[
                [stations[batch["station"][i]].id for i in rows],
                [adapt(batch["observed_at"][i]) for i in rows],
                *[[batch[name][i] for i in rows] for name in fields],
            ],
            conflict=["station_id", "observed_at"],
        )
    if len(air) > 0 and accepted < len(air) + len(noise):  # some rows were stored already
        accepted += _air_cells_fill(batch, air, stations)
    if accepted:
        row_regions = zip(batch["observed_at"], (stations[code].region_id for code in batch["station"]), strict=True)
        feed_rows_mark(feed=FEED, rows=row_regions)
    return {"accepted": accepted, "duplicates": batch.size - accepted}


def _air_cells_fill(batch: Batch, rows: list[int], stations: dict[str, Station]) -> int:
    """Fill the empty pollutant cells of stored readings with the batch's values for them; how many rows gained
    a value. Never changes a stored value (COALESCE in the statement, so a concurrent fill cannot either)."""
    keys = {(stations[batch["station"][i]].id, batch["observed_at"][i]): i for i in rows}
    moments = [moment for _station, moment in keys]
    stored = AirReading.objects.filter(
        station_id__in=sorted({station for station, _moment in keys}),
        observed_at__gte=min(moments),
        observed_at__lte=max(moments),
    ).values("station_id", "observed_at", *POLLUTANTS)
    filled = 0
    for row in stored:
        index = keys.get((row["station_id"], row["observed_at"]))
        if index is None:
            continue
        empty = {n: batch[n][index] for n in POLLUTANTS if row[n] is None and batch[n][index] is not None}
        if empty:
            cells = {name: Coalesce(F(name), Value(value, output_field=FloatField())) for name, value in empty.items()}
            AirReading.objects.filter(station_id=row["station_id"], observed_at=row["observed_at"]).update(**cells)
            filled += 1
    return filled


# --- The tick: hourly means → AQI, PM2.5, noise over the limit, station health ------------------------------


def environment_readings_aggregate(spans: list[Span]) -> None:
    """Recompute the environment indicators and station health for every reading within the spans."""
    _aggregate([Q(observed_at__gte=start, observed_at__lt=end) for start, end in spans], spans)


def environment_readings_aggregate_parts(parts: dict[datetime, set[int]]) -> None:
    """Recompute them for the stations of the marked regions in each minute: all of those stations' readings
    of the minute, so each region's minute comes out whole, as from the whole minute's readings."""
    filters = [
        Q(
            observed_at__gte=minute,
            observed_at__lt=minute + timedelta(minutes=1),
            station__region_id__in=sorted(regions),
        )
        for minute, regions in parts.items()
    ]
    regions = sorted({region_id for of_minute in parts.values() for region_id in of_minute})
    _aggregate(filters, minute_spans(parts), region_ids=regions)


def _aggregate(filters: list[Q], spans: list[Span], *, region_ids: list[int] | None = None) -> None:
    air = [reading for where in filters for reading in AirReading.objects.filter(where)]
    noise = [reading for where in filters for reading in NoiseReading.objects.filter(where)]
    stations = Station.objects.select_related("source").in_bulk(
        {r.station_id for r in air} | {r.station_id for r in noise}
    )
    observations: list[Observation] = []
    health: dict[int, list[SensorReading]] = defaultdict(list)
    history = (
        _air_history(min(r.observed_at for r in air), max(r.observed_at for r in air), {r.station_id for r in air})
        if air
        else {}
    )
    for reading in air:
        station = stations[reading.station_id]
        present = [getattr(reading, name) for name in POLLUTANTS if getattr(reading, name) is not None]
        health[station.source_id].append(_health(station, reading.observed_at, sum(present), reading))
        for name in POLLUTANTS:  # each channel on its own: one stuck analyser is flagged by name
            value = getattr(reading, name)
            if value is not None:
                health[station.source_id].append(
                    SensorReading(channel_code(station, name), reading.observed_at, value, value <= PLAUSIBLE_MAX[name])
                )
        observations += _air_observations(station, reading, history[station.id])
        if timezone.localtime(reading.observed_at).minute == 0:  # the hourly mean of a whole hour
            observations += _day_observations(station, reading.observed_at, history[station.id])
    for sound in noise:
        station = stations[sound.station_id]
        health[station.source_id].append(_health(station, sound.observed_at, sound.leq, sound))
        if station.region_id is not None and station.zone in NOISE_LIMITS:
            over = max(0.0, sound.leq - noise_limit(station.zone, sound.observed_at))
            observations.append(Observation("environment.noise_over_limit", station.region_id,
                                            sound.observed_at, round(over, 1)))  # fmt: skip
    indicator_minutes_put(observations=observations)
    _channels_ensure(stations, health)
    sources = {s.source_id: s.source for s in stations.values()}
    for source_id, readings in health.items():
        sensor_states_advance(source=sources[source_id], readings=readings)
    sensor_activity_recount(
        raw_models=[AirReading, NoiseReading],
        device="station",
        spans=spans,
        region_ids=region_ids,
        devices=Station.objects.in_bulk,
        sources=sources,
    )


def _air_history(start: datetime, end: datetime, station_ids: set[int]) -> dict[int, dict[datetime, AirReading]]:
    """Per station of `station_ids`, the readings a real-time report needs (the 24 hours before `start` up to
    `end`) and the whole-hour means of the day before those (for yesterday's daily report)."""
    history: dict[int, dict[datetime, AirReading]] = defaultdict(dict)
    mine = AirReading.objects.filter(station_id__in=sorted(station_ids))
    recent = mine.filter(observed_at__gte=start - timedelta(hours=24), observed_at__lte=end)
    earlier = mine.filter(
        observed_at__gte=start - timedelta(hours=48), observed_at__lt=start - timedelta(hours=24), observed_at__minute=0
    )
    for reading in [*earlier, *recent]:
        history[reading.station_id][reading.observed_at] = reading
    return history


def station_realtime(station_id: int, at: datetime) -> AqiResult:
    """A station's real-time report at `at`, from its means at the same minute of the 24 hours up to it."""
    hours = [at - timedelta(hours=ago) for ago in range(24)]
    readings = AirReading.objects.filter(station_id=station_id, observed_at__in=hours)
    return realtime_at(at, {r.observed_at: r for r in readings})


def realtime_at(at: datetime, history: dict[datetime, AirReading]) -> AqiResult:
    """The real-time report at `at` from the hourly means of the 24 hours up to it."""
    standard = settings.CITYOPS_AQI_STANDARD or standard_for(at)
    hours = [history.get(at - timedelta(hours=ago)) for ago in range(23, -1, -1)]
    return realtime_report(standard, {name: [getattr(h, name) if h else None for h in hours] for name in POLLUTANTS})


def _day_observations(station: Station, at: datetime, history: dict[datetime, AirReading]) -> list[Observation]:
    """At each whole hour: how many hours of the local day so far had a real-time AQI above 100, and the
    previous day's AQI (its daily report, as published the next day) — both current at every hour."""
    if station.region_id is None:
        return []
    today_end = timezone.localtime(at - timedelta(minutes=1)).replace(hour=0, minute=0) + timedelta(days=1)
    today = [today_end - timedelta(hours=23 - h) for h in range(24)]  # hours ending 01:00 … 24:00
    polluted = sum(1 for end in today if end <= at and end in history and (realtime_at(end, history).aqi or 0) > 100)
    out = [Observation("environment.polluted_hours", station.region_id, at, float(polluted))]
    yesterday = [end - timedelta(days=1) for end in today]
    standard = settings.CITYOPS_AQI_STANDARD or standard_for(yesterday[-1])
    if standard != US_EPA_2024:  # the daily report is HJ 633's
        day = {name: [getattr(history.get(end), name, None) for end in yesterday] for name in POLLUTANTS}
        daily = daily_report(standard, day)
        if daily.aqi is not None:
            out.append(Observation("environment.aqi_daily", station.region_id, at, float(daily.aqi)))
    return out


def _air_observations(station: Station, reading: AirReading, history: dict[datetime, AirReading]) -> list[Observation]:
    if station.region_id is None:
        return []
    result = realtime_at(reading.observed_at, history)
    out = []
    if result.aqi is not None:
        out.append(Observation("environment.aqi", station.region_id, reading.observed_at, float(result.aqi)))
    if reading.pm25 is not None:
        out.append(Observation("environment.pm25", station.region_id, reading.observed_at, reading.pm25))
    return out


def _health(station: Station, at: datetime, value: float, reading: Any) -> SensorReading:
    """For the station's health: a value that changes when any channel changes (a flat line is all of them
    stuck), and whether every channel is physically plausible."""
    fields = ["leq"] if station.kind == Station.Kind.NOISE else POLLUTANTS
    in_range = all(getattr(reading, f) is None or getattr(reading, f) <= PLAUSIBLE_MAX[f] for f in fields)
    return SensorReading(station.code, at, value, in_range)


def aqi_primary_pollutants(region_id: int, at: datetime) -> tuple[str, str] | None:
    """For AQI alerts: the primary pollutant(s) at the region's worst station (its latest reading up to `at`)."""
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        return None
    worst: AqiResult | None = None
    for station in Station.objects.filter(kind=Station.Kind.AIR, region__path__startswith=region.path):
        latest = AirReading.objects.filter(station=station, observed_at__lte=at).order_by("-observed_at").first()
        if latest is None:
            continue
        result = station_realtime(station.id, latest.observed_at)
        if result.computed_aqi is not None and (worst is None or result.computed_aqi > (worst.computed_aqi or 0)):
            worst = result
    if worst is None or not worst.primary_pollutants:
        return None
    return (
        f"首要污染物：{'、'.join(worst.primary_pollutants)}",
        f"primary pollutant: {', '.join(worst.primary_pollutants)}",
    )


def noise_limit(zone: str, observed_at: datetime) -> float:
    """The zone's limit for the hour ending at `observed_at`, by local time: day 06–22, night 22–06."""
    start = timezone.localtime(observed_at - timedelta(hours=1))
    day, night = NOISE_LIMITS[zone]
    return day if 6 <= start.hour < 22 else night


def station_register(*, station: Station) -> None:
    """Make the station known to the data-source health checks (a silent station is one problem, told once).

    Its analysers become known with their first reading (`_channels_ensure`): a micro-station that measures
    PM2.5 and PM10 only has no SO2 analyser to report silent."""
    SourceSensor.objects.update_or_create(
        source=station.source, code=station.code, defaults={"region_id": station.region_id}
    )
    SourceSensor.objects.filter(source=station.source, code__startswith=f"{station.code}/").update(
        region_id=station.region_id
    )


def _channels_ensure(stations: dict[int, Station], health: dict[int, list[SensorReading]]) -> None:
    """The analysers that reported, known to the health checks from their first reading on."""
    regions = {channel_code(s, name): s.region_id for s in stations.values() for name in POLLUTANTS}
    for source_id, readings in health.items():
        codes = {r.sensor for r in readings if r.sensor in regions}
        known = set(SourceSensor.objects.filter(source_id=source_id, code__in=codes).values_list("code", flat=True))
        SourceSensor.objects.bulk_create(
            [SourceSensor(source_id=source_id, code=code, region_id=regions[code]) for code in sorted(codes - known)],
            ignore_conflicts=True,
        )


def channel_code(station: Station, pollutant: str) -> str:
    """The health-check name of one analyser of a station, e.g. "A-990101/pm25"."""
    return f"{station.code}/{pollutant}"
