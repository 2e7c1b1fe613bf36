"""POST /api/v1/healthcare/snapshots and the tick: stored once, every bad row named, regions' capacity on the
spine (occupancy weighed by beds, not a mean of percentages), stale facilities left out, alerts."""

from datetime import date

import pytest

from apps.dashboards.services import live_tick
from apps.healthcare.models import CapacitySnapshot, FeverDay
from apps.indicators.models import Alert, IndicatorValue, SensorActivity
from tests.clock import SENT, local
from tests.healthcare.conftest import at, post, snap


def latest(code, region):
    row = IndicatorValue.objects.filter(indicator=code, region__code=region, granularity="minute").latest(
        "bucket_start"
    )
    return row.last_value


def test_snapshots_are_stored_once(client, facilities):
    rows = [snap("T1", icu_occupied=8, er_waiting=5, er_wait_minutes=30, fever_clinic_visits=12),
            snap("C3", beds_occupied=10, fever_clinic_visits=3)]  # fmt: skip

    first = post(client, facilities["token"], rows)
    again = post(client, facilities["token"], rows)

    assert (first.status_code, first.json()) == (201, {"accepted": 2, "duplicates": 0})
    assert again.json() == {"accepted": 0, "duplicates": 2}
    assert CapacitySnapshot.objects.count() == 2


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (snap("X9"), "facility", "unknown facility, or not one of this token's source"),
        (snap(beds_occupied=101), "beds_occupied", "more than the facility's 100 beds"),
        (snap(beds_occupied=-1), "beds_occupied", "must be at least 0"),
        (snap(icu_occupied=11), "icu_occupied", "more than the facility's 10 ICU beds"),
        (snap("C3", beds_occupied=5, icu_occupied=1), "icu_occupied", "the facility has no ICU beds"),
        (snap("C3", beds_occupied=5, er_waiting=2), "er_waiting", "the facility has no emergency department"),
        (snap("K4", beds_occupied=1, fever_clinic_visits=2), "fever_clinic_visits", "the facility has no fever clinic"),
        (snap(er_wait_minutes=-5), "er_wait_minutes", "must be at least 0"),
        (snap(fever_clinic_visits=2.5), "fever_clinic_visits", "must be a whole number"),
        ({"facility": "T1", "observed_at": SENT}, "beds_occupied", "required"),
    ],
)
def test_a_bad_row_rejects_the_batch_and_says_why(client, facilities, row, field, message):
    good = snap("H2", beds_occupied=10)

    response = post(client, facilities["token"], [good, row])

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"index": 1, "field": field} == {k: errors[0][k] for k in ("index", "field")}
    assert message in errors[0]["message"]
    assert CapacitySnapshot.objects.count() == 0  # the good row was not stored either


def test_errors_in_chinese(client, facilities):
    response = post(client, facilities["token"], [snap(beds_occupied=101)], language="zh-hans")

    assert response.status_code == 400
    assert "床位" in response.json()["errors"][0]["message"]


def test_a_facility_counts_towards_its_district(facilities):
    assert facilities["T1"].region.code == "W"  # its point is in street W1, a part of district W
    assert facilities["H2"].region.code == "E"


def test_the_tick_gives_each_region_its_capacity(client, facilities):
    now = at()
    post(client, facilities["token"], [
        snap("T1", now, beds_occupied=90, icu_occupied=9, er_waiting=6, er_wait_minutes=40, fever_clinic_visits=30),
        snap("C3", now, beds_occupied=10, fever_clinic_visits=5),
        snap("H2", now, beds_occupied=20, icu_occupied=1, er_waiting=4, er_wait_minutes=70, fever_clinic_visits=8),
        snap("K4", now, beds_occupied=1),
    ])  # fmt: skip

    live_tick()

    # West: (90 + 10) of (100 + 20) beds
    assert latest("healthcare.bed_occupancy", "W") == pytest.approx(83.33, abs=0.01)
    # the city: 121 of 174 beds = 69.5 %, not the mean of West's 83.3 and East's 38.9 (61.1)
    assert latest("healthcare.bed_occupancy", "C") == pytest.approx(100 * 121 / 174, abs=0.01)
    assert latest("healthcare.icu_occupancy", "C") == pytest.approx(100 * 10 / 15, abs=0.01)
    assert latest("healthcare.er_waiting", "C") == 10
    assert latest("healthcare.er_wait", "C") == 70  # the longest
    assert latest("healthcare.fever_visits", "C") == 43
    assert SensorActivity.objects.filter(sensor__code="T1").exists()


def test_a_facility_silent_for_two_hours_is_left_out(client, facilities):
    post(client, facilities["token"], [
        snap("T1", at(150), beds_occupied=100),
        snap("C3", at(), beds_occupied=10),
    ])  # fmt: skip

    live_tick()

    assert latest("healthcare.bed_occupancy", "W") == 50  # C3 alone: T1's report is 2½ hours old


@pytest.mark.clock("2026-12-02T10:00:00+08:00")
def test_fever_visits_count_the_local_day_and_keep_the_days(client, facilities):
    post(client, facilities["token"], [
        snap("T1", local("2026-12-02 09:00"), fever_clinic_visits=10),
        snap("T1", local("2026-12-02 09:30"), fever_clinic_visits=25),
    ])  # fmt: skip

    live_tick()

    day = FeverDay.objects.get(facility=facilities["T1"])
    assert (day.day, day.visits) == (date(2026, 12, 2), 25)  # the day's last cumulative count, not a sum


@pytest.mark.clock("2026-12-03T00:30:00+08:00")
def test_fever_visits_at_23_59_59_count_for_that_day_and_at_midnight_for_the_next(client, facilities):
    # given the clinic's running count in the last second of 12-02 and from the first second of 12-03
    post(client, facilities["token"], [
        snap("T1", local("2026-12-02 23:30:00"), fever_clinic_visits=38),
        snap("T1", local("2026-12-02 23:59:59"), fever_clinic_visits=40),
        snap("T1", local("2026-12-03 00:00:00"), fever_clinic_visits=1),
        snap("T1", local("2026-12-03 00:20:00"), fever_clinic_visits=4),
    ])  # fmt: skip

    live_tick()

    days = FeverDay.objects.filter(facility=facilities["T1"]).order_by("day").values_list("day", "visits")
    assert list(days) == [(date(2026, 12, 2), 40), (date(2026, 12, 3), 4)]
    assert latest("healthcare.fever_visits", "W") == 4  # the tiles count today, from local midnight


def test_a_lasting_high_occupancy_alerts(client, facilities):
    rows = [snap("T1", at(5 * k), beds_occupied=99) for k in range(8, -1, -1)]
    post(client, facilities["token"], rows)

    live_tick()

    alert = Alert.objects.get(indicator="healthcare.bed_occupancy", region__code="W")
    assert alert.severity == "critical"


def test_the_same_batch_again_changes_nothing(client, facilities):
    rows = [snap("T1", at(1), beds_occupied=70), snap("H2", at(1), beds_occupied=25)]
    post(client, facilities["token"], rows)
    live_tick()
    before = list(IndicatorValue.objects.order_by("id").values_list("indicator", "region_id", "count", "sum"))

    post(client, facilities["token"], rows)
    live_tick()

    assert list(IndicatorValue.objects.order_by("id").values_list("indicator", "region_id", "count", "sum")) == before


def test_an_emergency_department_repeating_the_same_figures_is_flagged_a_clinic_is_not(client, facilities):
    from apps.indicators.health import sensor_health
    from apps.indicators.models import SourceSensor

    # given five hours of identical reports from T1 (with an ER) and from C3 (a community center)
    rows = []
    for k in range(20, -1, -1):
        rows.append(snap("T1", at(15 * k), beds_occupied=80, er_waiting=4, er_wait_minutes=20))
        rows.append(snap("C3", at(15 * k), beds_occupied=10))
    post(client, facilities["token"], rows)

    live_tick()

    def health(code):
        return sensor_health(sensor=SourceSensor.objects.get(code=code), completeness=False)

    assert health("T1").flatlined  # the source's default: flat after 30 minutes
    assert not health("C3").flatlined
