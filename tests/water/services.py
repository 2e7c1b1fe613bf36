"""Pressure readings in and out: a batch stored through the ingest path, and the tick's recomputation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.bulk import bulk_insert_new
from apps.indicators.models import DataSource
from apps.indicators.services import Observation, indicator_minutes_put
from apps.ingest.batches import Batch, Column, RowError, batch_read
from apps.ingest.feeds import Span, feed_minutes_mark
from apps.ingest.lifecycle import raw_partitions_ensure
from tests.water.models import PressureReading, PressureSensor

FEED = "water.pressure"
READING_COLUMNS = (
    Column("sensor", "text"),
    Column("observed_at", "time"),
    Column("kpa", "number", minimum=0, maximum=2000),
)


def water_readings_ingest(
    *, source: DataSource, body: bytes | None = None, content_type: str = "application/json", rows: Any = None
) -> dict[str, int]:
    """Store a batch of gauge readings from one source; returns {"accepted", "duplicates"}."""
    sensors = {s.code: s for s in PressureSensor.objects.filter(source=source)}

    def check(batch: Batch) -> list[RowError]:
        return [
            RowError(index, "sensor", _("unknown sensor, or not one of this token's source"))
            for index, code in enumerate(batch["sensor"])
            if code is not None and code not in sensors
        ]

    batch = batch_read(body=body, content_type=content_type, rows=rows, columns=READING_COLUMNS, check=check)
    return _store(batch, sensors)


@transaction.atomic
def _store(batch: Batch, sensors: dict[str, PressureSensor]) -> dict[str, int]:
    if not batch.size:
        return {"accepted": 0, "duplicates": 0}
    raw_partitions_ensure(model=PressureReading, moments=list(batch["observed_at"]))
    adapt = connection.ops.adapt_datetimefield_value
    accepted = bulk_insert_new(
        table=PressureReading._meta.db_table,
        columns=["sensor_id", "observed_at", "kpa"],
        pg_types=["bigint", "timestamptz", "float8"],
        values=[
            [sensors[code].id for code in batch["sensor"]],
            [adapt(moment) for moment in batch["observed_at"]],
            list(batch["kpa"]),
        ],
        conflict=["sensor_id", "observed_at"],
    )
    if accepted:
        feed_minutes_mark(feed=FEED, minutes={_minute(moment) for moment in batch["observed_at"]})
    return {"accepted": accepted, "duplicates": batch.size - accepted}


def _minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def water_readings_aggregate(spans: list[Span]) -> None:
    """The mean pressure of each region's gauges in each minute of the spans (replacing what was there)."""
    where = Q()
    for start, end in spans:
        where |= Q(observed_at__gte=start, observed_at__lt=end)
    readings = PressureReading.objects.filter(where, sensor__region__isnull=False).values_list(
        "sensor__region_id", "observed_at", "kpa"
    )
    indicator_minutes_put(
        observations=[Observation(FEED, region_id, observed_at, kpa) for region_id, observed_at, kpa in readings]
    )


def water_sensors_silent(*, now: datetime | None = None, within: timedelta = timedelta(minutes=30)) -> list[str]:
    """The codes of gauges without a reading within `within` before now (the periodic task's answer)."""
    since = (now or timezone.now()) - within
    heard = set(PressureReading.objects.filter(observed_at__gte=since).values_list("sensor_id", flat=True))
    return sorted(
        code for sensor_id, code in PressureSensor.objects.values_list("id", "code") if sensor_id not in heard
    )
