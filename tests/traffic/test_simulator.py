"""The demo traffic: a road network over the demo city and a simulated day through the ingest path."""

import io
from datetime import UTC, datetime

import time_machine
from django.core.management import call_command

from apps.traffic import simulator
from apps.traffic.models import RoadSegment, TrafficReading, TrafficSensor


def test_demand_has_weekday_peaks_and_quiet_nights():
    weekday = datetime(2026, 11, 30, tzinfo=UTC).astimezone()  # a Monday
    peak, night = weekday.replace(hour=8, minute=15), weekday.replace(hour=3, minute=0)
    sunday_morning = datetime(2026, 11, 29, 8, 15).astimezone()

    assert simulator.demand(peak) > 0.9
    assert simulator.demand(night) < 0.2
    assert simulator.demand(sunday_morning) < simulator.demand(peak)


def test_the_demo_seeds_roads_and_the_simulator_fills_the_last_minutes_then_continues(db):
    # given the demo city with its roads
    call_command("seed_demo", "--seed", "5", stdout=io.StringIO())
    sensors = TrafficSensor.objects.count()

    # when the simulator steps twice at the same time, then a minute later
    now = datetime(2026, 11, 30, 0, 30, 10, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        first = simulator.step(now)
        again = simulator.step(now)
    with time_machine.travel(now.replace(minute=31), tick=False):
        later = simulator.step(now.replace(minute=31))

    # then it backfilled 20 minutes per sensor, added nothing when called again, and one minute later
    assert RoadSegment.objects.count() == 18
    assert sensors == 54
    assert first == 20 * sensors
    assert again == 0
    assert later == sensors
    assert TrafficReading.objects.count() == 21 * sensors
    assert TrafficReading.objects.filter(speed_kmh__lte=0).count() == 0
