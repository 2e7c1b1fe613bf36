"""Writes of indicators: observations into minute buckets, rollups, alerts and data-source health."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from apps.core.bulk import bulk_insert
from apps.core.errors import ApplicationError
from apps.indicators.buckets import bucket_end, bucket_start
from apps.indicators.models import Granularity, IndicatorValue, PendingRollup
from apps.indicators.registry import get_indicator
from apps.regions.models import Region

# Devices' clocks drift: a few minutes ahead is accepted, more is refused.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Observation:
    """One value of an indicator in a region at a time (domain ingest computes it from raw rows)."""

    indicator: str
    region_id: int
    observed_at: datetime
    value: float


@dataclass
class _Bucket:
    count: int = 0
    total: float = 0.0
    low: float = math.inf
    high: float = -math.inf
    last_value: float = 0.0
    last_at: datetime | None = None

    def add(self, value: float, at: datetime) -> None:
        self.count += 1
        self.total += value
        self.low, self.high = min(self.low, value), max(self.high, value)
        if self.last_at is None or at >= self.last_at:
            self.last_value, self.last_at = value, at


def _check(observation: Observation, now: datetime) -> None:
    if get_indicator(observation.indicator) is None:
        raise ApplicationError(f"unknown indicator {observation.indicator!r}", fields={"indicator": ["unknown"]})
    if timezone.is_naive(observation.observed_at):
        raise ApplicationError("observed_at must carry a time zone", fields={"observed_at": ["no time zone"]})
    if not EARLIEST <= observation.observed_at <= now + CLOCK_SKEW:
        # A clock far ahead would hide current values for days; a year-1 date would break day buckets.
        raise ApplicationError(
            "observed_at is in the future or implausibly old", fields={"observed_at": ["out of range"]}
        )
    if not math.isfinite(observation.value):
        raise ApplicationError("values must be finite numbers", fields={"value": ["not finite"]})


@transaction.atomic
def indicator_observations_record(*, observations: Sequence[Observation]) -> int:
    """Fold observations into their regions' minute buckets and queue the rollups; returns buckets touched.

    Additive: callers pass each observation once (for events counted as they happen). Raises
    ApplicationError, writing nothing, for an unknown indicator, a naive time or a non-finite value.
    """
    return _minutes_write(observations, replace=False)


@transaction.atomic
def indicator_minutes_put(*, observations: Sequence[Observation]) -> int:
    """Like indicator_observations_record, but the observations are *all* there are for every
    (indicator, region, minute) they fall in: those minute buckets are replaced, not added to.

    For feeds that recompute minutes from their raw rows, so recomputing a minute is harmless.
    """
    return _minutes_write(observations, replace=True)


def _minutes_write(observations: Sequence[Observation], *, replace: bool) -> int:
    buckets: dict[tuple[str, int, datetime], _Bucket] = defaultdict(_Bucket)
    now = timezone.now()
    for observation in observations:
        _check(observation, now)
        minute = bucket_start(observation.observed_at, Granularity.MINUTE)
        buckets[(observation.indicator, observation.region_id, minute)].add(
            float(observation.value), observation.observed_at
        )
    if not buckets:
        return 0
    adapt = _adapter()
    _minute_buckets_write(buckets, adapt, replace=replace)
    bulk_insert(
        table=PendingRollup._meta.db_table,
        columns=["indicator", "region_id", "minute"],
        pg_types=["text", "bigint", "timestamptz"],
        rows=[(i, r, adapt(m)) for i, r, m in buckets],
        on_conflict="ON CONFLICT DO NOTHING",
    )
    return len(buckets)


def _adapter() -> Any:
    """The ORM's datetime adaptation for raw SQL, memoised: a batch repeats the same minutes many times."""
    cache: dict[datetime, Any] = {}
    adapt = connection.ops.adapt_datetimefield_value

    def adapted(value: datetime) -> Any:
        if value not in cache:
            cache[value] = adapt(value)
        return cache[value]

    return adapted


def _minute_buckets_write(buckets: dict[tuple[str, int, datetime], _Bucket], adapt: Any, *, replace: bool) -> None:
    table = IndicatorValue._meta.db_table
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    replaced = """
        ON CONFLICT (indicator, region_id, granularity, bucket_start) DO UPDATE SET
            count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
            last_value = excluded.last_value, last_at = excluded.last_at, updated_at = excluded.updated_at
    """
    added = f"""
        ON CONFLICT (indicator, region_id, granularity, bucket_start) DO UPDATE SET
            count = {table}.count + excluded.count,
            sum = {table}.sum + excluded.sum,
            min = {least}({table}.min, excluded.min),
            max = {greatest}({table}.max, excluded.max),
            last_value = CASE WHEN excluded.last_at >= {table}.last_at THEN excluded.last_value
                              ELSE {table}.last_value END,
            last_at = {greatest}({table}.last_at, excluded.last_at),
            updated_at = excluded.updated_at
    """
    # Raw SQL skips the ORM's conversions: datetimes must be adapted as the ORM stores them (SQLite keeps
    # naive UTC text, and an offset suffix would make equal instants compare unequal).
    now = adapt(timezone.now())
    bulk_insert(
        table=table,
        columns=[
            "indicator",
            "region_id",
            "granularity",
            "bucket_start",
            "count",
            "sum",
            "min",
            "max",
            "last_value",
            "last_at",
            "updated_at",
        ],  # fmt: skip
        pg_types=[
            "text",
            "bigint",
            "text",
            "timestamptz",
            "integer",
            "float8",
            "float8",
            "float8",
            "float8",
            "timestamptz",
            "timestamptz",
        ],  # fmt: skip
        rows=[
            (i, r, "minute", adapt(m), b.count, b.total, b.low, b.high, b.last_value, adapt(b.last_at), now)
            for (i, r, m), b in buckets.items()
        ],
        on_conflict=replaced if replace else added,
    )


# --- Rollups ---------------------------------------------------------------------------------------------


@transaction.atomic
def indicator_rollups_run(*, limit: int = 5000) -> set[tuple[str, int]]:
    """Roll queued minute buckets up to hour and day, and every bucket up to the parent regions.

    Returns the (indicator, region_id) pairs whose values changed. Idempotent: rollups are recomputed
    from their sources, so running twice gives the same rows.
    """
    pending = list(PendingRollup.objects.order_by("id")[:limit])
    if not pending:
        return set()
    PendingRollup.objects.filter(id__in=[p.id for p in pending]).delete()
    touched = {(p.indicator, p.region_id, Granularity.MINUTE, p.minute) for p in pending}
    # Each hour, then each day, once however many of its minutes changed (hours before days: days read hours).
    hours = {(i, r, bucket_start(m, Granularity.HOUR)) for i, r, _g, m in touched}
    for indicator, region_id, hour in sorted(hours):
        touched.add(
            (
                indicator,
                region_id,
                Granularity.HOUR,
                _derive(indicator, region_id, Granularity.HOUR, hour, source=Granularity.MINUTE),
            )
        )
    days = {(i, r, bucket_start(h, Granularity.DAY)) for i, r, h in hours}
    for indicator, region_id, day in sorted(days):
        touched.add(
            (
                indicator,
                region_id,
                Granularity.DAY,
                _derive(indicator, region_id, Granularity.DAY, day, source=Granularity.HOUR),
            )
        )
    changed = {(indicator, region_id) for indicator, region_id, _g, _b in touched}
    changed |= _roll_up_parents(touched)
    return changed


def _derive(indicator: str, region_id: int, granularity: str, moment: datetime, *, source: str) -> datetime:
    """Recompute one hour or day bucket of a region from its finer buckets."""
    start = bucket_start(moment, granularity)
    rows = IndicatorValue.objects.filter(
        indicator=indicator,
        region_id=region_id,
        granularity=source,
        bucket_start__gte=start,
        bucket_start__lt=bucket_end(start, granularity),
    )
    totals = rows.aggregate(count=Sum("count"), total=Sum("sum"), low=Min("min"), high=Max("max"))
    last = rows.order_by("-last_at").values("last_value", "last_at").first()
    if last is None:
        return start
    _bucket_put(
        indicator,
        region_id,
        granularity,
        start,
        totals["count"],
        totals["total"],
        totals["low"],
        totals["high"],
        last["last_value"],
        last["last_at"],
    )
    return start


def _bucket_put(indicator: str, region_id: int, granularity: str, start: datetime, *fields: Any) -> None:
    count, total, low, high, last_value, last_at = fields
    IndicatorValue.objects.bulk_create(
        [
            IndicatorValue(
                indicator=indicator,
                region_id=region_id,
                granularity=granularity,
                bucket_start=start,
                count=count,
                sum=total,
                min=low,
                max=high,
                last_value=last_value,
                last_at=last_at,
            )
        ],
        update_conflicts=True,
        unique_fields=["indicator", "region", "granularity", "bucket_start"],
        update_fields=["count", "sum", "min", "max", "last_value", "last_at", "updated_at"],
    )


def _roll_up_parents(touched: set[tuple[str, int, str, datetime]]) -> set[tuple[str, int]]:
    """Recompute every ancestor's buckets from its children, deepest level first."""
    regions = Region.objects.in_bulk({region_id for _i, region_id, _g, _b in touched})
    parents_of = _parent_ids(regions.values())
    changed: set[tuple[str, int]] = set()
    # Unknown indicators and those whose domain observes every region ("own") are not combined upwards.
    own = {code for code, _r, _g, _b in touched if (found := get_indicator(code)) is None or found.rollup == "own"}
    level = {key for key in touched if key[0] not in own}
    while level:
        above = {(i, parents_of[r], g, b) for i, r, g, b in level if parents_of.get(r)}
        for indicator, parent_id, granularity, start in above:
            if _combine_children(indicator, parent_id, granularity, start):
                changed.add((indicator, parent_id))
        level = above
    return changed


def _parent_ids(regions: Iterable[Region]) -> dict[int, int]:
    """Child id → parent id for the regions and all their ancestors."""
    codes = {code for region in regions for code in region.path.strip("/").split("/")}
    return {pk: parent for pk, parent in Region.objects.filter(code__in=codes).values_list("id", "parent_id") if parent}


def _weights(indicator: Any, children: list[IndicatorValue], granularity: str, start: datetime) -> list[float] | None:
    """Each child's weight in a weighted mean: its population, or its value of the `weight` indicator at the
    same bucket (a child without one weighs nothing); None when every weight is zero."""
    if indicator.weight is None:
        weights = [float(child.region.population or 1) for child in children]
    else:
        weigher = get_indicator(indicator.weight)
        rows = IndicatorValue.objects.filter(
            indicator=indicator.weight,
            granularity=granularity,
            bucket_start=start,
            region_id__in=[child.region_id for child in children],
        )
        by_region = {row.region_id: max(0.0, row.value_for(weigher)) for row in rows} if weigher else {}
        weights = [by_region.get(child.region_id, 0.0) for child in children]
    return weights if sum(weights) > 0 else None


def _combine_children(indicator_code: str, parent_id: int, granularity: str, start: datetime) -> bool:
    indicator = get_indicator(indicator_code)
    children = list(
        IndicatorValue.objects.filter(
            indicator=indicator_code, granularity=granularity, bucket_start=start, region__parent_id=parent_id
        ).select_related("region")
    )
    if indicator is None or not children:
        return False
    values = [child.value_for(indicator) for child in children]
    weights = _weights(indicator, children, granularity, start) if indicator.rollup == "weighted_mean" else None
    weights = weights or [1.0] * len(children)
    if indicator.rollup == "sum":
        combined = sum(values)
    elif indicator.rollup == "max":
        combined = max(values)
    else:
        combined = sum(v * w for v, w in zip(values, weights, strict=True)) / sum(weights)
    count = sum(child.count for child in children)
    total = {"mean": combined * count, "sum": combined}.get(indicator.aggregation, sum(c.sum for c in children))
    high = combined if indicator.aggregation == "max" else max(c.max for c in children)
    last_value = combined if indicator.aggregation == "last" else max(children, key=lambda c: c.last_at).last_value
    _bucket_put(
        indicator_code,
        parent_id,
        granularity,
        start,
        count,
        total,
        min(c.min for c in children),
        high,
        last_value,
        max(c.last_at for c in children),
    )
    return True
