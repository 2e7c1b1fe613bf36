"""From snapshots to the surveillance alarm on the wall; where a patient can go now (query, API, permissions);
the staff page; the simulator."""

import io
import re
from datetime import datetime, time, timedelta

import numpy as np
import pytest
from django.utils import timezone

from apps.dashboards.services import live_tick
from apps.healthcare.models import CapacitySnapshot, Facility, FeverDay
from apps.healthcare.selectors import facilities_nearest
from apps.healthcare.synthetic import Outbreak, series
from apps.indicators.models import Alert, IndicatorValue
from tests.conftest import PASSWORD
from tests.healthcare.conftest import at, post, snap


def end_of_day(day):
    return datetime.combine(day, time(23, 30), tzinfo=timezone.get_current_timezone())


def test_an_outbreak_in_fever_clinic_visits_raises_the_alarm_with_its_numbers(client, facilities):
    # given 70 days of end-of-day reports from T1 (district W), the last five days an outbreak
    yesterday = timezone.localdate() - timedelta(days=1)
    first = yesterday - timedelta(days=69)
    outbreak = Outbreak(start=yesterday - timedelta(days=4), peak=1.5)
    counts = series(level=40, start=first, days=70, outbreaks=[outbreak], rng=np.random.default_rng(7))
    rows = [snap("T1", end_of_day(day), fever_clinic_visits=n) for day, n in counts.items()]
    rows.append(snap("T1", at(), fever_clinic_visits=3))  # this morning's first report
    assert post(client, facilities["token"], rows).status_code == 201

    live_tick()

    assert FeverDay.objects.filter(facility=facilities["T1"]).count() == 71
    signal = IndicatorValue.objects.filter(indicator="healthcare.fever_signal", region__code="W", granularity="minute")
    assert signal.latest("bucket_start").last_value >= 3
    alert = Alert.objects.get(indicator="healthcare.fever_signal", region__code="W")
    # the alert says the visits against the expected since the alarm began (the outbreak's days)
    found = re.search(r"(\d+) fever-clinic visits since (\d+ \w+), (\d+) expected", alert.title_en)
    since = next(day for day in counts if f"{day:%d %b}" == found[2])
    assert outbreak.start <= since <= yesterday
    assert int(found[1]) == sum(n for day, n in counts.items() if day >= since)
    assert int(found[3]) < int(found[1])
    assert f"{since.month}月{since.day}日以来发热门诊 {found[1]} 人次，预期 {found[3]}" in alert.title_zh
    # and the city shows its highest district
    city = IndicatorValue.objects.filter(indicator="healthcare.fever_signal", region__code="C", granularity="minute")
    assert city.latest("bucket_start").last_value == signal.latest("bucket_start").last_value
    # …without a second alert: the city's score is West's, and West alerts
    assert not Alert.objects.filter(indicator="healthcare.fever_signal", region__code="C").exists()


def test_quiet_fever_clinics_raise_no_alarm(client, facilities):
    yesterday = timezone.localdate() - timedelta(days=1)
    first = yesterday - timedelta(days=69)
    counts = series(level=40, start=first, days=70, outbreaks=[], rng=np.random.default_rng(11))
    post(client, facilities["token"], [snap("T1", end_of_day(day), fever_clinic_visits=n) for day, n in counts.items()])

    live_tick()

    assert not Alert.objects.filter(indicator="healthcare.fever_signal").exists()


def test_the_nearest_facility_with_a_free_icu_bed(client, facilities, cast):
    post(client, facilities["token"], [
        snap("T1", at(), beds_occupied=50, icu_occupied=10),  # ICU full
        snap("H2", at(), beds_occupied=20, icu_occupied=2, er_waiting=3, er_wait_minutes=20),
    ])  # fmt: skip

    icu = facilities_nearest(user=cast["command"], lon=118.004, lat=32.01, need="icu")
    er = facilities_nearest(user=cast["command"], lon=118.004, lat=32.01, need="er")
    bed = facilities_nearest(user=cast["command"], lon=118.004, lat=32.01, need="bed")

    assert [f["code"] for f in icu["facilities"]] == ["H2"]  # T1 is nearer, but its ICU is full
    assert icu["facilities"][0]["icu_free"] == 3
    assert icu["facilities"][0]["distance_km"] == pytest.approx(2.45, abs=0.05)  # 0.026° of longitude at 32° N
    assert [f["code"] for f in er["facilities"]] == ["H2"]  # T1 sent no emergency figures: not known
    assert er["not_reporting"] == 1  # X9 has never reported
    assert [f["code"] for f in bed["facilities"]] == ["T1", "H2"]
    assert bed["not_reporting"] == 3  # C3, K4 and X9


def test_the_nearest_capacity_api_checks_its_input_and_its_caller(client, facilities, cast):
    post(client, facilities["token"], [snap("H2", at(), beds_occupied=20, icu_occupied=2)])
    url = "/api/v1/healthcare/nearest"

    anonymous = client.get(url, {"lon": 118.0, "lat": 32.0})
    client.login(username="command", password=PASSWORD)
    ok = client.get(url, {"lon": 118.0, "lat": 32.0, "need": "icu"})
    bad = client.get(url, {"lon": "east", "lat": 95, "need": "helicopter"}, HTTP_ACCEPT_LANGUAGE="en")

    assert anonymous.status_code in (401, 403)
    assert ok.status_code == 200
    assert [f["code"] for f in ok.json()["facilities"]] == ["H2"]
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"lon", "lat", "need"}


def test_the_staff_page_shows_facilities_regions_and_the_nearest(client, facilities, cast):
    post(client, facilities["token"], [snap("T1", at(), beds_occupied=90, icu_occupied=9, er_waiting=6,
                                            er_wait_minutes=40, fever_clinic_visits=30)])  # fmt: skip
    live_tick()
    client.login(username="command", password=PASSWORD)

    page = client.get("/healthcare/", {"lon": "118.03", "lat": "32.01", "need": "icu"}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()

    assert page.status_code == 200
    assert 'id="healthcare-map-figure"' in html
    assert "T1 Hospital" in html
    assert 'data-code="T1"' in html  # in the nearest table (the only one with a free ICU bed) and the list
    assert "90 / 100" in html
    assert client.get("/healthcare/", {"lon": "x", "lat": "32"}).status_code == 200  # bad input: a message


def test_the_staff_page_needs_the_permission(client, facilities):
    assert client.get("/healthcare/").status_code == 302  # to the login page


def test_the_simulator_feeds_the_demo_facilities_through_ingest(db):
    from django.core.management import call_command

    from apps.healthcare import simulator

    call_command("seed_demo", stdout=io.StringIO())
    CapacitySnapshot.objects.all().delete()

    now = timezone.now()
    produced = simulator.step(now)
    live_tick()

    facilities = Facility.objects.count()
    assert facilities > 20
    # a hundred end-of-day reports each, then every 15 minutes for a day and a half
    assert produced == CapacitySnapshot.objects.count() >= facilities * (100 + 36 * 4)
    assert {t.minute % 5 for t in CapacitySnapshot.objects.values_list("observed_at", flat=True)} == {0}
    assert not CapacitySnapshot.objects.filter(beds_occupied__gt=0, facility__beds=0).exists()
    assert IndicatorValue.objects.filter(indicator="healthcare.fever_signal").exists()  # the baseline is there
    assert simulator.step(now) == 0  # nothing new within the same 5 minutes
    assert simulator.step(now + timedelta(minutes=5)) == facilities  # then every 5 minutes


def test_the_scenario_outbreak_reaches_farther_facilities_later_and_weaker(db, city):
    from apps.healthcare.simulator import fever_extra, outbreaks

    near = Facility(code="N", lon=118.0, lat=32.0, kind="secondary", fever_clinic=True, beds=1)
    far = Facility(code="F", lon=118.08, lat=32.0, kind="secondary", fever_clinic=True, beds=1)
    day = next(d for d in (timezone.localdate() + timedelta(days=k) for k in range(200)) if outbreaks([near], d))
    start = outbreaks([near], day)[-1][0].start

    def curve(facility):
        return [fever_extra(facility, [near], start + timedelta(days=k), 100.0) for k in range(20)]

    near_curve, far_curve = curve(near), curve(far)
    assert near_curve.index(max(near_curve)) < far_curve.index(max(far_curve))
    assert 0 < max(far_curve) < max(near_curve) / 3
