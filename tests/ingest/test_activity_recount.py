"""Sensor health's hourly counts, recounted from a feed's raw rows by one function for every feed
(apps/ingest/feeds.py: sensor_activity_recount)."""

from datetime import UTC, datetime, timedelta

from apps.indicators.models import SensorActivity
from apps.ingest.feeds import minute_spans, sensor_activity_recount
from apps.ingest.lifecycle import raw_partitions_ensure
from apps.traffic.models import TrafficReading, TrafficSensor

TEN = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def readings(sensors, at_minutes):
    rows = [
        TrafficReading(
            sensor=sensors[code], observed_at=TEN + timedelta(minutes=m), speed_kmh=40.0, volume=10, occupancy=5.0
        )
        for code, minutes in at_minutes.items()
        for m in minutes
    ]
    # PostgreSQL keeps raw readings in monthly partitions, made as the ingest path makes them
    raw_partitions_ensure(model=TrafficReading, moments=[row.observed_at for row in rows])
    TrafficReading.objects.bulk_create(rows)


def recount(minute, region_ids=None):
    sensor_activity_recount(
        raw_models=[TrafficReading],
        device="sensor",
        spans=minute_spans([TEN + timedelta(minutes=minute)]),
        region_ids=region_ids,
        devices=TrafficSensor.objects.in_bulk,
        sources={},
    )


def counts():
    rows = SensorActivity.objects.values_list("sensor__source__code", "sensor__code", "hour_start", "received")
    return {(source, code, hour.hour): received for source, code, hour, received in rows}


def test_every_hour_a_span_touches_is_counted_whole_per_sensor_and_source(network):
    # given readings of loops of two sources in two hours
    readings(network["sensors"], {"L1": [0, 1, 59, 60], "L2": [5], "C1": [30, 31, 32]})

    # when one minute of the ten o'clock hour is recounted, twice
    recount(1)
    recount(1)

    # then each sensor's whole hour counts its readings once; the next hour is untouched
    assert counts() == {("loops", "L1", 10): 3, ("loops", "L2", 10): 1, ("cameras", "C1", 10): 3}


def test_only_the_sensors_of_the_given_regions_are_recounted(network, city):
    # given counted readings, then one more for each loop
    readings(network["sensors"], {"L1": [0], "L2": [0]})
    recount(0)
    readings(network["sensors"], {"L1": [1], "L2": [1]})

    # when the minute is recounted for W1's loops only
    recount(1, region_ids=[city["W1"].id])

    # then L1 (in W1) counts its new reading, L2 (in E) keeps its count
    assert counts() == {("loops", "L1", 10): 2, ("loops", "L2", 10): 1}
