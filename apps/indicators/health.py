"""Data-source health: last seen, completeness, flat-lined and out-of-range sensors, and their alerts."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from apps.core.bulk import bulk_insert, bulk_update_rows
from apps.indicators.alerting import alert_auto_resolve, alert_raise
from apps.indicators.models import Alert, DataSource, SensorActivity, SourceSensor


@dataclass(frozen=True)
class SensorReading:
    sensor: str
    observed_at: datetime
    value: float
    in_range: bool = True


@dataclass(frozen=True)
class SensorHealth:
    sensor: SourceSensor
    stale: bool
    flatlined: bool
    out_of_range: bool
    completeness_hour: float | None  # None when not asked for (it costs two queries)
    completeness_day: float | None
    # Silent for three intervals, but partly while monitoring was not running: not judged yet (see sensor_health).
    awaiting: bool = False

    @property
    def healthy(self) -> bool:
        return not (self.stale or self.flatlined or self.out_of_range)

    @property
    def problems(self) -> list[str]:
        return [name for name in ("stale", "flatlined", "out_of_range") if getattr(self, name)]


@transaction.atomic
def sensor_readings_record(*, source: DataSource, readings: Sequence[SensorReading]) -> None:
    """Advance each sensor's state and add the readings to its hourly counts. Callers pass each reading
    once; feeds that recount raw rows use sensor_states_advance and sensor_activity_put instead.

    Sensors must exist (domain apps create them with their own sensor records). Readings of unknown
    sensors are ignored here: the domain's ingest has already rejected them.
    """
    sensor_states_advance(source=source, readings=readings)
    counts: dict[tuple[str, datetime], list[int]] = {}
    for reading in readings:
        hour = reading.observed_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        tally = counts.setdefault((reading.sensor, hour), [0, 0])
        tally[0] += 1
        tally[1] += 0 if reading.in_range else 1
    _activity_write(source, {key: (received, bad) for key, (received, bad) in counts.items()}, replace=False)


@transaction.atomic
def sensor_states_advance(*, source: DataSource, readings: Sequence[SensorReading]) -> None:
    """Each sensor's last seen, last value, same-value-since (flat-line) and last out-of-range moment.

    Idempotent: a reading older than the sensor's last seen changes nothing, and the same reading twice
    leaves the state as once.
    """
    codes = sorted({reading.sensor for reading in readings})  # locked in one order: concurrent callers never deadlock
    sensors = {
        s.code: s
        for s in SourceSensor.objects.select_for_update().filter(source=source, code__in=codes).order_by("code")
    }
    changed = {}
    for reading in sorted(readings, key=lambda r: r.observed_at):
        sensor = sensors.get(reading.sensor)
        if sensor is not None:
            _sensor_update(sensor, reading)
            changed[sensor.code] = sensor
    adapt = connection.ops.adapt_datetimefield_value
    bulk_update_rows(
        table=SourceSensor._meta.db_table,
        key="id",
        columns=["last_seen", "last_value", "same_value_since", "out_of_range_at"],
        pg_types=["bigint", "timestamptz", "float8", "timestamptz", "timestamptz"],
        rows=[
            (s.pk, adapt(s.last_seen), s.last_value, adapt(s.same_value_since), adapt(s.out_of_range_at))
            for s in changed.values()
        ],
    )


@transaction.atomic
def sensor_activity_put(*, source: DataSource, counts: dict[tuple[str, datetime], tuple[int, int]]) -> None:
    """Set (not add to) sensors' hourly counts: {(sensor code, hour start): (received, out of range)}.

    For feeds that count their raw rows per hour, so recounting an hour is harmless.
    """
    _activity_write(source, counts, replace=True)


def _activity_write(source: DataSource, counts: dict[tuple[str, datetime], tuple[int, int]], *, replace: bool) -> None:
    ids = dict(SourceSensor.objects.filter(source=source).values_list("code", "id"))
    table = SensorActivity._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    update = (
        "received = excluded.received, out_of_range = excluded.out_of_range"
        if replace
        else f"received = {table}.received + excluded.received, "
        f"out_of_range = {table}.out_of_range + excluded.out_of_range"
    )
    bulk_insert(
        table=table,
        columns=["sensor_id", "hour_start", "received", "out_of_range"],
        pg_types=["bigint", "timestamptz", "integer", "integer"],
        rows=[
            (ids[code], adapt(hour), received, bad) for (code, hour), (received, bad) in counts.items() if code in ids
        ],
        on_conflict=f"ON CONFLICT (sensor_id, hour_start) DO UPDATE SET {update}",
    )


def _sensor_update(sensor: SourceSensor, reading: SensorReading) -> None:
    if sensor.last_seen is not None and reading.observed_at < sensor.last_seen:
        return  # a late reading says nothing about the current state
    if sensor.last_value is None or reading.value != sensor.last_value:
        sensor.same_value_since = reading.observed_at
    sensor.last_seen, sensor.last_value = reading.observed_at, reading.value
    if not reading.in_range:
        sensor.out_of_range_at = reading.observed_at


def sensor_health(
    *,
    sensor: SourceSensor,
    now: datetime | None = None,
    completeness: bool = True,
    resumed_at: datetime | None = None,
) -> SensorHealth:
    """A sensor's health at `now`. `resumed_at`: when monitoring last (re)started (see data_sources_check); a
    sensor is only held to silence that CityOps was there to hear."""
    now = now or timezone.now()
    source = sensor.source
    interval = timedelta(seconds=source.expected_interval_s)
    # Silent for three intervals — since its last reading, or since it was registered: a loop installed a minute
    # ago is not failing yet (a city's first deployment would otherwise open an alert for every device at once).
    # Nor since before monitoring resumed: while CityOps was down (or not yet started after the demo was seeded)
    # no reading could arrive, so each sensor has three intervals from the restart to be heard from again.
    silent_since = sensor.last_seen or sensor.created_at
    silent = now - silent_since > 3 * interval
    awaiting = silent and resumed_at is not None and now - max(silent_since, resumed_at) <= 3 * interval
    flatlined = bool(
        sensor.same_value_since
        and sensor.last_seen
        and sensor.last_seen - sensor.same_value_since >= timedelta(seconds=source.flatline_after_s)
    )
    out_of_range = bool(sensor.out_of_range_at and now - sensor.out_of_range_at < timedelta(hours=1))
    return SensorHealth(
        sensor=sensor,
        stale=silent and not awaiting,
        flatlined=flatlined,
        out_of_range=out_of_range,
        completeness_hour=_completeness(sensor, now, timedelta(hours=1), interval) if completeness else None,
        completeness_day=_completeness(sensor, now, timedelta(days=1), interval) if completeness else None,
        awaiting=awaiting,
    )


def _completeness(sensor: SourceSensor, now: datetime, window: timedelta, interval: timedelta) -> float:
    """Share of expected readings received in the last full hours of the window (0–1)."""
    end = now.replace(minute=0, second=0, microsecond=0)
    received = SensorActivity.objects.filter(sensor=sensor, hour_start__gte=end - window, hour_start__lt=end).aggregate(
        n=Sum("received")
    )["n"]
    return min(1.0, (received or 0) / (window / interval))


logger = logging.getLogger(__name__)
_CHECK_LOCK = "indicators:data-sources-check"
_CHECK_ALIVE = "indicators:data-sources-check:alive"  # when the beat last asked for a check
_CHECK_RESUMED = "indicators:data-sources-check:resumed"  # when checks (re)started after a pause
# The beat asks for a check every minute (CELERY_BEAT_SCHEDULE): no request for longer than this means monitoring
# was down — CityOps stopped, or the beat did — and readings could not be received or folded in meanwhile.
MONITORING_GAP = timedelta(minutes=2)


def data_sources_check(*, now: datetime | None = None) -> list[SensorHealth]:
    """Raise a data-source alert for every unhealthy sensor, resolve those that recovered.

    In a fixed number of queries however many sensors (a large city has tens of thousands), plus one write per
    alert that opens, changes its problems or resolves: an alert whose sensor is as unhealthy as last time only
    has its last breach moved, in one statement for all of them. One run at a time across processes: a run that
    finds another going returns at once (the beat's next one covers the same sensors).

    Silence is only held against a sensor while monitoring ran: the first check after a start, or after no check
    was asked for MONITORING_GAP (CityOps down for an upgrade, the demo seeded minutes before `make run`), gives
    every sensor three of its intervals from then before calling it stale, so a restart does not open an alert
    for every device whose readings could not arrive. Sensors already alerted stale stay so until heard from.
    With an explicit `now` (tests, re-evaluation) the sensors are judged as of `now` as if monitoring had run
    throughout.
    """
    clock = timezone.now()
    resumed_at = _monitoring_resumed_at(clock) if now is None else None
    token = uuid.uuid4().hex
    if not cache.add(_CHECK_LOCK, token, timeout=300):
        logger.info("data-source check already running elsewhere: this run is skipped")
        return []
    try:
        return _check_all(now or clock, resumed_at=resumed_at)
    finally:
        if cache.get(_CHECK_LOCK) == token:  # a run past the lock's 300 s must not free the next run's lock
            cache.delete(_CHECK_LOCK)


def _monitoring_resumed_at(now: datetime) -> datetime | None:
    """When monitoring last (re)started: now, if no check was asked for within MONITORING_GAP (or ever, as far
    as the cache knows); kept until the next pause. Every request counts, a skipped one too (the beat is alive)."""
    alive = cache.get(_CHECK_ALIVE)
    cache.set(_CHECK_ALIVE, now, timeout=None)
    if alive is None or now - alive > MONITORING_GAP:
        logger.info("data-source checks resume: sensors get three intervals from now to be heard from")
        cache.set(_CHECK_RESUMED, now, timeout=None)
        return now
    return cache.get(_CHECK_RESUMED)


def _check_all(now: datetime, *, resumed_at: datetime | None = None) -> list[SensorHealth]:
    results = []
    open_alerts = {
        alert.subject: alert
        for alert in Alert.objects.filter(kind=Alert.Kind.DATA_SOURCE).exclude(status=Alert.Status.RESOLVED)
    }
    unchanged: list[int] = []
    for sensor in SourceSensor.objects.select_related("source", "region"):
        health = sensor_health(sensor=sensor, now=now, completeness=False, resumed_at=resumed_at)  # state only
        subject = f"{sensor.source.code}/{sensor.code}"
        existing = open_alerts.get(subject)
        if health.awaiting and existing is not None and "stale" in existing.details.get("problems", []):
            # Silent before the pause and not heard from since: still stale (no "recovered" across a restart).
            health = replace(health, stale=True, awaiting=False)
        results.append(health)
        if health.healthy:
            if existing is not None:
                alert_auto_resolve(alert=existing, reason="data source recovered")
            continue
        if existing is not None and existing.details.get("problems") == health.problems:
            unchanged.append(existing.pk)
            continue
        if existing is not None and existing.region_id != sensor.region_id:
            # The sensor was moved to another region since its alert opened: one sensor, one alert, where it is now.
            Alert.objects.filter(pk=existing.pk).update(region=sensor.region)
        problems_zh = "、".join(_PROBLEM_ZH[p] for p in health.problems)
        problems_en = ", ".join(health.problems)
        alert_raise(
            kind=Alert.Kind.DATA_SOURCE,
            severity=Alert.Severity.WARNING,
            region=sensor.region,
            subject=subject,
            title_zh=f"数据源异常：{sensor.source.name_zh} {sensor.code}（{problems_zh}）",
            title_en=f"Data source problem: {sensor.source.name_en or sensor.source.code} {sensor.code} ({problems_en})",  # noqa: E501
            details={
                "problems": health.problems,
                "last_seen": sensor.last_seen.isoformat() if sensor.last_seen else None,
            },
            at=now,
        )
    Alert.objects.filter(pk__in=unchanged).update(last_breach_at=now)
    return results


_PROBLEM_ZH = {"stale": "无数据", "flatlined": "数值不变", "out_of_range": "超出量程"}
