"""POST /api/v1/environment/readings and the tick: stored once, every bad row named, AQI and noise on the spine."""

import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.dashboards.services import live_tick
from apps.environment.models import AirReading, NoiseReading
from apps.environment.services import noise_limit
from apps.indicators.models import IndicatorValue, SensorActivity, SourceSensor
from tests.clock import SENT, at_send, local

URL = "/api/v1/environment/readings"


def _at(hours_ago=0):
    return (timezone.now() - timedelta(hours=hours_ago)).replace(minute=0, second=0, microsecond=0)


def post(client, token, rows):
    rows = at_send(rows, _at())
    return client.post(URL, data=json.dumps(rows), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip


def air(station="A1", at=None, **values):
    """An air reading; at the top of the hour the test sends it in, unless `at` says otherwise."""
    return {"station": station, "observed_at": at.isoformat() if at else SENT, "pm25": 80, "pm10": 120, "so2": 8,
            "no2": 30, "o3": 60, "co": 0.6, **values}  # fmt: skip


def test_air_and_noise_rows_are_stored_once(client, stations):
    rows = [air(), {"station": "N1", "observed_at": _at().isoformat(), "leq": 52.5}]

    first = post(client, stations["token"], rows)
    again = post(client, stations["token"], rows)

    assert (first.status_code, first.json()) == (201, {"accepted": 2, "duplicates": 0})
    assert again.json() == {"accepted": 0, "duplicates": 2}
    assert AirReading.objects.count() == NoiseReading.objects.count() == 1


def test_a_missing_pollutant_is_fine(client, stations):
    response = post(client, stations["token"], [air(so2=None, co=None)])

    assert response.status_code == 201
    assert AirReading.objects.get().so2 is None


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (air("A9"), "station", "unknown station, or not one of this token's source"),
        (air(pm25=-1), "pm25", "must be at least 0"),
        (air(pm25=None, pm10=None, so2=None, no2=None, o3=None, co=None), "pm25", "give at least one pollutant"),
        (air(leq=50), "leq", "an air station measures no noise"),
        ({"station": "N1", "observed_at": SENT}, "leq", "a noise station's reading needs leq"),
        ({"station": "N1", "observed_at": SENT, "leq": 50, "pm25": 3}, "pm25",
         "a noise station measures no pollutants"),
        (air(observed_at="2026-11-29T08:00:00"), "observed_at", "has no time zone (add Z or +08:00)"),
        (air(pm25=10**30), "pm25", "must be at most 10000"),
        (air(pm10=20_001), "pm10", "must be at most 20000"),
        (air(co=1e308), "co", "must be at most 1000"),
        ({"station": "N1", "observed_at": SENT, "leq": 195}, "leq", "must be at most 194"),
    ],
)  # fmt: skip
def test_a_bad_row_rejects_the_batch_and_says_why(client, stations, row, field, message):
    response = post(client, stations["token"], [air(at=_at(1)), row])

    assert response.status_code == 400
    assert {"index": 1, "field": field, "message": message} in response.json()["errors"]
    assert AirReading.objects.count() == NoiseReading.objects.count() == 0


def test_a_value_past_plausible_is_stored_and_one_past_possible_is_refused(client, stations):
    from apps.environment.services import PLAUSIBLE_MAX, POSSIBLE_MAX

    stored = post(client, stations["token"], [air(at=_at(1), pm25=PLAUSIBLE_MAX["pm25"] + 1)])
    refused = post(client, stations["token"], [air(pm25=POSSIBLE_MAX["pm25"] + 0.5)])

    assert stored.status_code == 201
    assert refused.json()["errors"] == [{"index": 0, "field": "pm25", "message": "must be at most 10000"}]
    assert list(AirReading.objects.values_list("pm25", flat=True)) == [PLAUSIBLE_MAX["pm25"] + 1]


def test_the_tick_turns_readings_into_aqi_pm25_and_station_health(client, stations):
    post(client, stations["token"], [air()])

    live_tick()

    def value(indicator, code):
        return IndicatorValue.objects.get(indicator=indicator, region__code=code, granularity="minute").last_value

    # HJ 633-2026 real-time report: PM2.5 80 (1 h) → 119; the district and the city carry it up
    assert value("environment.aqi", "W1") == 119
    assert value("environment.aqi", "C") == 119
    assert value("environment.pm25", "W1") == 80
    assert SourceSensor.objects.get(code="A1").last_seen == _at()
    assert SensorActivity.objects.get(sensor__code="A1").received == 1  # completeness counts it, once
    live_tick()
    assert SensorActivity.objects.get(sensor__code="A1").received == 1


def test_noise_over_the_zone_limit_by_day_and_night(client, stations):
    at = _at()
    limit = noise_limit("1", at)
    assert limit in (55, 45)  # zone 1: 55 by day, 45 at night
    post(client, stations["token"], [{"station": "N1", "observed_at": at.isoformat(), "leq": limit + 3.5}])

    live_tick()

    over = IndicatorValue.objects.get(indicator="environment.noise_over_limit", region__code="E", granularity="minute")
    assert over.last_value == 3.5


def test_the_simulator_feeds_the_demo_stations_through_ingest(db):
    from django.core.management import call_command

    from apps.environment import simulator

    call_command("seed_demo", stdout=io.StringIO())
    AirReading.objects.all().delete()
    NoiseReading.objects.all().delete()

    produced = simulator.step(timezone.now())
    live_tick()

    assert produced == AirReading.objects.count() + NoiseReading.objects.count() > 0
    assert IndicatorValue.objects.filter(indicator="environment.aqi", granularity="minute").exists()
    values = AirReading.objects.values_list("pm25", flat=True)
    assert all(0 < v < 400 for v in values)
    # on whole 5-minute marks, so each whole hour has its hourly mean (daily AQI, polluted hours)
    assert {
        (t.minute % 5, t.second, t.microsecond) for t in AirReading.objects.values_list("observed_at", flat=True)
    } == {(0, 0, 0)}
    assert IndicatorValue.objects.filter(indicator="environment.polluted_hours").exists()
    assert IndicatorValue.objects.filter(indicator="environment.aqi_daily").exists()


@pytest.mark.clock("2026-12-03T10:00:00+08:00")
def test_a_whole_day_gives_the_daily_aqi_and_the_polluted_hours(client, stations):
    # given the 24 hourly means of 12-01 (local time), PM2.5 80 (AQI 119) for the first 10 hours, then 30,
    # and the first hour of 12-02
    midnight = local("2026-12-02 00:00:00")
    ends = [midnight - timedelta(hours=23 - h) for h in range(24)]  # hours ending 01:00 … 24:00
    rows = [air(at=end, pm25=80 if h < 10 else 30, pm10=40) for h, end in enumerate(ends)]
    rows.append(air(at=midnight + timedelta(hours=1), pm25=30, pm10=40))
    post(client, stations["token"], rows)

    live_tick()

    def last(indicator):
        return (
            IndicatorValue.objects.filter(indicator=indicator, region__code="W1", granularity="minute")
            .order_by("-bucket_start")
            .first()
            .last_value
        )

    polluted = IndicatorValue.objects.filter(indicator="environment.polluted_hours", region__code="W1")
    assert max(v.last_value for v in polluted) == 10  # at the end of that day
    assert last("environment.polluted_hours") == 0  # yesterday's first hour
    # daily report, HJ 633-2026: PM2.5 24-hour mean (80·10 + 30·14) / 24 = 50.8 → 51 → 50 + 50/25 × 16 = 82
    assert last("environment.aqi_daily") == 82


def test_a_lasting_aqi_breach_alerts_naming_the_primary_pollutant(client, stations):
    from apps.indicators.models import Alert

    # given 40 minutes of PM2.5 at 160 µg/m³ (AQI 210) at A1, every 5 minutes
    now = timezone.now().replace(second=0, microsecond=0)
    rows = [air(at=now - timedelta(minutes=5 * k), pm25=160, pm10=100) for k in range(8, -1, -1)]
    post(client, stations["token"], rows)

    live_tick()

    alert = Alert.objects.get(indicator="environment.aqi", region__code="W1")
    assert alert.severity == "critical"
    assert alert.title_zh.endswith("（首要污染物：PM2.5）")
    assert alert.title_en.endswith("(primary pollutant: PM2.5)")


def test_a_batch_marks_its_stations_regions_and_the_tick_recomputes_only_those_parts_whole(client, stations):
    from apps.environment.services import FEED
    from apps.ingest.feeds import feed_minutes_mark
    from apps.ingest.models import FeedMinute

    # given A1 (street W1) folded by a tick
    post(client, stations["token"], [air()])
    live_tick()

    # when, in the same minute, a batch of the noise station N1 (district E) comes
    post(client, stations["token"], [{"station": "N1", "observed_at": SENT, "leq": 58}])
    marks = sorted(FeedMinute.objects.values_list("part", flat=True))
    live_tick()

    # then the batch marked E's part of the minute, not the whole minute (a city's 2,000 micro-stations are not
    # all recomputed for every gateway's batch); W1 kept its AQI, E has its noise, and a whole-minute recompute
    # gives the same buckets
    assert marks == [stations["N1"].region_id]
    minute = IndicatorValue.objects.get(indicator="environment.aqi", region__code="W1", granularity="minute")
    assert (minute.count, minute.last_value) == (1, 119)
    assert IndicatorValue.objects.filter(indicator="environment.noise_over_limit", region__code="E").exists()
    by_parts = sorted(IndicatorValue.objects.values_list("indicator", "region__code", "granularity", "count", "sum"))
    feed_minutes_mark(feed=FEED, minutes=[minute.bucket_start])
    live_tick()
    assert sorted(IndicatorValue.objects.values_list("indicator", "region__code", "granularity", "count", "sum")) == (
        by_parts
    )
    assert not FeedMinute.objects.exists()


def test_a_station_measuring_pm_only_has_no_other_analysers_to_report_silent(client, stations):
    from apps.indicators.health import data_sources_check
    from apps.indicators.models import Alert

    # given A1, a micro-station that measures PM2.5 and PM10 only, reporting
    post(client, stations["token"], [air(so2=None, no2=None, o3=None, co=None)])
    live_tick()

    # when its health is checked, a minute after the reading
    data_sources_check(now=AirReading.objects.get().observed_at + timedelta(minutes=1))

    # then its analysers are those that reported, and nothing says an SO2 analyser it never had went silent
    codes = set(SourceSensor.objects.filter(code__startswith="A1").values_list("code", flat=True))
    assert codes == {"A1", "A1/pm25", "A1/pm10"}
    assert not Alert.objects.filter(subject__contains="A1/").exists()
