"""Readings become congestion, speed and volume on the live spine, and alerts when congestion lasts."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from apps.dashboards.services import live_tick
from apps.indicators.models import Alert, IndicatorValue, SensorActivity, SourceSensor
from apps.ingest.feeds import feed_minutes_mark
from apps.ingest.models import FeedMinute
from apps.traffic.congestion import congestion_band, congestion_index
from apps.traffic.services import FEED, traffic_readings_ingest


@pytest.mark.parametrize(
    ("speed", "index", "band"),
    [(60, 0.0, "smooth"), (45, 1.67, "smooth"), (40, 2.5, "basically_smooth"), (30, 5.0, "light"),
     (24, 7.5, "moderate"), (20, 10.0, "severe"), (0, 10.0, "severe")],
)  # fmt: skip
def test_congestion_index_from_the_travel_time_ratio(speed, index, band):
    assert congestion_index(speed_kmh=speed, free_flow_kmh=60) == index
    assert congestion_band(index) == band


def _rows(sensor, speeds, volume=20):
    now = timezone.now().replace(second=0, microsecond=0)
    return [
        {
            "sensor": sensor,
            "observed_at": (now - timedelta(minutes=len(speeds) - i)).isoformat(),
            "speed_kmh": speed,
            "volume": volume,
            "occupancy": 30,
        }
        for i, speed in enumerate(speeds)
    ]


def test_readings_roll_up_to_the_regions_of_their_sensors(network):
    # given L1 in street W1 at 30 km/h (index 5) and L2 in district E at 60 km/h (index 0)
    source = network["sensors"]["L1"].source
    traffic_readings_ingest(source=source, rows=_rows("L1", [30]) + _rows("L2", [60], volume=10))

    # when the tick rolls up
    live_tick()

    # then each region and the city carry the values (congestion: plain mean of children; volume: sum)
    def value(indicator, code):
        row = IndicatorValue.objects.get(indicator=indicator, region__code=code, granularity="minute")
        return {"traffic.volume": row.sum}.get(indicator, row.sum / row.count)

    assert value("traffic.congestion", "W1") == 5.0
    assert value("traffic.congestion", "E") == 0.0
    assert value("traffic.congestion", "C") == 2.5
    assert value("traffic.volume", "C") == 30.0
    assert value("traffic.speed", "W") == 30.0


def test_lasting_congestion_opens_an_alert_for_the_region(network):
    # given eight minutes at 20 km/h on L1 (index 10, above critical 8, longer than the 5-minute minimum)
    traffic_readings_ingest(source=network["sensors"]["L1"].source, rows=_rows("L1", [20] * 8))

    # when
    live_tick()

    # then the street and its parents are alerted, critical, with the index as value
    alerts = {a.region.code: a for a in Alert.objects.filter(indicator="traffic.congestion")}
    assert set(alerts) == {"W1", "W", "C"}
    assert (alerts["W1"].severity, alerts["W1"].value, alerts["W1"].threshold) == ("critical", 10.0, 8)


def test_the_tick_folds_readings_into_sensor_health_and_counts_each_once(network):
    # given two readings of L1, sent twice, and the tick running after each
    source = network["sensors"]["L1"].source
    rows = _rows("L1", [40, 41])
    for _ in range(2):
        traffic_readings_ingest(source=source, rows=rows)
        live_tick()
    live_tick()

    # then the sensor's state is its latest reading, and its hourly counts hold two readings, not four
    sensor = SourceSensor.objects.get(code="L1")
    assert (sensor.last_value, sensor.last_seen.isoformat()) == (41, rows[-1]["observed_at"])
    assert SensorActivity.objects.filter(sensor=sensor).aggregate(n=Sum("received"))["n"] == 2


def test_a_late_reading_recomputes_its_minute_instead_of_adding_to_it(network):
    # given L1 and L2 in the same minute, folded in by a tick
    source = network["sensors"]["L1"].source
    traffic_readings_ingest(source=source, rows=_rows("L1", [30]))
    live_tick()

    # when L2's reading of that minute arrives late, and the tick runs twice
    traffic_readings_ingest(source=source, rows=_rows("L2", [60], volume=10))
    live_tick()
    live_tick()

    # then the city's minute holds both readings once
    city = IndicatorValue.objects.get(indicator="traffic.volume", region__code="C", granularity="minute")
    assert (city.count, city.sum) == (2, 30.0)
    assert not FeedMinute.objects.exists()


def test_a_failing_sensor_marks_its_domains_values_stale_where_it_is(network):
    # given fresh readings from L1 (street W1) and L2 (district E), rolled up
    from apps.indicators.health import data_sources_check
    from apps.indicators.selectors import region_tiles
    from apps.regions.models import Region

    source = network["sensors"]["L1"].source
    traffic_readings_ingest(source=source, rows=_rows("L1", [40]) + _rows("L2", [40]))
    live_tick()
    regions = {r.code: r for r in Region.objects.all()}

    def stale(code):
        return {t.indicator: t.stale for t in region_tiles(region_id=regions[code].id, region_code=code)}

    assert stale("W")["traffic.speed"] is False

    # when the sensors go silent long enough to raise data-source alerts
    data_sources_check(now=timezone.now() + timedelta(minutes=10))

    # then the traffic values where they are (and in the regions above) read stale, fresh or not
    assert stale("W")["traffic.speed"] is True
    assert stale("C")["traffic.speed"] is True
    assert stale("W1")["traffic.congestion"] is True


def test_a_batch_marks_its_regions_minutes_and_the_tick_recomputes_only_those_parts_whole(network):
    # given L1 (street W1) at 30 km/h folded by a tick
    source = network["sensors"]["L1"].source
    minute = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=1)

    def row(sensor, speed, second):
        at = (minute + timedelta(seconds=second)).isoformat()
        return {"sensor": sensor, "observed_at": at, "speed_kmh": speed, "volume": 10, "occupancy": 30}

    traffic_readings_ingest(source=source, rows=[row("L1", 30, 0)])
    live_tick()

    # when, in the same minute, a batch of L2 (district E) comes, and then a second L1 reading
    traffic_readings_ingest(source=source, rows=[row("L2", 60, 10)])
    marks = sorted(FeedMinute.objects.values_list("part", flat=True))
    live_tick()
    traffic_readings_ingest(source=source, rows=[row("L1", 40, 30)])
    live_tick()

    # then the batch marked E's part of the minute, not the whole minute; W1's minute holds both of its readings
    # (recomputed whole, not replaced by the last one), E kept its own, and the city sees all three
    assert marks == [network["sensors"]["L2"].region_id]

    def minute_of(code):
        bucket = IndicatorValue.objects.get(indicator="traffic.speed", region__code=code, granularity="minute")
        return bucket.count, bucket.sum

    assert minute_of("W1") == (2, 70.0)
    assert minute_of("E") == (1, 60.0)
    by_parts = sorted(IndicatorValue.objects.values_list("indicator", "region__code", "granularity", "count", "sum"))
    feed_minutes_mark(feed=FEED, minutes=[minute])  # and the whole minute recomputed gives the same buckets
    live_tick()
    assert sorted(IndicatorValue.objects.values_list("indicator", "region__code", "granularity", "count", "sum")) == (
        by_parts
    )
    assert not FeedMinute.objects.exists()
