"""Data-source health: stale, flat-lined and out-of-range sensors, completeness, and their alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from apps.indicators.health import SensorReading, data_sources_check, sensor_health, sensor_readings_record
from apps.indicators.models import Alert, DataSource, SensorActivity, SourceSensor

T0 = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def source(db: Any) -> DataSource:
    return DataSource.objects.create(
        code="air",
        name_zh="空气监测网",
        name_en="Air network",
        domain="environment",
        expected_interval_s=60,
        flatline_after_s=1800,
    )


@pytest.fixture
def sensor(city: dict[str, Any], source: DataSource) -> SourceSensor:
    return SourceSensor.objects.create(source=source, code="s1", region=city["W"])


def send(source: DataSource, *readings: tuple[float, float] | tuple[float, float, bool]) -> None:
    """Readings of sensor s1 as (seconds after T0, value[, in_range])."""
    sensor_readings_record(source=source, readings=[SensorReading("s1", at(r[0]), r[1], *r[2:]) for r in readings])


def health(sensor: SourceSensor, now: datetime) -> Any:
    sensor.refresh_from_db()
    return sensor_health(sensor=sensor, now=now)


def test_fresh_varying_readings_are_healthy_and_raise_nothing(sensor, source):
    # given a reading a minute, each different
    send(source, *[(60 * i, float(i)) for i in range(5)])

    # when
    results = data_sources_check(now=at(4 * 60 + 30))

    # then
    assert len(results) == 1
    result = results[0]
    assert (result.stale, result.flatlined, result.out_of_range, result.healthy) == (False, False, False, True)
    assert result.problems == []
    assert Alert.objects.count() == 0
    sensor.refresh_from_db()
    assert (sensor.last_seen, sensor.last_value, sensor.same_value_since) == (at(240), 4.0, at(240))


def test_a_sensor_is_stale_after_three_silent_intervals(sensor, source):
    # given one reading at T0
    send(source, (0, 1.0))

    # when / then: three intervals is still fresh, a second more is stale
    assert health(sensor, at(180)).stale is False
    assert health(sensor, at(181)).stale is True
    assert health(sensor, at(181)).problems == ["stale"]


def test_a_sensor_never_heard_from_is_stale_three_intervals_after_it_was_registered(sensor):
    # when
    just_installed = health(sensor, sensor.created_at + timedelta(seconds=60))
    result = health(sensor, sensor.created_at + timedelta(seconds=181))

    # then it had three intervals to report, like any sensor since its last reading
    assert just_installed.stale is False
    assert (result.stale, result.flatlined, result.out_of_range) == (True, False, False)
    assert (result.completeness_hour, result.completeness_day) == (0.0, 0.0)


def test_a_stale_sensor_raises_one_data_source_alert(sensor, source):
    # given a sensor silent since T0
    send(source, (0, 1.0))

    # when
    data_sources_check(now=at(600))

    # then
    alert = Alert.objects.get()
    assert (alert.kind, alert.subject, alert.region.code, alert.indicator) == ("data_source", "air/s1", "W", "")
    assert (alert.severity, alert.status) == ("warning", "open")
    assert alert.title_en == "Data source problem: Air network s1 (stale)"
    assert alert.title_zh == "数据源异常：空气监测网 s1（无数据）"
    assert alert.details == {"problems": ["stale"], "last_seen": T0.isoformat()}
    assert alert.opened_at == alert.last_breach_at == at(600)


def test_checking_again_updates_the_alert_without_duplicating_it(sensor, source):
    # given a stale sensor with its alert
    send(source, (0, 1.0))
    data_sources_check(now=at(600))

    # when
    data_sources_check(now=at(1200))
    data_sources_check(now=at(1800))

    # then
    alert = Alert.objects.get()
    assert Alert.objects.count() == 1
    assert (alert.opened_at, alert.last_breach_at, alert.status) == (at(600), at(1800), "open")


def test_a_sensor_moved_to_another_region_keeps_one_alert_where_it_is_now(sensor, source, city):
    # given a stale sensor in W with its alert
    send(source, (0, 1.0))
    data_sources_check(now=at(600))

    # when it is moved to E, and its problem changes (a reading out of range, no longer stale)
    SourceSensor.objects.filter(pk=sensor.pk).update(region=city["E"])
    send(source, (620, 999.0, False))
    data_sources_check(now=at(650))

    # then one alert, in E, naming the problem now
    alert = Alert.objects.get()
    assert (alert.region.code, alert.details["problems"], alert.opened_at) == ("E", ["out_of_range"], at(600))


def test_readings_resuming_resolve_the_alert(sensor, source):
    # given a stale sensor with its alert
    send(source, (0, 1.0))
    data_sources_check(now=at(600))

    # when readings resume
    send(source, (3600, 2.0), (3660, 3.0))
    with time_machine.travel(at(3690), tick=False):
        results = data_sources_check(now=at(3690))

    # then
    assert results[0].healthy is True
    alert = Alert.objects.get()
    assert alert.status == "resolved"
    assert (alert.resolved_at, alert.resolved_by) == (at(3690), None)
    assert alert.details["resolution"] == "data source recovered"


def test_identical_values_for_the_flatline_period_are_flatlined(sensor, source):
    # given the same value every minute for 29 minutes
    send(source, *[(60 * i, 7.0) for i in range(30)])
    not_yet = health(sensor, at(29 * 60 + 10))

    # when one more identical reading makes 30 minutes
    send(source, (30 * 60, 7.0))
    result = health(sensor, at(30 * 60 + 10))

    # then
    assert not_yet.flatlined is False
    assert (result.flatlined, result.stale, result.problems) == (True, False, ["flatlined"])
    sensor.refresh_from_db()
    assert sensor.same_value_since == T0


def test_a_changed_value_ends_the_flatline(sensor, source):
    # given a flat-lined sensor
    send(source, *[(60 * i, 7.0) for i in range(31)])

    # when
    send(source, (31 * 60, 7.5))

    # then
    result = health(sensor, at(31 * 60 + 10))
    assert result.flatlined is False
    sensor.refresh_from_db()
    assert sensor.same_value_since == at(31 * 60)


def test_an_out_of_range_reading_counts_for_one_hour(sensor, source):
    # given one out-of-range reading among good ones
    send(source, (0, 1.0), (60, 999.0, False), (120, 2.0))

    # when / then: out of range until an hour after it
    assert health(sensor, at(60 + 3599)).out_of_range is True
    assert health(sensor, at(60 + 3600)).out_of_range is False
    assert SensorActivity.objects.get(sensor=sensor).out_of_range == 1


def test_an_out_of_range_reading_raises_an_alert_naming_the_problem(sensor, source):
    # given
    send(source, (0, 1.0), (60, 999.0, False))

    # when
    data_sources_check(now=at(90))

    # then
    alert = Alert.objects.get()
    assert alert.details["problems"] == ["out_of_range"]
    assert alert.title_en == "Data source problem: Air network s1 (out_of_range)"


def test_completeness_of_the_last_full_hour(sensor, source):
    # given 30 readings between 17:00 and 18:00 (one every two minutes) and some in the current hour
    send(source, *[(120 * i, float(i)) for i in range(30)])
    send(source, *[(3600 + 60 * i, float(i)) for i in range(5)])

    # when
    result = health(sensor, at(3600 + 10 * 60))

    # then half of the 60 expected readings in 17:00–18:00; the current hour is not counted yet
    assert result.completeness_hour == 0.5
    assert result.completeness_day == pytest.approx(30 / 1440)
    assert sorted(SensorActivity.objects.values_list("hour_start", "received")) == [(T0, 30), (at(3600), 5)]


def test_late_readings_are_counted_but_do_not_change_the_current_state(sensor, source):
    # given a reading at 17:05
    send(source, (300, 5.0))

    # when a reading from 17:01 arrives late
    send(source, (60, 99.0, False))

    # then
    sensor.refresh_from_db()
    assert (sensor.last_seen, sensor.last_value, sensor.same_value_since, sensor.out_of_range_at) == (
        at(300),
        5.0,
        at(300),
        None,
    )
    assert SensorActivity.objects.get(sensor=sensor).received == 2


def test_readings_of_unknown_sensors_are_ignored(sensor, source):
    # when
    sensor_readings_record(source=source, readings=[SensorReading("nope", T0, 1.0)])

    # then
    assert SourceSensor.objects.filter(source=source).count() == 1
    assert SensorActivity.objects.count() == 0
    sensor.refresh_from_db()
    assert sensor.last_seen is None


def test_a_check_finding_another_running_skips_and_writes_nothing(sensor, source):
    from django.core.cache import cache

    from apps.indicators.health import _CHECK_LOCK

    # given a stale sensor, and a check already running in another process (it took longer than the beat's minute)
    send(source, (0, 1.0))  # at T0
    cache.add(_CHECK_LOCK, 1, timeout=300)
    try:
        # when this run starts
        results = data_sources_check(now=at(600))
    finally:
        cache.delete(_CHECK_LOCK)

    # then it leaves the sensors to that one (two runs opened the same alert twice, or failed on the constraint)
    assert results == []
    assert not Alert.objects.exists()
    assert len(data_sources_check(now=at(600))) == 1  # and the lock is not left behind by a run


def test_a_check_costs_the_same_queries_for_many_failing_sensors_as_for_one(city, source, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cityops import realtime

    sent: list[Any] = []
    monkeypatch.setattr(realtime, "_group_send_many", sent.extend)

    def queries_of_a_second_check(sensors: int) -> int:
        Alert.objects.all().delete()
        SourceSensor.objects.all().delete()
        SourceSensor.objects.bulk_create(
            [SourceSensor(source=source, code=f"s{n}", region=city["W"]) for n in range(sensors)]
        )
        registered = SourceSensor.objects.earliest("created_at").created_at
        data_sources_check(now=registered + timedelta(seconds=600))  # opens one alert per silent sensor
        sent.clear()
        with CaptureQueriesContext(connection) as check:
            data_sources_check(now=registered + timedelta(seconds=1200))
        return len(check.captured_queries)

    # given 2 and then 40 sensors silent since they were registered, with their alerts open
    # when each is checked again, as unhealthy as before
    few, many = queries_of_a_second_check(2), queries_of_a_second_check(40)

    # then the second check is a fixed number of queries and tells the screens nothing new
    assert few == many
    assert sent == []
    assert Alert.objects.count() == 40
    assert len(set(Alert.objects.values_list("last_breach_at", flat=True))) == 1
