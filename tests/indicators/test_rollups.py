"""Observations into minute buckets, and rollups to hour / day and from child regions to their parents."""

from __future__ import annotations

import contextlib
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from apps.core.errors import ApplicationError
from apps.indicators.buckets import bucket_end, bucket_start
from apps.indicators.models import IndicatorValue, PendingRollup
from apps.indicators.registry import Indicator, indicator_registry
from apps.indicators.services import Observation, indicator_observations_record, indicator_rollups_settle
from tests.clock import local

T0 = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # 2026-11-30 01:00 in Asia/Shanghai
LOCAL_DAY = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)  # 2026-11-30 00:00+08:00
FIELDS = ["count", "sum", "min", "max", "last_value", "last_at"]


def bucket(code: str, granularity: str, start: datetime, indicator: str = "test.load") -> IndicatorValue:
    return IndicatorValue.objects.get(
        indicator=indicator, region__code=code, granularity=granularity, bucket_start=start
    )


def fields_of(row: IndicatorValue) -> dict[str, Any]:
    return {name: getattr(row, name) for name in FIELDS}


def all_rows() -> list[tuple[Any, ...]]:
    return list(
        IndicatorValue.objects.order_by("indicator", "region__code", "granularity", "bucket_start").values_list(
            "indicator", "region__code", "granularity", "bucket_start", *FIELDS
        )
    )


@pytest.fixture
def synthetic(db):
    """register(**fields): a synthetic indicator for one test, unregistered afterwards."""
    with indicator_registry.override() as registry:

        def register(code: str, **fields: Any) -> Indicator:
            return registry.register(Indicator(code=code, domain="test", name_zh=code, name_en=code, unit="", **fields))

        yield register


# --- Observations into minute buckets ------------------------------------------------------------------


def test_observations_in_one_minute_make_one_minute_bucket(city, load_indicator):
    # given three observations of W1 within 17:00, not in time order
    w1 = city["W1"].id
    observations = [
        Observation("test.load", w1, T0 + timedelta(seconds=5), 40.0),
        Observation("test.load", w1, T0 + timedelta(seconds=50), 60.0),
        Observation("test.load", w1, T0 + timedelta(seconds=20), 20.0),
    ]

    # when
    touched = indicator_observations_record(observations=observations)

    # then one bucket, whose last value is the latest observation's
    assert touched == 1
    assert IndicatorValue.objects.count() == 1
    row = bucket("W1", "minute", T0)
    assert fields_of(row) == {
        "count": 3,
        "sum": 120.0,
        "min": 20.0,
        "max": 60.0,
        "last_value": 60.0,
        "last_at": T0 + timedelta(seconds=50),
    }
    assert list(PendingRollup.objects.values_list("indicator", "region_id", "minute")) == [("test.load", w1, T0)]


def test_a_second_call_adds_to_the_same_minute_bucket(city, observe):
    # given a minute bucket of W1 with two observations
    observe("W1", 40, at=T0 + timedelta(seconds=5))
    observe("W1", 60, at=T0 + timedelta(seconds=50))

    # when an earlier-timed observation arrives, then a later one
    observe("W1", 100, at=T0 + timedelta(seconds=30))
    after_late = fields_of(bucket("W1", "minute", T0))
    observe("W1", 10, at=T0 + timedelta(seconds=55))

    # then counts and sums grow; the last value only follows the newest observation time
    assert after_late == {
        "count": 3,
        "sum": 200.0,
        "min": 40.0,
        "max": 100.0,
        "last_value": 60.0,
        "last_at": T0 + timedelta(seconds=50),
    }
    assert fields_of(bucket("W1", "minute", T0)) == {
        "count": 4,
        "sum": 210.0,
        "min": 10.0,
        "max": 100.0,
        "last_value": 10.0,
        "last_at": T0 + timedelta(seconds=55),
    }
    assert IndicatorValue.objects.count() == 1
    assert PendingRollup.objects.count() == 1


def test_observations_in_different_minutes_and_regions_touch_one_bucket_each(city, load_indicator):
    # given
    observations = [
        Observation("test.load", city["W1"].id, T0, 1.0),
        Observation("test.load", city["W1"].id, T0 + timedelta(minutes=1), 2.0),
        Observation("test.load", city["E"].id, T0, 3.0),
    ]

    # when
    touched = indicator_observations_record(observations=observations)

    # then
    assert touched == 3
    assert IndicatorValue.objects.filter(granularity="minute").count() == 3
    assert PendingRollup.objects.count() == 3


def test_no_observations_write_nothing(city, load_indicator):
    # when
    touched = indicator_observations_record(observations=[])

    # then
    assert touched == 0
    assert IndicatorValue.objects.count() == 0
    assert PendingRollup.objects.count() == 0


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (Observation("no.such.indicator", 0, T0, 1.0), "indicator"),
        (Observation("test.load", 0, datetime(2026, 11, 29, 17, 0), 1.0), "observed_at"),  # noqa: DTZ001
        (Observation("test.load", 0, T0, math.nan), "value"),
        (Observation("test.load", 0, T0, math.inf), "value"),
    ],
    ids=["unknown-indicator", "naive-time", "nan", "infinity"],
)
def test_a_bad_observation_rejects_the_whole_batch(city, observe, bad, field):
    # given an existing bucket, and a batch of one good observation followed by a bad one
    observe("E", 50, at=T0)
    before = all_rows()
    pending_before = PendingRollup.objects.count()
    region_id = city["W1"].id
    batch = [
        Observation("test.load", region_id, T0, 10.0),
        Observation(bad.indicator, region_id, bad.observed_at, bad.value),
    ]

    # when
    with pytest.raises(ApplicationError) as raised:
        indicator_observations_record(observations=batch)

    # then nothing was written, not even the good observation
    assert list(raised.value.fields) == [field]
    assert all_rows() == before
    assert IndicatorValue.objects.count() == 1
    assert PendingRollup.objects.count() == pending_before == 1


def test_an_observation_with_another_utc_offset_lands_in_the_same_minute_bucket(city, observe):
    # given the same minute once in UTC and once in China Standard Time (+08:00)
    cst = timezone(timedelta(hours=8))

    # when
    observe("W1", 10, at=T0 + timedelta(seconds=10))
    observe("W1", 30, at=datetime(2026, 11, 30, 1, 0, 40, tzinfo=cst))  # = T0 + 40 s
    indicator_rollups_settle()

    # then one minute bucket and one hour bucket, each with both observations
    assert IndicatorValue.objects.filter(region__code="W1", granularity="minute").count() == 1
    assert fields_of(bucket("W1", "minute", T0))["count"] == 2
    assert fields_of(bucket("W1", "hour", T0))["count"] == 2


# --- Rollups to hour and day ---------------------------------------------------------------------------


def test_hour_and_day_buckets_aggregate_the_minute_buckets(city, observe):
    # given observations of W1 in three minutes of one hour and one in the next hour
    observe("W1", 10, at=T0 + timedelta(seconds=10))
    observe("W1", 30, at=T0 + timedelta(seconds=40))
    observe("W1", 50, at=T0 + timedelta(minutes=5))
    observe("W1", 70, at=T0 + timedelta(minutes=59, seconds=59))
    observe("W1", 90, at=T0 + timedelta(hours=1))

    # when
    indicator_rollups_settle()

    # then
    assert fields_of(bucket("W1", "hour", T0)) == {
        "count": 4,
        "sum": 160.0,
        "min": 10.0,
        "max": 70.0,
        "last_value": 70.0,
        "last_at": T0 + timedelta(minutes=59, seconds=59),
    }
    assert fields_of(bucket("W1", "hour", T0 + timedelta(hours=1))) == {
        "count": 1,
        "sum": 90.0,
        "min": 90.0,
        "max": 90.0,
        "last_value": 90.0,
        "last_at": T0 + timedelta(hours=1),
    }
    assert fields_of(bucket("W1", "day", LOCAL_DAY)) == {
        "count": 5,
        "sum": 250.0,
        "min": 10.0,
        "max": 90.0,
        "last_value": 90.0,
        "last_at": T0 + timedelta(hours=1),
    }
    assert IndicatorValue.objects.filter(region__code="W1").count() == 4 + 2 + 1


def test_day_buckets_follow_the_local_calendar(city, observe):
    # given 17:00 UTC (01:00 the next day in Shanghai) and 15:59 UTC (23:59 in Shanghai)
    observe("E", 20, at=datetime(2026, 11, 29, 17, 0, tzinfo=UTC))
    observe("E", 40, at=datetime(2026, 11, 29, 15, 59, tzinfo=UTC))

    # when
    indicator_rollups_settle()

    # then two local days: 2026-11-30 starts at 16:00 UTC the day before, 2026-11-29 a day earlier
    days = list(
        IndicatorValue.objects.filter(region__code="E", granularity="day")
        .order_by("bucket_start")
        .values_list("bucket_start", "count", "sum")
    )
    assert days == [
        (datetime(2026, 11, 28, 16, 0, tzinfo=UTC), 1, 40.0),
        (datetime(2026, 11, 29, 16, 0, tzinfo=UTC), 1, 20.0),
    ]


def test_rollups_empty_the_queue_and_return_the_changed_pairs_with_parents(city, observe):
    # given observations in street W1 and district E
    observe("W1", 50, at=T0)
    observe("E", 40, at=T0)

    # when
    changed = indicator_rollups_settle()

    # then the leaves and every ancestor changed
    assert changed == {
        ("test.load", city["W1"].id),
        ("test.load", city["W"].id),
        ("test.load", city["E"].id),
        ("test.load", city["C"].id),
    }
    assert PendingRollup.objects.count() == 0


def test_running_rollups_twice_is_idempotent(city, observe):
    # given rolled-up observations
    observe("W1", 50, at=T0)
    observe("W2", 100, at=T0 + timedelta(seconds=30))
    observe("E", 40, at=T0 + timedelta(minutes=1))
    indicator_rollups_settle()
    first = all_rows()

    # when run again with an empty queue, then with the same minutes queued again
    again = indicator_rollups_settle()
    after_empty_run = all_rows()
    for code, minute in (("W1", T0), ("W2", T0), ("E", T0 + timedelta(minutes=1))):
        PendingRollup.objects.create(indicator="test.load", region=city[code], minute=minute)
    indicator_rollups_settle()

    # then the same rows: rollups are recomputed from their sources, never added twice
    assert again == set()
    assert after_empty_run == first
    assert all_rows() == first
    assert PendingRollup.objects.count() == 0


def test_an_observation_with_an_absurd_time_does_not_block_everyone_elses_rollups(city, observe):
    # given a valid observation of E, and one of W1 stamped in year 9999 (a broken sensor clock)
    observe("E", 40, at=T0)
    with contextlib.suppress(ApplicationError):  # rejecting it at ingest is a fine answer too
        observe("W1", 1, at=datetime(9999, 12, 31, 23, 30, tzinfo=UTC))

    # when the tick rolls up
    with contextlib.suppress(OverflowError):
        indicator_rollups_settle()
    indicator_rollups_settle()

    # then E's hour and day exist, and nothing is left queued to fail every later tick
    assert fields_of(bucket("E", "hour", T0))["count"] == 1
    assert fields_of(bucket("E", "day", LOCAL_DAY))["count"] == 1
    assert PendingRollup.objects.count() == 0


# --- Rollups to parent regions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("granularity", "start"),
    [("minute", T0), ("hour", T0), ("day", LOCAL_DAY)],
)
def test_parents_get_the_population_weighted_mean(city, observe, granularity, start):
    # given W1 (120k people) at 50, W2 (80k) at 100 and E (100k) at 40
    observe("W1", 50, at=T0 + timedelta(seconds=10))
    observe("W2", 100, at=T0 + timedelta(seconds=20))
    observe("E", 40, at=T0 + timedelta(seconds=30))

    # when
    indicator_rollups_settle()

    # then W = (50·120k + 100·80k) / 200k and C = (70·200k + 40·100k) / 300k
    w = bucket("W", granularity, start)
    c = bucket("C", granularity, start)
    assert w.mean == pytest.approx(70.0)
    assert (w.count, w.min, w.max, w.last_value, w.last_at) == (2, 50.0, 100.0, 100.0, T0 + timedelta(seconds=20))
    assert c.mean == pytest.approx(60.0)
    assert (c.count, c.min, c.max, c.last_value, c.last_at) == (3, 40.0, 100.0, 40.0, T0 + timedelta(seconds=30))


def test_a_parent_is_recomputed_when_a_child_changes(city, observe):
    # given W rolled up from W1 = 50 and W2 = 100
    observe("W1", 50, at=T0)
    observe("W2", 100, at=T0)
    indicator_rollups_settle()

    # when W2 reports again in the same hour (its hour mean becomes (100 + 40) / 2 = 70)
    observe("W2", 40, at=T0 + timedelta(minutes=10))
    indicator_rollups_settle()

    # then W = (50·120k + 70·80k) / 200k = 58
    assert bucket("W", "hour", T0).mean == pytest.approx(58.0)
    assert bucket("W", "hour", T0).count == 3


def test_rollup_sum_adds_the_children(city, synthetic):
    # given an indicator that counts (sum within a bucket, sum over children)
    synthetic("test.count", aggregation="sum", rollup="sum")
    record = [
        Observation("test.count", city["W1"].id, T0, 3.0),
        Observation("test.count", city["W1"].id, T0 + timedelta(seconds=30), 4.0),
        Observation("test.count", city["W2"].id, T0, 5.0),
        Observation("test.count", city["E"].id, T0, 10.0),
    ]
    indicator_observations_record(observations=record)

    # when
    indicator_rollups_settle()

    # then W = 7 + 5 and C = 12 + 10, whatever the populations
    w = bucket("W", "hour", T0, indicator="test.count")
    c = bucket("C", "hour", T0, indicator="test.count")
    assert (w.sum, w.count) == (12.0, 3)
    assert (c.sum, c.count) == (22.0, 4)


def test_rollup_mean_ignores_population(city, synthetic):
    # given an indicator averaged over children without weights
    synthetic("test.score", aggregation="mean", rollup="mean")
    record = [
        Observation("test.score", city["W1"].id, T0, 50.0),
        Observation("test.score", city["W2"].id, T0, 100.0),
    ]
    indicator_observations_record(observations=record)

    # when
    indicator_rollups_settle()

    # then W = (50 + 100) / 2, not the population-weighted 70
    assert bucket("W", "hour", T0, indicator="test.score").mean == pytest.approx(75.0)


def test_rollup_max_takes_the_largest_child(city, synthetic):
    # given an indicator that reports peaks (max within a bucket, max over children)
    indicator = synthetic("test.peak", aggregation="max", rollup="max")
    record = [
        Observation("test.peak", city["W1"].id, T0, 5.0),
        Observation("test.peak", city["W1"].id, T0 + timedelta(seconds=30), 25.0),
        Observation("test.peak", city["W2"].id, T0, 15.0),
        Observation("test.peak", city["E"].id, T0, 40.0),
    ]
    indicator_observations_record(observations=record)

    # when
    indicator_rollups_settle()

    # then
    assert bucket("W", "hour", T0, indicator="test.peak").value_for(indicator) == 25.0
    assert bucket("C", "hour", T0, indicator="test.peak").value_for(indicator) == 40.0


def test_aggregation_last_uses_each_childs_latest_value(city, synthetic):
    # given an indicator whose bucket value is its latest observation, weighted by population upwards
    indicator = synthetic("test.level", aggregation="last", rollup="weighted_mean")
    record = [
        Observation("test.level", city["W1"].id, T0 + timedelta(seconds=30), 30.0),
        Observation("test.level", city["W1"].id, T0 + timedelta(seconds=10), 10.0),
        Observation("test.level", city["W2"].id, T0, 60.0),
    ]
    indicator_observations_record(observations=record)

    # when
    indicator_rollups_settle()

    # then W1 is 30 (its latest), and W = (30·120k + 60·80k) / 200k = 42
    assert bucket("W1", "hour", T0, indicator="test.level").value_for(indicator) == 30.0
    assert bucket("W", "hour", T0, indicator="test.level").value_for(indicator) == pytest.approx(42.0)
    assert bucket("C", "hour", T0, indicator="test.level").value_for(indicator) == pytest.approx(42.0)


def test_a_weighted_mean_can_be_weighed_by_another_indicator(city, synthetic):
    # given a share (occupancy, %) and the capacity behind it, in both streets of W and in E
    synthetic("test.capacity", aggregation="last", rollup="sum", shown=False)
    synthetic("test.share", aggregation="last", rollup="weighted_mean", weight="test.capacity")
    observations = []
    for code, capacity, share in (("W1", 900, 90.0), ("W2", 100, 10.0), ("E", 1000, 50.0)):
        observations.append(Observation("test.capacity", city[code].id, T0, capacity))
        observations.append(Observation("test.share", city[code].id, T0, share))
    indicator_observations_record(observations=observations)

    # when rolled up
    while indicator_rollups_settle():
        pass

    # then W is (810 + 10) / 1000, not the mean of 90 % and 10 %, and the city (820 + 500) / 2000
    assert bucket("W", "minute", T0, "test.share").last_value == pytest.approx(82.0)
    assert bucket("C", "minute", T0, "test.share").last_value == pytest.approx(66.0)
    assert bucket("C", "hour", T0, "test.share").last_value == pytest.approx(66.0)


def test_a_child_without_a_weight_weighs_nothing(city, synthetic):
    synthetic("test.capacity", aggregation="last", rollup="sum", shown=False)
    synthetic("test.share", aggregation="last", rollup="weighted_mean", weight="test.capacity")
    indicator_observations_record(
        observations=[
            Observation("test.capacity", city["W1"].id, T0, 10),
            Observation("test.share", city["W1"].id, T0, 30.0),
            Observation("test.share", city["W2"].id, T0, 90.0),  # no capacity reported
        ]
    )

    while indicator_rollups_settle():
        pass

    assert bucket("W", "minute", T0, "test.share").last_value == pytest.approx(30.0)


def test_hidden_indicators_are_rolled_up_but_not_listed(city, synthetic):
    from apps.indicators.registry import indicators

    synthetic("test.capacity", aggregation="last", rollup="sum", shown=False)

    assert "test.capacity" not in [i.code for i in indicators()]
    assert "test.capacity" in [i.code for i in indicators(include_hidden=True)]


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        ("2026-11-30 23:59:59", "2026-11-30"),  # a month's last second
        ("2026-12-01 00:00:00", "2026-12-01"),  # the next month's first
        ("2026-12-31 23:59:59", "2026-12-31"),
        ("2027-01-01 00:00:00", "2027-01-01"),
        ("2028-02-29 23:59:59", "2028-02-29"),  # a leap day
    ],
)
def test_day_buckets_at_month_and_year_ends(city, observe, clock, moment, day):
    clock.move_to(local(moment) + timedelta(minutes=1))  # observations from the future are refused
    observe("E", 5, at=local(moment))

    indicator_rollups_settle()

    row = IndicatorValue.objects.get(region__code="E", granularity="day")
    assert row.bucket_start == local(f"{day} 00:00:00")
    assert bucket_end(row.bucket_start, "day") == local(f"{day} 00:00:00") + timedelta(days=1)


def test_every_local_day_in_china_is_24_hours_long():
    # Asia/Shanghai has had no daylight saving time since 1991: day buckets start at 16:00 UTC all year
    starts = [local("2026-01-01 00:00:00") + timedelta(days=n) for n in range(366)]

    assert {bucket_end(s, "day").astimezone(UTC) - s.astimezone(UTC) for s in starts} == {timedelta(hours=24)}
    assert {s.astimezone(UTC).hour for s in starts} == {16}


def test_in_a_zone_with_daylight_saving_a_day_bucket_follows_the_wall_clock():
    from zoneinfo import ZoneInfo

    from django.utils import timezone as django_timezone

    berlin = ZoneInfo("Europe/Berlin")  # a deployment elsewhere: clocks go forward on 2026-03-29
    with django_timezone.override(berlin):
        spring = bucket_start(datetime(2026, 3, 29, 12, 0, tzinfo=berlin), "day")
        autumn = bucket_start(datetime(2026, 10, 25, 12, 0, tzinfo=berlin), "day")

        # (in UTC: two datetimes of one zone subtract as wall-clock times)
        assert bucket_end(spring, "day").astimezone(UTC) - spring.astimezone(UTC) == timedelta(hours=23)
        assert bucket_end(autumn, "day").astimezone(UTC) - autumn.astimezone(UTC) == timedelta(hours=25)


def test_a_rollup_run_costs_the_same_few_queries_for_one_minute_or_a_backlog(city, observe, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(minutes: int, streets: tuple[str, ...]) -> int:
        for n in range(minutes):
            for street in streets:
                observe(street, 40 + n, at=T0 + timedelta(minutes=n))
        with CaptureQueriesContext(connection) as run:
            indicator_rollups_settle()
        return len(run.captured_queries)

    # given the clock after the backlog, one minute of one street, then two hours of three regions (an outage's)
    clock.move_to(T0 + timedelta(hours=3))
    one = queries_for(1, ("W1",))
    backlog = queries_for(120, ("W1", "W2", "E"))

    # then both cost the same fixed number of queries (one per step and level, not one per bucket)
    assert one == backlog
    assert backlog <= 26  # the live minutes and the history (hours, days) are two runs
    assert bucket("C", "day", LOCAL_DAY).count == 1 + 120 * 3


# --- The live minutes and the history, in two runs ------------------------------------------------------


def test_the_live_run_rolls_minutes_up_and_leaves_hours_and_days_to_the_history_run(city, observe, clock):
    from apps.indicators.models import PendingHistoryRollup
    from apps.indicators.services import indicator_history_run, indicator_rollups_run

    # given two minutes of W1 in one hour
    clock.move_to(T0 + timedelta(minutes=5))
    observe("W1", 40, at=T0)
    observe("W1", 60, at=T0 + timedelta(minutes=1))

    # when the live tick's run goes
    changed = indicator_rollups_run()

    # then every ancestor's minute is there (what screens and alerts read), no hour or day yet, the hour queued once
    assert {("test.load", city[code].id) for code in ("W1", "W", "C")} <= changed
    assert bucket("C", "minute", T0 + timedelta(minutes=1)).last_value == 60.0
    assert not IndicatorValue.objects.exclude(granularity="minute").exists()
    assert list(PendingHistoryRollup.objects.values_list("region__code", "hour")) == [("W1", T0)]

    # when the history run goes
    derived = indicator_history_run()

    # then the leaf's hour and day, and every ancestor's, are there and the queue is empty
    assert derived == 1
    for code in ("W1", "W", "C"):
        assert bucket(code, "hour", T0).count == 2
        assert bucket(code, "day", LOCAL_DAY).count == 2
    assert not PendingHistoryRollup.objects.exists()
    assert indicator_history_run() == 0


def test_the_history_run_is_scheduled_within_a_minute_of_the_tick():

    # the hour and day buckets behind the live minutes: charts and history lag them by a minute, not an hour
    from apps.core.plugins import beat_schedule

    schedule = {entry["task"]: entry["schedule"] for entry in beat_schedule().values()}
    assert schedule["apps.indicators.tasks.history_rollups_task"] <= timedelta(seconds=60)
    assert schedule["apps.dashboards.tasks.live_tick_task"] <= timedelta(seconds=1)
