"""One bucket type for the minute buckets folded from observations and the hours and days combined from them
(apps/indicators/services.py: _Bucket.add and _Bucket.merge): the same fields, by the same rules."""

from datetime import UTC, datetime, timedelta

from apps.indicators.models import IndicatorValue
from apps.indicators.services import Observation, indicator_observations_record, indicator_rollups_settle

T0 = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # 2026-11-30 01:00 in Asia/Shanghai
FIELDS = ["count", "sum", "min", "max", "last_value", "last_at"]


def fields(granularity, start):
    row = IndicatorValue.objects.get(
        indicator="test.load", region__code="W1", granularity=granularity, bucket_start=start
    )
    return {name: getattr(row, name) for name in FIELDS}


def test_of_two_observations_at_one_instant_the_later_is_last_in_the_minute_and_its_hour(city, load_indicator):
    # given two observations of W1 at the same instant, and an earlier one after them
    at = T0 + timedelta(seconds=30)
    w1 = city["W1"].id
    observations = [
        Observation("test.load", w1, at, 40.0),
        Observation("test.load", w1, at, 60.0),
        Observation("test.load", w1, T0 + timedelta(seconds=10), 90.0),
    ]

    # when they are recorded and rolled up
    indicator_observations_record(observations=observations)
    indicator_rollups_settle()

    # then the minute's last value is the later of the two, and the hour holds the minute's fields
    minute = {"count": 3, "sum": 190.0, "min": 40.0, "max": 90.0, "last_value": 60.0, "last_at": at}
    assert fields("minute", T0) == minute
    assert fields("hour", T0) == minute


def test_an_hour_merges_its_minutes_and_keeps_the_latest_minutes_last_value(city, load_indicator):
    # given observations in two minutes of one hour, the later minute recorded first
    w1 = city["W1"].id
    late, early = T0 + timedelta(minutes=7, seconds=1), T0 + timedelta(minutes=2, seconds=59)
    indicator_observations_record(observations=[Observation("test.load", w1, late, 20.0)])
    indicator_observations_record(
        observations=[Observation("test.load", w1, early, 80.0), Observation("test.load", w1, early, 30.0)]
    )

    # when they are rolled up
    indicator_rollups_settle()

    # then
    assert fields("hour", T0) == {
        "count": 3,
        "sum": 130.0,
        "min": 20.0,
        "max": 80.0,
        "last_value": 20.0,
        "last_at": late,
    }
