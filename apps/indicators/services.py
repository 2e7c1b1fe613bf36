"""Writes of indicators: observations into minute buckets, rollups, alerts and data-source health."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.bulk import bulk_insert
from apps.core.errors import ApplicationError
from apps.indicators.buckets import bucket_end, bucket_start
from apps.indicators.models import Granularity, IndicatorValue, PendingHistoryRollup, PendingRollup
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
    """A bucket's fields as stored (IndicatorValue): count, sum, min, max, last value and its time — folded from
    observations (`add`), combined from finer buckets (`merge`) or computed whole (`_combined`)."""

    count: int = 0
    total: float = 0.0
    low: float = math.inf
    high: float = -math.inf
    last_value: float = 0.0
    last_at: datetime | None = None

    def add(self, value: float, at: datetime) -> None:
        """One observation; of two at the same instant the later added is the last, as in the additive upsert
        of _minute_buckets_write. Written out, not through `merge`: the live tick calls it once per row."""
        self.count += 1
        self.total += value
        self.low, self.high = min(self.low, value), max(self.high, value)
        if self.last_at is None or at >= self.last_at:
            self.last_value, self.last_at = value, at

    def merge(self, count: int, total: float, low: float, high: float, last_value: float, last_at: datetime) -> None:
        """A finer bucket's fields (the finer buckets of one bucket lie in their own spans, so no two share a
        `last_at`)."""
        self.count += count
        self.total += total
        self.low, self.high = min(self.low, low), max(self.high, high)
        if self.last_at is None or last_at > self.last_at:
            self.last_value, self.last_at = last_value, last_at


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
#
# Set-based: each step reads all the buckets it needs in one query and writes all it computed in one upsert, so a
# tick costs a fixed number of queries whether one minute changed or a whole backlog after an outage (one rollup
# run used to issue a query per bucket: 1,770 for one batch).

Key = tuple[str, int, str, datetime]  # (indicator, region id, granularity, bucket start)


@transaction.atomic
def indicator_rollups_run(*, limit: int = 20000) -> set[tuple[str, int]]:
    """Roll queued minute buckets up to the parent regions, and queue their hours for indicator_history_run.

    The live tick's part: minutes are what screens, maps and alerts read, so a tick derives only those (in a
    large city hours and days cost twice what minutes do, and nothing live shows them). Returns the
    (indicator, region_id) pairs whose values changed. Idempotent: rollups are recomputed from their sources,
    so running twice gives the same rows.
    """
    pending = list(PendingRollup.objects.order_by("id").values_list("id", "indicator", "region_id", "minute")[:limit])
    if not pending:
        return set()
    PendingRollup.objects.filter(id__in=[row[0] for row in pending]).delete()
    touched: set[Key] = {(i, r, Granularity.MINUTE, m) for _pk, i, r, m in pending}
    changed = {(indicator, region_id) for indicator, region_id, _g, _b in touched}
    changed |= _roll_up_parents(touched)
    adapt = _adapter()
    bulk_insert(
        table=PendingHistoryRollup._meta.db_table,
        columns=["indicator", "region_id", "hour"],
        pg_types=["text", "bigint", "timestamptz"],
        rows=sorted({(i, r, adapt(bucket_start(m, Granularity.HOUR))) for i, r, _g, m in touched}),
        on_conflict="ON CONFLICT DO NOTHING",
    )
    return changed


@transaction.atomic
def indicator_history_run(*, limit: int = 50000) -> int:
    """Derive the hour and day buckets of the queued hours from their minutes, then their ancestors' from their
    children's; returns how many leaf hours were derived. Idempotent, like indicator_rollups_run."""
    pending = list(
        PendingHistoryRollup.objects.order_by("id").values_list("id", "indicator", "region_id", "hour")[:limit]
    )
    if not pending:
        return 0
    PendingHistoryRollup.objects.filter(id__in=[row[0] for row in pending]).delete()
    # Hours, then days (days read hours), each once however many of its minutes changed.
    hours: set[Key] = {(i, r, Granularity.HOUR, h) for _pk, i, r, h in pending}
    _derive(hours, source=Granularity.MINUTE)
    days: set[Key] = {(i, r, Granularity.DAY, bucket_start(b, Granularity.DAY)) for i, r, _g, b in hours}
    _derive(days, source=Granularity.HOUR)
    _roll_up_parents(hours | days)
    return len(hours)


def indicator_rollups_settle() -> set[tuple[str, int]]:
    """Every queued rollup now, minutes and history: what the tick and the history rollup (every minute,
    settings.CELERY_BEAT_SCHEDULE) do between them, at once — for tests and shell sessions that need hours and
    days without waiting for the beat."""
    changed = indicator_rollups_run()
    indicator_history_run()
    return changed


def _ranges(keys: Iterable[Key], *, child_regions: bool = False, exact: bool = False) -> Any:
    """One filter for the buckets finer than the keys (or, `child_regions`, their children's; `exact`, the keys'
    own): per distinct (granularity, start), its indicators and regions — a few ranges, not one condition per
    key, so it may match a few more (indicator × region) than asked."""
    groups: dict[tuple[str, datetime], tuple[set[str], set[int]]] = defaultdict(lambda: (set(), set()))
    for indicator, region_id, granularity, start in keys:
        groups[(granularity, start)][0].add(indicator)
        groups[(granularity, start)][1].add(region_id)
    condition = Q()
    for (granularity, start), (indicators, region_ids) in groups.items():
        if child_regions or exact:
            regions = Q(region__parent_id__in=region_ids) if child_regions else Q(region_id__in=region_ids)
            condition |= Q(regions, granularity=granularity, bucket_start=start, indicator__in=indicators)
        else:
            condition |= Q(bucket_start__gte=start, bucket_start__lt=bucket_end(start, granularity),
                           indicator__in=indicators, region_id__in=region_ids)  # fmt: skip
    return condition


def _derive(keys: set[Key], *, source: str) -> None:
    """Recompute hour or day buckets (`keys`) of their regions from their finer `source` buckets."""
    if not keys:
        return
    granularity = next(iter(keys))[2]
    if connection.vendor == "postgresql":
        _derive_in_database(keys, source=source, granularity=granularity)
        return
    totals: dict[Key, _Bucket] = defaultdict(_Bucket)
    rows = IndicatorValue.objects.filter(_ranges(keys), granularity=source).values_list(
        "indicator", "region_id", "bucket_start", "count", "sum", "min", "max", "last_value", "last_at"
    )
    for indicator, region_id, start, count, total, low, high, last_value, last_at in rows.iterator(chunk_size=10_000):
        key = (indicator, region_id, granularity, bucket_start(start, granularity))
        if key in keys:  # the ranges cover a few more (indicator × region) than asked: leave those alone
            totals[key].merge(count, total, low, high, last_value, last_at)
    _buckets_put(totals)


_UPSERT_BUCKET = """ON CONFLICT (indicator, region_id, granularity, bucket_start) DO UPDATE SET
    count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
    last_value = excluded.last_value, last_at = excluded.last_at, updated_at = excluded.updated_at"""


def _derive_in_database(keys: set[Key], *, source: str, granularity: str) -> None:
    """_derive on PostgreSQL: grouped and written by the database in one statement (a tick of a large city
    re-derives hundreds of hours from their minutes: tens of thousands of rows it need not fetch). The ranges
    cover a few more (indicator × region) than asked: those are recomputed from their own rows too, the same."""
    query = IndicatorValue.objects.filter(_ranges(keys), granularity=source).query
    where, where_params = query.get_compiler(connection=connection).compile(query.where)
    table = IndicatorValue._meta.db_table
    # As bucket_start(): hours of the stored (UTC) instant, days of the local calendar.
    bucket, bucket_params = (
        ("date_trunc('hour', bucket_start, 'UTC')", [])
        if granularity == Granularity.HOUR
        else ("date_trunc('day', bucket_start, %s)", [timezone.get_current_timezone_name()])
    )
    sql = f"""
        INSERT INTO {table} (indicator, region_id, granularity, bucket_start, count, sum, min, max, last_value,
                             last_at, updated_at)
        SELECT indicator, region_id, %s, {bucket} AS derived, SUM(count), SUM(sum), MIN(min), MAX(max),
               (array_agg(last_value ORDER BY last_at DESC))[1], MAX(last_at), %s
        FROM {table} WHERE {where}
        GROUP BY indicator, region_id, derived
        {_UPSERT_BUCKET}"""  # noqa: S608  (names and SQL are ours; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [granularity, *bucket_params, timezone.now(), *where_params])


def _buckets_put(totals: dict[Key, _Bucket]) -> None:
    """Upsert whole buckets (every field replaced) in one statement."""
    if not totals:
        return
    adapt = _adapter()
    now = adapt(timezone.now())
    bulk_insert(
        table=IndicatorValue._meta.db_table,
        columns=["indicator", "region_id", "granularity", "bucket_start", "count", "sum", "min", "max", "last_value",
                 "last_at", "updated_at"],
        pg_types=["text", "bigint", "text", "timestamptz", "integer", "float8", "float8", "float8", "float8",
                  "timestamptz", "timestamptz"],
        rows=[(i, r, g, adapt(b), t.count, t.total, t.low, t.high, t.last_value, adapt(t.last_at), now)
              for (i, r, g, b), t in totals.items()],
        on_conflict=_UPSERT_BUCKET,
    )  # fmt: skip


def _roll_up_parents(touched: set[Key]) -> set[tuple[str, int]]:
    """Recompute every ancestor's buckets from its children, deepest level first, one level at a time."""
    regions = Region.objects.in_bulk({region_id for _i, region_id, _g, _b in touched})
    parents_of = _parent_ids(regions.values())
    changed: set[tuple[str, int]] = set()
    # Unknown indicators and those whose domain observes every region ("own") are not combined upwards.
    own = {code for code, _r, _g, _b in touched if (found := get_indicator(code)) is None or found.rollup == "own"}
    level = {key for key in touched if key[0] not in own}
    while level:
        above = {(i, parents_of[r], g, b) for i, r, g, b in level if parents_of.get(r)}
        combined = _combine_children(above)
        changed |= {(indicator, parent_id) for indicator, parent_id, _g, _b in combined}
        level = above
    return changed


def _parent_ids(regions: Iterable[Region]) -> dict[int, int]:
    """Child id → parent id for the regions and all their ancestors."""
    codes = {code for region in regions for code in region.path.strip("/").split("/")}
    return {pk: parent for pk, parent in Region.objects.filter(code__in=codes).values_list("id", "parent_id") if parent}


@dataclass(frozen=True)
class _Child:
    region_id: int
    population: int | None
    count: int
    total: float
    low: float
    high: float
    last_value: float
    last_at: datetime

    def value_for(self, indicator: Any) -> float:
        """The bucket's value by the indicator's aggregation (as IndicatorValue.value_for)."""
        mean = self.total / self.count
        return {"sum": self.total, "max": self.high, "last": self.last_value}.get(indicator.aggregation, mean)


def _combine_children(parents: set[Key]) -> set[Key]:
    """Recompute the parents' buckets from their children's (one read, one write); returns those written."""
    if not parents:
        return set()
    children: dict[Key, list[_Child]] = defaultdict(list)
    rows = IndicatorValue.objects.filter(_ranges(parents, child_regions=True)).values_list(
        "indicator", "region__parent_id", "granularity", "bucket_start", "region_id", "region__population", "count",
        "sum", "min", "max", "last_value", "last_at",
    )  # fmt: skip
    for row in rows.iterator(chunk_size=10_000):
        indicator, parent_id, granularity, start, region_id, population, count, total, low, high, last, at = row
        key = (indicator, parent_id, granularity, start)
        if key in parents:
            children[key].append(_Child(region_id, population, count, total, low, high, last, at))
    weights = _weights(children)
    totals: dict[Key, _Bucket] = {}
    for key, members in children.items():
        spec = get_indicator(key[0])
        if spec is not None:
            totals[key] = _combined(spec, members, weights.get(key))
    _buckets_put(totals)
    return set(totals)


def _weights(children: dict[Key, list[_Child]]) -> dict[Key, list[float] | None]:
    """Each child's weight in a weighted mean: its population, or its value of the `weight` indicator at the same
    bucket (a child without one weighs nothing); None when every weight is zero. The weight indicators' buckets
    are read in one query."""
    by_indicator = {key: get_indicator(key[0]) for key in children}
    wanted = {
        (found.weight, child.region_id, key[2], key[3])
        for key, found in by_indicator.items()
        if found is not None and found.rollup == "weighted_mean" and found.weight
        for child in children[key]
    }
    weight_values: dict[Key, float] = {}
    if wanted:
        for row in IndicatorValue.objects.filter(_ranges(wanted, exact=True)):
            weigher = get_indicator(row.indicator)
            if weigher is not None:
                weight_values[(row.indicator, row.region_id, row.granularity, row.bucket_start)] = max(
                    0.0, row.value_for(weigher)
                )
    result: dict[Key, list[float] | None] = {}
    for key, members in children.items():
        found = by_indicator[key]
        if found is None or found.rollup != "weighted_mean":
            continue
        if found.weight is None:
            weights = [float(child.population or 1) for child in members]
        else:
            weights = [weight_values.get((found.weight, child.region_id, key[2], key[3]), 0.0) for child in members]
        result[key] = weights if sum(weights) > 0 else None
    return result


def _combined(indicator: Any, children: list[_Child], weights: list[float] | None) -> _Bucket:
    """A parent's bucket from its children's by the indicator's rollup (sum, max or a weighted mean)."""
    values = [child.value_for(indicator) for child in children]
    weights = weights or [1.0] * len(children)
    if indicator.rollup == "sum":
        combined = sum(values)
    elif indicator.rollup == "max":
        combined = max(values)
    else:
        combined = sum(v * w for v, w in zip(values, weights, strict=True)) / sum(weights)
    count = sum(child.count for child in children)
    latest = max(children, key=lambda c: c.last_at)
    return _Bucket(
        count=count,
        total={"mean": combined * count, "sum": combined}.get(indicator.aggregation, sum(c.total for c in children)),
        low=min(c.low for c in children),
        high=combined if indicator.aggregation == "max" else max(c.high for c in children),
        last_value=combined if indicator.aggregation == "last" else latest.last_value,
        last_at=latest.last_at,
    )
