"""Traffic ingest: validated readings in bulk, idempotent, then observations for the live spine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction

from apps.core.bulk import bulk_insert
from apps.indicators.health import SensorReading, sensor_readings_record
from apps.indicators.models import DataSource, SourceSensor
from apps.indicators.services import Observation, indicator_observations_record
from apps.ingest.services import BatchInvalid, Column, RowError, batch_validate, parse_number, parse_text, parse_time
from apps.traffic.congestion import congestion_index
from apps.traffic.models import TrafficReading, TrafficSensor

READING_COLUMNS = [
    Column("sensor", parse_text),
    Column("observed_at", parse_time),
    Column("speed_kmh", parse_number, minimum=0, maximum=250),
    Column("volume", parse_number, minimum=0, maximum=10_000),
    Column("occupancy", parse_number, minimum=0, maximum=100),
]


@transaction.atomic
def traffic_readings_ingest(*, source: DataSource, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Store a batch of readings from one source; returns {"accepted": new, "duplicates": already stored}.

    Every row is checked first (fields, ranges, time zone, sensor belongs to the source); any bad row
    rejects the whole batch with BatchInvalid listing every error, and nothing is stored. Idempotent on
    (sensor, observed_at): sending a batch again stores nothing new. New readings feed the congestion,
    speed and volume indicators and the sensors' health.
    """
    parsed, errors = batch_validate(rows, READING_COLUMNS)
    sensors = {s.code: s for s in TrafficSensor.objects.filter(source=source).select_related("segment")}
    for index, row in enumerate(parsed):
        if row.get("sensor") and row["sensor"] not in sensors:
            errors.append(RowError(index, "sensor", "unknown sensor, or not one of this token's source"))
        if row.get("volume") is not None and not float(row["volume"]).is_integer():
            errors.append(RowError(index, "volume", "must be a whole number of vehicles"))
    if errors:
        raise BatchInvalid(sorted(errors, key=lambda e: (e.index, e.field)))
    new = _new_readings(parsed, sensors)
    _readings_insert(new)
    _feed_live_spine(source, new)
    return {"accepted": len(new), "duplicates": len(parsed) - len(new)}


def _new_readings(parsed: list[dict[str, Any]], sensors: dict[str, TrafficSensor]) -> list[TrafficReading]:
    """Readings not stored yet (and each once, if a batch repeats a row)."""
    keys = {(sensors[row["sensor"]].id, row["observed_at"]) for row in parsed}
    times = [moment for _sensor, moment in keys]
    existing = set(
        TrafficReading.objects.filter(
            sensor_id__in={sensor for sensor, _t in keys}, observed_at__gte=min(times), observed_at__lte=max(times)
        ).values_list("sensor_id", "observed_at")
    ) if keys else set()  # fmt: skip
    readings, seen = [], set()
    for row in parsed:
        key = (sensors[row["sensor"]].id, row["observed_at"])
        if key in existing or key in seen:
            continue
        seen.add(key)
        readings.append(
            TrafficReading(
                sensor=sensors[row["sensor"]],
                observed_at=row["observed_at"],
                speed_kmh=row["speed_kmh"],
                volume=int(row["volume"]),
                occupancy=row["occupancy"],
            )
        )
    return readings


def _readings_insert(readings: list[TrafficReading]) -> None:
    """One statement for the batch (PostgreSQL) or one executemany (SQLite), skipping model saves."""
    adapt = connection.ops.adapt_datetimefield_value
    bulk_insert(
        table=TrafficReading._meta.db_table,
        columns=["sensor_id", "observed_at", "speed_kmh", "volume", "occupancy"],
        pg_types=["bigint", "timestamptz", "float8", "integer", "float8"],
        rows=[(r.sensor_id, adapt(r.observed_at), r.speed_kmh, r.volume, r.occupancy) for r in readings],
        on_conflict="ON CONFLICT (sensor_id, observed_at) DO NOTHING",
    )


def _feed_live_spine(source: DataSource, readings: list[TrafficReading]) -> None:
    observations = []
    for reading in readings:
        sensor = reading.sensor
        if sensor.region_id is None:
            continue
        index = congestion_index(speed_kmh=reading.speed_kmh, free_flow_kmh=sensor.segment.free_flow_kmh)
        observations += [
            Observation("traffic.congestion", sensor.region_id, reading.observed_at, index),
            Observation("traffic.speed", sensor.region_id, reading.observed_at, reading.speed_kmh),
            Observation("traffic.volume", sensor.region_id, reading.observed_at, float(reading.volume)),
        ]
    indicator_observations_record(observations=observations)
    sensor_readings_record(
        source=source,
        readings=[SensorReading(r.sensor.code, r.observed_at, r.speed_kmh) for r in readings],
    )


def traffic_sensor_register(*, sensor: TrafficSensor) -> None:
    """Make the sensor known to the data-source health checks."""
    SourceSensor.objects.update_or_create(
        source=sensor.source, code=sensor.code, defaults={"region_id": sensor.region_id}
    )
