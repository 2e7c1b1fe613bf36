"""/api/v1/indicators/ and /api/v1/alerts/: catalogue, series (JSON and CSV), latest, alerts and transitions."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from apps.core.errors import ApplicationError
from apps.core.models import AuditLog
from apps.indicators.alerting import alert_raise
from apps.indicators.models import Alert
from apps.indicators.services import indicator_rollups_settle

T0 = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # 2026-11-30 01:00 in Asia/Shanghai
NOW = T0 + timedelta(minutes=5)
SERIES = "/api/v1/indicators/test.load/series"
LATEST = "/api/v1/indicators/test.load/latest"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def loads(city, observe, frozen):
    """W1 = 50 and W2 = 100 at 17:00 (W = 70), W1 = 80 at 17:01 (W = 80), E = 40 at 17:00; rolled up."""
    observe("W1", 50, at=T0 + timedelta(seconds=10))
    observe("W2", 100, at=T0 + timedelta(seconds=20))
    observe("W1", 80, at=T0 + timedelta(minutes=1, seconds=10))
    observe("E", 40, at=T0 + timedelta(seconds=30))
    indicator_rollups_settle()


def raise_alert(region: Any, minutes: int, subject: str = "") -> Alert:
    alert, _created = alert_raise(
        kind="threshold",
        severity="warning",
        indicator="test.load",
        region=region,
        subject=subject,
        value=75.0,
        threshold=70.0,
        title_zh=f"{region.name_zh}：测试负载超过预警值",
        title_en=f"{region.name_en}: Test load above warning",
        at=T0 + timedelta(minutes=minutes),
    )
    return alert


@pytest.fixture
def alerts(city, frozen) -> dict[str, Alert]:
    """Active alerts on W1, W and E (newest first: E, W, W1) and a resolved one on W2."""
    made = {
        "W1": raise_alert(city["W1"], 1),
        "W": raise_alert(city["W"], 2),
        "E": raise_alert(city["E"], 3),
        "W2": raise_alert(city["W2"], 0),
    }
    Alert.objects.filter(pk=made["W2"].pk).update(status="resolved", resolved_at=T0)
    return made


def ids(response: Any) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


# --- Catalogue -----------------------------------------------------------------------------------------


def test_the_catalogue_needs_a_signed_in_user(client, load_indicator):
    # when
    response = client.get("/api/v1/indicators/")

    # then
    assert response.status_code == 403


def test_the_catalogue_lists_registered_indicators(client, cast, load_indicator):
    # given
    client.force_login(cast["staff"])

    # when
    response = client.get("/api/v1/indicators/")

    # then
    assert response.status_code == 200
    entries = {item["code"]: item for item in response.json()}
    assert entries["test.load"] == {
        "code": "test.load",
        "domain": "test",
        "name_zh": "测试负载",
        "name_en": "Test load",
        "unit": "%",
        "unit_zh": "%",
        "unit_en": "%",
        "aggregation": "mean",
        "rollup": "weighted_mean",
        "bad_direction": "high",
        "direction": "above",
        "warning": 70,
        "critical": 90,
        "decimals": 1,
        "min_count": 0,
        "stale_after_s": 600,
        "on_wall": True,  # a headline indicator
        "verified": 0,  # alerts checked in person over 30 days
        "contradicted": 0,
    }


# --- Series --------------------------------------------------------------------------------------------


def test_series_of_a_district_by_minute(client, cast, loads):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get(SERIES, {"region": "W", "granularity": "minute"})

    # then W's minutes, rolled up from its streets, in local time
    assert response.status_code == 200
    assert response.json() == [
        {"bucket_start": "2026-11-30T01:00:00+08:00", "value": 70.0, "count": 2, "min": 50.0, "max": 100.0},
        {"bucket_start": "2026-11-30T01:01:00+08:00", "value": 80.0, "count": 1, "min": 80.0, "max": 80.0},
    ]


def test_series_by_hour_rounds_to_the_indicators_decimals(client, cast, loads):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get(SERIES, {"region": "W1", "granularity": "hour"})

    # then the hour's mean (50 + 80) / 2
    assert response.status_code == 200
    assert response.json() == [
        {"bucket_start": "2026-11-30T01:00:00+08:00", "value": 65.0, "count": 2, "min": 50.0, "max": 80.0}
    ]


def test_series_default_window_is_six_hours_of_minutes(client, cast, observe, frozen):
    # given one value seven hours ago and one five minutes ago
    observe("E", 10, at=NOW - timedelta(hours=7))
    observe("E", 20, at=NOW - timedelta(minutes=5))
    client.force_login(cast["command"])

    # when
    response = client.get(SERIES, {"region": "E"})

    # then
    assert [point["value"] for point in response.json()] == [20.0]


def test_series_explicit_window_includes_start_and_excludes_end(client, cast, loads):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get(
        SERIES,
        {"region": "W1", "start": "2026-11-30T01:01:00+08:00", "end": "2026-11-30T01:02:00+08:00"},
    )
    excluded = client.get(
        SERIES,
        {"region": "W1", "start": "2026-11-30T01:00:00+08:00", "end": "2026-11-30T01:01:00+08:00"},
    )

    # then
    assert [point["bucket_start"] for point in response.json()] == ["2026-11-30T01:01:00+08:00"]
    assert [point["bucket_start"] for point in excluded.json()] == ["2026-11-30T01:00:00+08:00"]


def test_series_as_csv(client, cast, loads):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get(SERIES, {"region": "W", "granularity": "minute", "format": "csv"})

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "bucket_start,value,count,min,max",
        "2026-11-30T01:00:00+08:00,70.0,2,50.0,100.0",
        "2026-11-30T01:01:00+08:00,80.0,1,80.0,80.0",
    ]


def test_series_of_an_unknown_indicator_is_404(client, cast, load_indicator):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get("/api/v1/indicators/no.such/series", {"region": "W"})

    # then
    assert response.status_code == 404


def test_series_of_an_unknown_region_is_400(client, cast, load_indicator):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get(SERIES, {"region": "ZZ"})

    # then
    assert response.status_code == 400
    assert response.json() == {"detail": "unknown region", "errors": {"region": ["no region has this code"]}}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "W", "start": "2026-11-30T02:00:00+08:00", "end": "2026-11-30T02:00:00+08:00"}, "start"),
        ({"region": "W", "start": "2026-11-30T03:00:00+08:00", "end": "2026-11-30T02:00:00+08:00"}, "start"),
        ({"region": "W", "granularity": "week"}, "granularity"),
        ({"region": "W", "start": "yesterday"}, "start"),
        ({}, "region"),
    ],
    ids=["start-equals-end", "start-after-end", "bad-granularity", "bad-start", "no-region"],
)
def test_series_with_bad_parameters_is_400(client, cast, load_indicator, params, field):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get(SERIES, params)

    # then
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == [field]
    assert body["detail"] == body["errors"][field][0]


def test_series_of_a_region_outside_the_users_scope_is_403(client, cast, loads):
    # given an officer of E
    client.force_login(cast["other_officer"])

    # when
    response = client.get(SERIES, {"region": "W"})
    own = client.get(SERIES, {"region": "E"})

    # then
    assert response.status_code == 403
    assert own.status_code == 200
    assert [point["value"] for point in own.json()] == [40.0]


def test_series_of_a_street_inside_the_officers_district_is_allowed(client, cast, loads):
    # given an officer of W
    client.force_login(cast["officer"])

    # when
    response = client.get(SERIES, {"region": "W2"})

    # then
    assert response.status_code == 200
    assert [point["value"] for point in response.json()] == [100.0]


def test_series_needs_a_signed_in_user(client, loads):
    # when
    response = client.get(SERIES, {"region": "W"})

    # then
    assert response.status_code == 403


# --- Latest --------------------------------------------------------------------------------------------


def test_latest_by_district_for_the_command_center(client, cast, loads):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get(LATEST, {"level": "district"})

    # then W's newest minute (17:01, W1 alone) and E's
    assert response.status_code == 200
    assert response.json() == {
        "W": {"value": 80.0, "severity": "warning", "stale": False},
        "E": {"value": 40.0, "severity": "normal", "stale": False},
    }


def test_latest_is_limited_to_the_officers_scope(client, cast, loads):
    # given an officer of W
    client.force_login(cast["officer"])

    # when
    districts = client.get(LATEST)
    streets = client.get(LATEST, {"level": "street"})

    # then
    assert districts.json() == {"W": {"value": 80.0, "severity": "warning", "stale": False}}
    assert streets.json() == {
        "W1": {"value": 80.0, "severity": "warning", "stale": False},
        "W2": {"value": 100.0, "severity": "critical", "stale": False},
    }


def test_latest_for_a_user_without_regions_is_empty(client, cast, loads):
    # given department staff (no regions assigned)
    client.force_login(cast["staff"])

    # when
    response = client.get(LATEST, {"level": "district"})

    # then
    assert response.status_code == 200
    assert response.json() == {}


def test_latest_values_older_than_stale_after_are_stale(client, cast, city, observe):
    # given E observed at 17:00, read at 17:11 (stale after 10 minutes)
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        observe("E", 40, at=T0)
        client.force_login(cast["command"])

        # when
        response = client.get(LATEST)

    # then
    assert response.json() == {"E": {"value": 40.0, "severity": "normal", "stale": True}}


def test_a_future_dated_value_does_not_mask_the_current_one(client, cast, city, observe, frozen):
    # given E's current value, and one reading from a sensor whose clock runs a day ahead
    observe("E", 40, at=NOW - timedelta(minutes=1))
    with contextlib.suppress(ApplicationError):  # rejecting it at ingest is a fine answer too
        observe("E", 999, at=NOW + timedelta(days=1))
    observe("E", 41, at=NOW)
    client.force_login(cast["command"])

    # when
    response = client.get(LATEST)

    # then the map shows what E reads now
    assert response.json() == {"E": {"value": 41.0, "severity": "normal", "stale": False}}


def test_latest_with_a_bad_level_is_400(client, cast, load_indicator):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get(LATEST, {"level": "planet"})

    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["level"]


# --- Alerts --------------------------------------------------------------------------------------------


def test_alerts_need_a_signed_in_user(client, alerts):
    # when
    response = client.get("/api/v1/alerts/")

    # then
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("command", ["E", "W", "W1"]),
        ("officer", ["W", "W1"]),
        ("other_officer", ["E"]),
        ("staff", []),
    ],
)
def test_active_alerts_are_limited_to_the_users_scope(client, cast, alerts, user, expected):
    # given
    client.force_login(cast[user])

    # when
    response = client.get("/api/v1/alerts/")

    # then newest first, only the user's regions, no resolved ones
    assert response.status_code == 200
    body = response.json()
    assert ids(response) == [alerts[code].id for code in expected]
    assert (body["count"], body["next"], body["previous"]) == (len(expected), None, None)


def test_alert_states_resolved_and_all(client, cast, alerts):
    # given
    client.force_login(cast["officer"])

    # when
    resolved = client.get("/api/v1/alerts/", {"state": "resolved"})
    everything = client.get("/api/v1/alerts/", {"state": "all"})
    bad = client.get("/api/v1/alerts/", {"state": "some"})

    # then
    assert ids(resolved) == [alerts["W2"].id]
    assert ids(everything) == [alerts["W"].id, alerts["W1"].id, alerts["W2"].id]
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["state"]


def test_an_alert_in_the_list_carries_its_fields(client, cast, alerts):
    # given
    client.force_login(cast["other_officer"])

    # when
    item = client.get("/api/v1/alerts/").json()["results"][0]

    # then
    assert item == {
        "id": alerts["E"].id,
        "kind": "threshold",
        "indicator": "test.load",
        "region": "E",
        "subject": "",
        "severity": "warning",
        "status": "open",
        "verdict": "",
        "inhibited_by": None,
        "title": "东区：测试负载超过预警值",
        "title_zh": "东区：测试负载超过预警值",
        "title_en": "East District: Test load above warning",
        "value": 75.0,
        "threshold": 70.0,
        "details": {},
        "opened_at": "2026-11-30T01:03:00+08:00",
        "last_breach_at": "2026-11-30T01:03:00+08:00",
        "acknowledged_at": None,
        "verification_requested_at": None,
        "verified_at": None,
        "resolved_at": None,
    }


def test_alert_detail_in_and_out_of_scope(client, cast, alerts):
    # given an officer of W
    client.force_login(cast["officer"])

    # when
    own = client.get(f"/api/v1/alerts/{alerts['W1'].id}/")
    foreign = client.get(f"/api/v1/alerts/{alerts['E'].id}/")
    missing = client.get("/api/v1/alerts/999999/")

    # then
    assert own.status_code == 200
    assert own.json()["id"] == alerts["W1"].id
    assert (foreign.status_code, missing.status_code) == (404, 404)


def test_the_command_center_acknowledges_an_alert(client, cast, alerts):
    # given
    client.force_login(cast["command"])
    alert = alerts["E"]

    # when
    response = client.post(
        f"/api/v1/alerts/{alert.id}/acknowledge", {"note": "seen on camera"}, content_type="application/json"
    )

    # then
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["acknowledged_at"]) == (
        "acknowledged",
        "2026-11-30T01:05:00+08:00",
    )
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", cast["command"])
    entry = AuditLog.objects.get(action="indicators.alert.acknowledge")
    assert (entry.actor, entry.target_id, entry.data) == (cast["command"], str(alert.id), {"note": "seen on camera"})


def test_an_officer_may_not_acknowledge(client, cast, alerts):
    # given an officer of W, who sees W's alert but lacks the permission
    client.force_login(cast["officer"])
    alert = alerts["W"]

    # when
    response = client.post(f"/api/v1/alerts/{alert.id}/acknowledge")

    # then
    assert response.status_code == 403
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_at, alert.acknowledged_by) == ("open", None, None)
    assert not AuditLog.objects.filter(action="indicators.alert.acknowledge").exists()


def test_an_alert_outside_the_scope_is_404_even_for_actions(client, cast, alerts):
    # given an officer of W, and E's alert
    client.force_login(cast["officer"])
    alert = alerts["E"]

    # when
    response = client.post(f"/api/v1/alerts/{alert.id}/resolve")

    # then
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.status == "open"


def test_actions_need_a_signed_in_user(client, alerts):
    # when
    response = client.post(f"/api/v1/alerts/{alerts['E'].id}/acknowledge")

    # then
    assert response.status_code == 403
    alerts["E"].refresh_from_db()
    assert alerts["E"].status == "open"


def test_acknowledging_twice_is_400_with_the_reason(client, cast, alerts):
    # given an acknowledged alert
    client.force_login(cast["command"])
    alert = alerts["E"]
    assert client.post(f"/api/v1/alerts/{alert.id}/acknowledge").status_code == 200

    # when
    response = client.post(f"/api/v1/alerts/{alert.id}/acknowledge", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.status_code == 400
    assert response.json() == {
        "detail": "an alert that is Acknowledged cannot be acknowledged",
        "errors": {"status": ["acknowledged"]},
    }
    assert AuditLog.objects.filter(action="indicators.alert.acknowledge").count() == 1


def test_request_verification_then_resolve(client, cast, alerts):
    # given
    client.force_login(cast["command"])
    alert = alerts["W"]

    # when
    requested = client.post(f"/api/v1/alerts/{alert.id}/request-verification")
    resolved = client.post(f"/api/v1/alerts/{alert.id}/resolve")

    # then
    assert (requested.status_code, requested.json()["status"]) == (200, "verification_requested")
    assert requested.json()["verification_requested_at"] == "2026-11-30T01:05:00+08:00"
    assert (resolved.status_code, resolved.json()["status"]) == (200, "resolved")
    assert resolved.json()["resolved_at"] == "2026-11-30T01:05:00+08:00"
    alert.refresh_from_db()
    assert (alert.verification_requested_by, alert.resolved_by) == (cast["command"], cast["command"])
    assert client.get("/api/v1/alerts/").json()["count"] == 2


def test_a_note_that_is_too_long_is_400_and_changes_nothing(client, cast, alerts):
    # given
    client.force_login(cast["command"])
    alert = alerts["E"]

    # when
    response = client.post(f"/api/v1/alerts/{alert.id}/resolve", {"note": "x" * 1001}, content_type="application/json")

    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["note"]
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_at) == ("open", None)


def test_actions_only_accept_post(client, cast, alerts):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get(f"/api/v1/alerts/{alerts['E'].id}/acknowledge")

    # then
    assert response.status_code == 405
    alerts["E"].refresh_from_db()
    assert alerts["E"].status == "open"


# --- Edge cases: never a 500 ---------------------------------------------------------------------------


def test_an_end_near_the_first_representable_time_is_not_a_server_error(client, cast, load_indicator):
    # given
    client.force_login(cast["command"])
    client.raise_request_exception = False

    # when the default start (end minus the six-hour window) would fall before year 1
    response = client.get(SERIES, {"region": "W", "end": "0001-01-01T00:10:00Z"})

    # then a client error or an empty series, not a crash
    assert response.status_code in (200, 400)


def test_errors_of_a_csv_request_do_not_leak_python_reprs(client, cast, load_indicator):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get(SERIES, {"region": "W", "granularity": "week", "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.status_code == 400
    assert "ErrorDetail(" not in response.content.decode()


def test_the_wall_tiles_are_the_headline_indicators_unless_configured(settings, db):
    from apps.indicators.selectors import indicator_catalogue

    headline = {i["code"] for i in indicator_catalogue() if i["on_wall"]}
    settings.CITYOPS_WALL_TILES = ["traffic.speed", "healthcare.er_wait"]
    configured = {i["code"] for i in indicator_catalogue() if i["on_wall"]}

    # at most 8 tiles, so they read from across the room (UX.md); one or two per domain
    assert 4 <= len(headline) <= 8
    assert {"traffic.congestion", "environment.aqi", "healthcare.bed_occupancy"} <= headline
    assert configured == {"traffic.speed", "healthcare.er_wait"}


def test_the_catalogue_names_each_unit_in_both_languages(cast, client):
    # given the demo domains' indicators (vehicles, minutes, a 0–10 scale)
    client.force_login(cast["command"])

    # when
    catalogue = {row["code"]: row for row in client.get("/api/v1/indicators/").json()}

    # then a unit people read is in Chinese too; a scale or index stays as it is
    assert (catalogue["traffic.volume"]["unit_zh"], catalogue["traffic.volume"]["unit_en"]) == ("辆", "veh")
    assert (catalogue["healthcare.er_wait"]["unit_zh"], catalogue["healthcare.er_wait"]["unit_en"]) == ("分钟", "min")
    assert catalogue["traffic.congestion"]["unit_zh"] == catalogue["traffic.congestion"]["unit_en"] == "0–10"
