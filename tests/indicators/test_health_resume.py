"""Data-source health across a start or a pause of monitoring: silence CityOps was not there to hear is not
held against a sensor (the demo seeded minutes before `make run`, CityOps down for an upgrade)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.indicators.health import (
    _CHECK_LOCK,
    MONITORING_GAP,
    SensorReading,
    data_sources_check,
    sensor_readings_record,
)
from apps.indicators.models import Alert, DataSource, SourceSensor

MINUTE = timedelta(minutes=1)


@pytest.fixture
def source(db: Any) -> DataSource:
    return DataSource.objects.create(
        code="loops", name_zh="线圈", name_en="Loops", domain="traffic", expected_interval_s=60, flatline_after_s=1800
    )


def loops(city: dict[str, Any], source: DataSource, n: int) -> list[SourceSensor]:
    return SourceSensor.objects.bulk_create(
        [SourceSensor(source=source, code=f"L{i}", region=city["W"]) for i in range(n)]
    )


def read(source: DataSource, *codes: str) -> None:
    """A reading from each sensor, observed now (the value varies, so nothing is flat-lined)."""
    now = timezone.now()
    sensor_readings_record(source=source, readings=[SensorReading(c, now, now.timestamp() % 97) for c in codes])


def checks_every_minute(clock: Any, minutes: int, *, source: DataSource | None = None, codes: tuple = ()) -> None:
    """The beat's checks while CityOps runs, the sensors reporting before each one."""
    for _ in range(minutes):
        clock.shift(MINUTE)
        if source is not None:
            read(source, *codes)
        data_sources_check()


def stale_alerts() -> int:
    return Alert.objects.filter(kind=Alert.Kind.DATA_SOURCE).exclude(status=Alert.Status.RESOLVED).count()


def test_sensors_seeded_long_before_the_first_check_are_not_stale_at_once(city, source, clock):
    # given 54 loops registered (the demo seeded) five minutes before the server's first check, none heard from yet
    loops(city, source, 54)
    clock.shift(5 * MINUTE)

    # when monitoring starts: the first checks, within three intervals
    data_sources_check()
    clock.shift(3 * MINUTE - timedelta(seconds=5))
    data_sources_check()

    # then no "data source silent" storm
    assert stale_alerts() == 0


def test_a_sensor_never_heard_from_after_monitoring_started_is_stale_three_intervals_later(city, source, clock):
    # given loops registered long ago and monitoring started now; L0 reports, L1 does not
    loops(city, source, 2)
    clock.shift(30 * MINUTE)
    data_sources_check()

    # when the checks go on, past three intervals
    checks_every_minute(clock, 4, source=source, codes=("L0",))

    # then only the silent one is stale
    assert list(Alert.objects.values_list("subject", flat=True)) == ["loops/L1"]


def test_a_restart_after_ten_minutes_down_gives_every_sensor_three_intervals(city, source, clock):
    # given CityOps checking every minute while the loops report
    loops(city, source, 3)
    checks_every_minute(clock, 5, source=source, codes=("L0", "L1", "L2"))
    assert stale_alerts() == 0

    # when it is down for ten minutes (nothing received, nothing checked), and comes back
    clock.shift(10 * MINUTE)
    data_sources_check()

    # then no sensor is stale for silence while it was down
    assert stale_alerts() == 0

    # and those heard from again stay healthy, the one still silent three intervals after the restart is stale
    checks_every_minute(clock, 4, source=source, codes=("L0", "L1"))
    assert list(Alert.objects.exclude(status=Alert.Status.RESOLVED).values_list("subject", flat=True)) == ["loops/L2"]


def test_a_sensor_alerted_stale_before_a_restart_stays_alerted(city, source, clock):
    # given L0 silent long enough to be alerted while CityOps ran
    loops(city, source, 1)
    checks_every_minute(clock, 5)
    alert = Alert.objects.get()
    assert alert.details["problems"] == ["stale"]

    # when CityOps is down for ten minutes and comes back, L0 still silent
    clock.shift(10 * MINUTE)
    data_sources_check()

    # then its alert is not resolved as if it had recovered
    alert.refresh_from_db()
    assert alert.status != Alert.Status.RESOLVED


def test_checks_skipped_while_another_runs_do_not_count_as_a_pause(city, source, clock):
    # given checks every minute, L0 reporting until minute 5
    loops(city, source, 1)
    checks_every_minute(clock, 5, source=source, codes=("L0",))

    # when one check runs long, so the beat's next ones find it running and skip, for longer than the gap
    cache.add(_CHECK_LOCK, "another", timeout=300)
    for _ in range(int(MONITORING_GAP / MINUTE) + 2):
        clock.shift(MINUTE)
        assert data_sources_check() == []
    cache.delete(_CHECK_LOCK)
    clock.shift(MINUTE)
    data_sources_check()

    # then monitoring never paused: L0, silent for more than three intervals, is stale now
    assert list(Alert.objects.values_list("subject", flat=True)) == ["loops/L0"]


def test_a_check_at_an_explicit_instant_judges_as_if_monitoring_ran_throughout(city, source, clock):
    # given loops registered ten minutes ago and never heard from
    loops(city, source, 2)

    # when checked as of ten minutes later, with no check before
    data_sources_check(now=timezone.now() + 10 * MINUTE)

    # then both are stale (tests and re-evaluations name their instant)
    assert stale_alerts() == 2
