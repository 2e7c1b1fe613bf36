"""Traffic ingest: readings checked and stored in bulk, idempotent; the tick folds them into the live spine.

The request path does only what a sender must wait for — check every row, store the new ones in one
statement, mark the minutes they fall in. Congestion, speed and volume per region and the sensors'
health are recomputed from the raw rows of those minutes by `traffic_readings_aggregate`, which the live
tick calls about once a second (apps.ingest.feeds).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.core.bulk import bulk_insert_new
from apps.indicators.health import SensorReading, sensor_states_advance
from apps.indicators.models import DataSource, SourceSensor
from apps.indicators.services import Observation, indicator_minutes_put
from apps.ingest.batches import Batch, Column, RowError, batch_read
from apps.ingest.feeds import Span, feed_rows_mark, minute_spans, sensor_activity_recount
from apps.ingest.lifecycle import raw_partitions_ensure
from apps.traffic.congestion import congestion_index
from apps.traffic.models import TrafficReading, TrafficSensor

FEED = "traffic.readings"

READING_COLUMNS = [
    Column("sensor", "text"),
    Column("observed_at", "time"),
    Column("speed_kmh", "number", minimum=0, maximum=250),
    Column("volume", "count", minimum=0, maximum=10_000),
    Column("occupancy", "number", minimum=0, maximum=100),
]


def traffic_readings_ingest(
    *, source: DataSource, body: bytes | None = None, content_type: str = "application/json", rows: Any = None
) -> dict[str, int]:
    """Store a batch of readings from one source; returns {"accepted": new, "duplicates": already stored}.

    The batch is a request body (JSON array or CSV) or, from Python, a list of row dicts. Every row is
    checked first (fields, ranges, time zone, sensor belongs to the source); any bad row rejects the
    whole batch with BatchInvalid listing every error, and nothing is stored. Idempotent on
    (sensor, observed_at): sending a batch again stores nothing new.
    """
    sensors = list(TrafficSensor.objects.filter(source=source).values_list("code", "id", "region_id"))
    sensor_ids = {code: pk for code, pk, _region in sensors}
    regions: dict[int, int | None] = {pk: region_id for _code, pk, region_id in sensors}

    def check(batch: Batch) -> list[RowError]:
        return _unknown_sensors(batch, sensor_ids)

    batch = batch_read(body=body, content_type=content_type, rows=rows, columns=READING_COLUMNS, check=check)
    return _store(batch, sensor_ids, regions)


def _unknown_sensors(batch: Batch, sensor_ids: dict[str, int]) -> list[RowError]:
    message = _("unknown sensor, or not one of this token's source")
    return [
        RowError(index, "sensor", message)
        for index, code in enumerate(batch["sensor"])
        if code is not None and code not in sensor_ids
    ]


@transaction.atomic
def _store(batch: Batch, sensor_ids: dict[str, int], regions: dict[int, int | None]) -> dict[str, int]:
    if not batch.size:
        return {"accepted": 0, "duplicates": 0}
    times = batch["observed_at"]
    stored: dict[datetime, Any] = {}  # a batch repeats the same few instants: adapt each once
    adapt = connection.ops.adapt_datetimefield_value
    for moment in times:
        if moment not in stored:
            stored[moment] = adapt(moment)
    raw_partitions_ensure(model=TrafficReading, moments=stored.keys())
    accepted = bulk_insert_new(
        table=TrafficReading._meta.db_table,
        columns=["sensor_id", "observed_at", "speed_kmh", "volume", "occupancy"],
        pg_types=["bigint", "timestamptz", "float8", "integer", "float8"],
        values=[
            [sensor_ids[code] for code in batch["sensor"]],
            [stored[moment] for moment in times],
            batch["speed_kmh"],
            batch["volume"],
            batch["occupancy"],
        ],
        conflict=["sensor_id", "observed_at"],
    )
    if accepted:
        row_regions = zip(times, (regions.get(sensor_ids[code]) for code in batch["sensor"]), strict=True)
        feed_rows_mark(feed=FEED, rows=row_regions)
    return {"accepted": accepted, "duplicates": batch.size - accepted}


# --- The tick: raw rows → indicators and sensor health -----------------------------------------------------


def traffic_readings_aggregate(spans: list[Span]) -> None:
    """Recompute the traffic indicators and sensor health for every reading observed within the spans."""
    filters = [Q(observed_at__gte=start, observed_at__lt=end) for start, end in spans]
    _aggregate(filters, spans)


def traffic_readings_aggregate_parts(parts: dict[datetime, set[int]]) -> None:
    """Recompute them for the loops of the marked regions in each minute: all of those loops' readings of the
    minute, so each region's minute comes out whole, as from the whole minute's readings."""
    filters = [
        Q(observed_at__gte=minute, observed_at__lt=minute + timedelta(minutes=1), sensor__region_id__in=sorted(regions))
        for minute, regions in parts.items()
    ]
    regions = sorted({region_id for of_minute in parts.values() for region_id in of_minute})
    _aggregate(filters, minute_spans(parts), region_ids=regions)


@dataclass(frozen=True)
class _Loop:
    code: str
    region_id: int | None
    source_id: int
    free_flow_kmh: float


def _loops(ids: set[int], known: dict[int, _Loop]) -> dict[int, _Loop]:
    """The loops of `ids` (those not in `known` read in one query): only the fields the tick uses, not
    model instances of every loop in the city."""
    missing = ids - set(known)
    if missing:
        rows = TrafficSensor.objects.filter(id__in=sorted(missing)).values_list(
            "id", "code", "region_id", "source_id", "segment__free_flow_kmh"
        )
        known.update({pk: _Loop(code, region_id, source_id, free_flow) for pk, code, region_id, source_id, free_flow
                      in rows})  # fmt: skip
    return known


def _aggregate(filters: list[Q], spans: list[Span], *, region_ids: list[int] | None = None) -> None:
    readings: list[tuple[int, datetime, float, int]] = []  # (sensor id, observed at, speed in km/h, volume)
    for where in filters:  # every stored reading has a sensor (a foreign key): no list of thousands of ids
        readings += TrafficReading.objects.filter(where).values_list("sensor_id", "observed_at", "speed_kmh", "volume")
    loops = _loops({sensor_id for sensor_id, *_rest in readings}, {})
    observations = []
    by_source: dict[int, list[SensorReading]] = defaultdict(list)
    for sensor_id, observed_at, speed, volume in readings:
        loop = loops[sensor_id]
        by_source[loop.source_id].append(SensorReading(loop.code, observed_at, speed))
        if loop.region_id is None:
            continue
        index = congestion_index(speed_kmh=speed, free_flow_kmh=loop.free_flow_kmh)
        observations += [
            Observation("traffic.congestion", loop.region_id, observed_at, index),
            Observation("traffic.speed", loop.region_id, observed_at, speed),
            Observation("traffic.volume", loop.region_id, observed_at, float(volume)),
        ]
    indicator_minutes_put(observations=observations)
    sources = DataSource.objects.in_bulk(list(by_source))
    for source_id, source_readings in by_source.items():
        sensor_states_advance(source=sources[source_id], readings=source_readings)
    sensor_activity_recount(  # the loops and sources read above are not read again
        raw_models=[TrafficReading],
        device="sensor",
        spans=spans,
        region_ids=region_ids,
        devices=lambda ids: _loops(ids, loops),
        sources=sources,
    )


def traffic_sensor_register(*, sensor: TrafficSensor) -> None:
    """Make the sensor known to the data-source health checks."""
    SourceSensor.objects.update_or_create(
        source=sensor.source, code=sensor.code, defaults={"region_id": sensor.region_id}
    )
