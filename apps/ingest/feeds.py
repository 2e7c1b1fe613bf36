"""Feeds: raw rows in fast, folded into the live spine by the tick.

An ingest endpoint only checks a batch, stores its raw rows and marks the minutes they fall in (one
FeedMinute per feed and minute, in the same transaction). About once a second the live tick hands each
feed its marked minutes as time spans; the feed's aggregator recomputes those minutes from the raw rows
and *replaces* what it computed before — so a late reading, a re-sent batch or a tick that runs twice
never counts anything twice.

A domain declares its feed in its manifest (apps/core/plugins.py), naming the models its raw rows go to
(partitioned by month on PostgreSQL and kept `CITYOPS_RAW_RETENTION_DAYS`: apps/ingest/lifecycle.py):

    manifest = Manifest(feeds=[Feed(key="traffic.readings", aggregate=traffic_readings_aggregate,
                                    raw_models=("traffic.TrafficReading",))])
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from django.db import connection, transaction

from apps.core.bulk import bulk_insert
from apps.core.registry import Registry
from apps.ingest.models import FeedMinute

if TYPE_CHECKING:
    from django.db.models import Model

    from apps.indicators.models import DataSource

logger = logging.getLogger(__name__)

MINUTE = timedelta(minutes=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Span = tuple[datetime, datetime]  # [start, end), whole minutes


@dataclass(frozen=True)
class Feed:
    key: str
    # Recompute everything derived from the raw rows observed within these spans.
    aggregate: Callable[[list[Span]], None]
    # "app_label.Model" of each raw table the feed stores into (each with an `observed_at`).
    raw_models: tuple[str, ...] = ()
    # For a feed that marks parts of minutes (feed_minutes_mark's `parts`): recompute only those parts,
    # {minute: {part, …}}. Minutes marked whole still go to `aggregate`.
    aggregate_parts: Callable[[dict[datetime, set[int]]], None] | None = None


feed_registry: Registry[Feed] = Registry("feed", key=lambda f: f.key)


def get_feed(key: str) -> Feed | None:
    return feed_registry.get(key)


def feeds() -> list[Feed]:
    return feed_registry.items()


PARTS_AT_MOST = 500


def feed_minutes_mark(
    *, feed: str, minutes: Iterable[datetime] = (), parts: Iterable[tuple[datetime, int]] = ()
) -> None:
    """Mark minutes of a feed for the tick — whole (`minutes`) or in parts (`parts`: (minute, part), part ≥ 1,
    for a feed with `aggregate_parts`). Call inside the transaction that stores the raw rows.

    A minute already marked is touched, not skipped: the update locks its mark until this transaction commits,
    so a tick (which takes marks with SKIP LOCKED) cannot take it and read the minute's raw rows without this
    batch's, and a mark a tick is taking right now makes this wait and then mark the minute anew. (With DO
    NOTHING, a batch committing after a tick read its minute was stored but never folded in.) Marks go in
    sorted, so two batches lock shared marks in the same order and never deadlock.
    """
    adapt = connection.ops.adapt_datetimefield_value
    marks = {(minute, FeedMinute.WHOLE) for minute in minutes} | {(minute, part) for minute, part in parts}
    bulk_insert(
        table=FeedMinute._meta.db_table,
        columns=["feed", "minute", "part"],
        pg_types=["text", "timestamptz", "bigint"],
        rows=[(feed, adapt(minute), part) for minute, part in sorted(marks)],
        on_conflict="ON CONFLICT (feed, minute, part) DO UPDATE SET feed = EXCLUDED.feed",
    )


def feed_rows_mark(*, feed: str, rows: Iterable[tuple[datetime, int | None]]) -> None:
    """Mark the minute of each stored row, given as (observed at, region id), for the tick: in the part of the
    row's region, or whole for a row of no region. The tick then recomputes those regions' minutes, not the whole
    city's again for every batch. Call inside the transaction that stores the rows, as feed_minutes_mark."""
    parts: set[tuple[datetime, int]] = set()
    whole: set[datetime] = set()
    for moment, region_id in rows:
        if region_id is None:
            whole.add(minute_of(moment))
        else:
            parts.add((minute_of(moment), region_id))
    feed_minutes_mark(feed=feed, minutes=whole, parts=parts)


def minute_of(moment: datetime) -> datetime:
    """The UTC minute a moment falls in, as marks and minute buckets name it."""
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def feeds_aggregate(*, limit: int = 20000) -> int:
    """Fold marked minutes into the live spine, oldest marks first; returns how many marks were folded.

    Each feed's marks are taken and recomputed in one transaction: if its aggregator fails, the marks stay for
    the next tick and the other feeds go on. A minute marked whole is recomputed whole, whatever parts of it
    are marked too; the parts of other minutes go to the feed's `aggregate_parts`.
    """
    by_feed: dict[str, list[int]] = defaultdict(list)
    for pk, key in FeedMinute.objects.order_by("id").values_list("id", "feed")[:limit]:
        by_feed[key].append(pk)
    done = 0
    for key, ids in by_feed.items():
        feed = feed_registry.get(key)
        if feed is None:
            logger.warning("feed minutes of an unregistered feed %s are kept until it is registered", key)
            continue
        try:
            with transaction.atomic():
                marks = FeedMinute.objects.filter(id__in=ids)
                if connection.features.has_select_for_update_skip_locked:
                    marks = marks.select_for_update(skip_locked=True)
                taken = list(marks.values_list("id", "minute", "part"))  # without those another tick holds
                FeedMinute.objects.filter(id__in=[pk for pk, _minute, _part in taken]).delete()
                whole = {minute for _pk, minute, part in taken if part == FeedMinute.WHOLE or not feed.aggregate_parts}
                parts: dict[datetime, set[int]] = defaultdict(set)
                for _pk, minute, part in taken:
                    if minute not in whole:
                        parts[minute].add(part)
                for minute in [minute for minute, of_minute in parts.items() if len(of_minute) > PARTS_AT_MOST]:
                    whole.add(minute)  # a backlog's minute with most of its parts marked: cheaper whole
                    del parts[minute]
                if whole:
                    feed.aggregate(minute_spans(whole))
                if parts and feed.aggregate_parts:
                    feed.aggregate_parts(dict(parts))
        except Exception:
            logger.exception("feed %s could not be aggregated; its minutes stay marked", key)
            continue
        done += len(taken)
    return done


def minute_spans(minutes: Iterable[datetime]) -> list[Span]:
    """Minutes as the fewest [start, end) spans: 10:00, 10:01, 10:05 → [10:00, 10:02), [10:05, 10:06)."""
    return _merged((minute, minute + MINUTE) for minute in minutes)


def spans_widened(spans: Iterable[Span], unit: timedelta) -> list[Span]:
    """Spans widened to whole units (counted from the Unix epoch, UTC) and merged:
    [10:05, 10:07), [10:50, 11:02) widened to hours → [10:00, 12:00)."""
    return _merged((start - (start - EPOCH) % unit, end + (EPOCH - end) % unit) for start, end in spans)


def _merged(spans: Iterable[Span]) -> list[Span]:
    merged: list[list[datetime]] = []
    for start, end in sorted(spans):
        if merged and merged[-1][1] >= start:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def readings_per_hour(readings: Any, *, device_field: str, spans: Iterable[Span]) -> dict[tuple[int, datetime], int]:
    """{(device id, hour start): raw rows} over every whole hour the spans touch — for sensor health's
    hourly counts, recounted (not added to) whenever a feed folds new minutes in."""
    from django.db.models import Count
    from django.db.models.functions import TruncHour

    counts: dict[tuple[int, datetime], int] = {}
    for first, last in spans_widened(spans, timedelta(hours=1)):
        rows = (
            readings.filter(observed_at__gte=first, observed_at__lt=last)
            .annotate(hour=TruncHour("observed_at", tzinfo=UTC))
            .values(device_field, "hour")
            .annotate(received=Count("pk"))
            .order_by()
        )
        for row in rows:
            counts[(row[device_field], row["hour"])] = row["received"]
    return counts


class Device(Protocol):
    """A feed's device as the sensor-health counts name it: its code and its data source."""

    @property
    def code(self) -> str: ...

    @property
    def source_id(self) -> int: ...


def sensor_activity_recount(
    *,
    raw_models: Sequence[type[Model]],
    device: str,
    spans: Sequence[Span],
    region_ids: list[int] | None,
    devices: Callable[[set[int]], Mapping[int, Device]],
    sources: Mapping[int, DataSource],
) -> None:
    """Set sensor health's hourly counts (apps/indicators/health.py) to the raw rows per device and hour of
    every hour the spans touch, counted in `raw_models`, whose rows point to their device by the foreign key
    `device`; only the devices in `region_ids`, when given (no other device's count changed).

    `devices(ids)` gives the devices of those ids; `sources` the data sources the caller has already read
    (the others are read in one query). A device whose rows are in several of the tables has them all counted.
    """
    from apps.indicators.health import sensor_activity_put
    from apps.indicators.models import DataSource

    per_hour: dict[tuple[int, datetime], int] = {}
    for model in raw_models:
        readings = model._default_manager.all()
        if region_ids is not None:
            readings = readings.filter(**{f"{device}__region_id__in": region_ids})
        for key, received in readings_per_hour(readings, device_field=f"{device}_id", spans=spans).items():
            per_hour[key] = per_hour.get(key, 0) + received
    named = devices({device_id for device_id, _hour in per_hour})
    counts: dict[int, dict[tuple[str, datetime], tuple[int, int]]] = defaultdict(dict)
    for (device_id, hour), received in per_hour.items():
        found = named[device_id]
        counts[found.source_id][(found.code, hour)] = (received, 0)
    missing = set(counts) - set(sources)
    read = {**sources, **DataSource.objects.in_bulk(list(missing))} if missing else sources
    for source_id, source_counts in counts.items():
        sensor_activity_put(source=read[source_id], counts=source_counts)
