"""The "wall" and "region" streams through the real ASGI application, and the deltas of the live tick."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from apps.dashboards import services
from apps.dashboards.services import live_tick
from apps.indicators.alerting import alert_raise, alert_record_verdict
from apps.indicators.models import IndicatorValue
from apps.regions.services import regions_import
from tests.conftest import feature
from tests.indicators.live import QUIET, TIMEOUT, flush_layer, in_thread, open_socket, session_headers, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


def watch(user: Any, subscriptions: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """One socket of `user` subscribing to each (stream, params) in turn; returns the replies."""
    headers = session_headers(user)

    async def scenario() -> list[dict[str, Any]]:
        await flush_layer()
        communicator = await open_socket(headers)
        try:
            return [await subscribe(communicator, stream, params) for stream, params in subscriptions]
        finally:
            await communicator.disconnect()

    return async_to_sync(scenario)()


def tick_and_receive(
    sockets: list[tuple[Any, list[tuple[str, dict[str, Any]]]]], before_tick: Any
) -> list[dict[str, dict[str, Any]]]:
    """Open one socket per (user, subscriptions), run `before_tick` and live_tick, and collect one delta
    per subscription on each socket, keyed by stream and region code ("wall" for the wall)."""
    headers = [(session_headers(user), subscriptions) for user, subscriptions in sockets]

    async def scenario() -> list[dict[str, dict[str, Any]]]:
        await flush_layer()
        opened = [await open_socket(h) for h, _subscriptions in headers]
        try:
            snapshots = []
            for communicator, (_h, subscriptions) in zip(opened, headers, strict=True):
                snapshots.append([await subscribe(communicator, s, p) for s, p in subscriptions])
            assert all(reply["type"] == "snapshot" for replies in snapshots for reply in replies)
            # when
            await in_thread(before_tick)()
            await in_thread(live_tick)()
            received = []
            for communicator, (_h, subscriptions) in zip(opened, headers, strict=True):
                frames = [await communicator.receive_json_from(timeout=TIMEOUT) for _ in subscriptions]
                assert await communicator.receive_nothing(timeout=QUIET)
                keyed = {"wall" if frame["stream"] == "wall" else frame["params"]["code"]: frame for frame in frames}
                received.append(keyed)
        finally:
            for communicator in opened:
                await communicator.disconnect()
        return received

    return async_to_sync(scenario)()


def expected_tile(code: str, value: float, severity: str) -> dict[str, Any]:
    """The tile of test.load in a region, built from its stored minute bucket."""
    row = IndicatorValue.objects.get(indicator="test.load", region__code=code, granularity="minute")
    return {
        "indicator": "test.load",
        "region": code,
        "value": value,
        "severity": severity,
        "at": row.last_at.isoformat(),
        "stale": False,
        "spark": [[row.bucket_start.isoformat(), value]],
        "count": row.count,
        "min_count": 0,
        "too_few": False,
    }


# --- Subscribing ---------------------------------------------------------------------------------------


def test_the_command_center_gets_the_wall_snapshot(cast, city, load_indicator):
    # when
    [reply] = watch(cast["command"], [("wall", {"code": "C"})])

    # then
    assert (reply["type"], reply["stream"], reply["params"]) == ("snapshot", "wall", {"code": "C"})
    data = reply["data"]
    assert set(data) == {"city", "indicators", "tiles", "map", "ground_truth", "needing_verification", "server_time"}
    assert data["city"] == {"code": "C", "name_zh": "测试市", "name_en": "Test City"}
    assert [i["code"] for i in data["indicators"]] == ["test.load"]
    assert data["tiles"] == [
        {
            "indicator": "test.load",
            "region": "C",
            "value": None,
            "severity": "normal",
            "at": None,
            "stale": True,
            "spark": [],
            "count": None,
            "min_count": 0,
            "too_few": False,
        }
    ]
    assert data["map"] == {"test.load": {}}
    assert data["needing_verification"] == []


def test_an_officer_may_not_watch_the_wall(cast, city):
    # when
    [reply] = watch(cast["officer"], [("wall", {"code": "C"})])

    # then
    assert reply == {
        "type": "error",
        "stream": "wall",
        "code": "forbidden",
        "message": "you may not subscribe to this stream",
    }


def test_region_streams_follow_the_officers_scope(cast, city, load_indicator):
    # when
    west_officer = watch(cast["officer"], [("region", {"code": "E"}), ("region", {"code": "W1"})])
    east_officer = watch(cast["other_officer"], [("region", {"code": "E"})])

    # then
    assert (west_officer[0]["type"], west_officer[0]["code"]) == ("error", "forbidden")
    assert (west_officer[1]["type"], west_officer[1]["data"]["region"]) == ("snapshot", "W1")
    [snapshot] = east_officer
    assert (snapshot["type"], snapshot["stream"], snapshot["params"]) == ("snapshot", "region", {"code": "E"})
    assert set(snapshot["data"]) == {
        "region",
        "indicators",
        "tiles",
        "children",
        "alerts",
        "ground_truth",
        "server_time",
    }
    assert (snapshot["data"]["region"], snapshot["data"]["children"]) == ("E", {"test.load": {}})


@pytest.mark.parametrize("params", [{}, {"code": ""}, {"code": 7}, {"code": "X" * 33}])
def test_region_stream_needs_a_region_code(cast, city, params):
    # when
    [reply] = watch(cast["command"], [("region", params)])

    # then
    assert reply == {
        "type": "error",
        "stream": "region",
        "code": "bad_params",
        "message": "params.code must be a region code",
    }


def test_an_unknown_region_is_forbidden(cast, city):
    # when
    [reply] = watch(cast["command"], [("region", {"code": "ZZ"})])

    # then
    assert (reply["type"], reply["code"]) == ("error", "forbidden")


# --- Ground truth --------------------------------------------------------------------------------------


def test_ground_truth_on_the_wall_before_and_after_a_verdict(cast, city):
    # given no alerts at all
    [empty] = watch(cast["command"], [("wall", {"code": "C"})])
    # and then an open alert on E
    alert, _created = alert_raise(
        kind="threshold", severity="warning", region=city["E"], indicator="test.load", title_zh="东", title_en="E"
    )
    [unverified] = watch(cast["command"], [("wall", {"code": "C"})])

    # when the officer on site confirms it
    alert = alert_record_verdict(alert=alert, verdict="confirmed", user=cast["other_officer"])
    [verified] = watch(cast["command"], [("wall", {"code": "C"})])

    # then (the fields fieldwork adds — screen-only regions, days since a visit — are tested there)
    core = ("alerts", "verified", "contradicted", "share_verified", "last_verified_at")
    for snapshot in (empty, unverified, verified):
        snapshot["data"]["ground_truth"] = {k: snapshot["data"]["ground_truth"][k] for k in core}
    assert empty["data"]["ground_truth"] == {
        "alerts": 0,
        "verified": 0,
        "contradicted": 0,
        "share_verified": None,
        "last_verified_at": None,
    }
    assert unverified["data"]["ground_truth"] == {
        "alerts": 1,
        "verified": 0,
        "contradicted": 0,
        "share_verified": 0.0,
        "last_verified_at": None,
    }
    assert unverified["data"]["needing_verification"] == ["E"]
    assert verified["data"]["ground_truth"] == {
        "alerts": 1,
        "verified": 1,
        "contradicted": 0,
        "share_verified": 1.0,
        "last_verified_at": alert.verified_at.isoformat(),
    }
    assert verified["data"]["needing_verification"] == []


# --- Live tick -----------------------------------------------------------------------------------------


def test_nothing_queued_publishes_nothing(city, load_indicator):
    # when
    result = live_tick()

    # then
    assert result == {"changed": 0, "deltas": 0}


def test_a_tick_after_an_observation_in_e_updates_the_wall_and_regions_e_and_c(cast, city, observe):
    # given the command center on the wall and on C, E's officer on E
    def before_tick() -> None:
        observe("E", 80, at=timezone.now())

    # when
    command, east = tick_and_receive(
        [
            (cast["command"], [("wall", {"code": "C"}), ("region", {"code": "C"})]),
            (cast["other_officer"], [("region", {"code": "E"})]),
        ],
        before_tick,
    )

    # then C (rolled up from E alone) and E read 80, the wall's map shows E
    east_map = {"test.load": {"E": {"value": 80.0, "severity": "warning", "stale": False}}}
    wall, region_c, region_e = command["wall"], command["C"], east["E"]
    assert (wall["type"], wall["stream"], wall["params"]) == ("delta", "wall", {"code": "C"})
    assert set(wall["data"]) == {"server_time", "tiles", "map"}
    assert wall["data"]["tiles"] == [expected_tile("C", 80.0, "warning")]
    assert wall["data"]["map"] == east_map
    assert (region_c["stream"], region_c["params"]) == ("region", {"code": "C"})
    assert region_c["data"]["tiles"] == [expected_tile("C", 80.0, "warning")]
    assert region_c["data"]["children"] == east_map
    assert set(region_e["data"]) == {"server_time", "tiles"}
    assert region_e["data"]["tiles"] == [expected_tile("E", 80.0, "warning")]


def test_a_tick_after_observations_in_streets_updates_their_district_and_the_city(cast, city, observe):
    # given the officer of W on W, the command center on the wall and on C
    def before_tick() -> None:
        now = timezone.now()
        observe("W1", 50, at=now)
        observe("W2", 100, at=now)

    # when
    command, west = tick_and_receive(
        [
            (cast["command"], [("wall", {"code": "C"}), ("region", {"code": "C"})]),
            (cast["officer"], [("region", {"code": "W"})]),
        ],
        before_tick,
    )

    # then W = (50·120k + 100·80k) / 200k = 70, and C follows W (E has no value)
    region_w = west["W"]["data"]
    assert region_w["tiles"] == [expected_tile("W", 70.0, "warning")]
    assert region_w["children"] == {
        "test.load": {
            "W1": {"value": 50.0, "severity": "normal", "stale": False},
            "W2": {"value": 100.0, "severity": "critical", "stale": False},
        }
    }
    city_map = {"test.load": {"W": {"value": 70.0, "severity": "warning", "stale": False}}}
    assert command["C"]["data"]["tiles"] == [expected_tile("C", 70.0, "warning")]
    assert command["C"]["data"]["children"] == city_map
    assert command["wall"]["data"]["tiles"] == [expected_tile("C", 70.0, "warning")]
    assert command["wall"]["data"]["map"] == city_map


def test_a_delta_carries_the_children_that_changed_and_screens_keep_the_others(cast, city, observe):
    # given W2 observed and rolled up earlier: the screen's snapshot holds it
    observe("W2", 100, at=timezone.now())
    live_tick()

    # when only W1 changes before the tick
    def before_tick() -> None:
        observe("W1", 50, at=timezone.now())

    (west,) = tick_and_receive([(cast["officer"], [("region", {"code": "W"})])], before_tick)

    # then the delta names W1 alone (a large city's street change is one of its communities, not all of them)
    assert west["W"]["data"]["children"] == {"test.load": {"W1": {"value": 50.0, "severity": "normal", "stale": False}}}


def _watch(*streams: tuple[str, str]) -> None:
    """Screens of some process watch these (stream, region code) pairs, as a hub joining their groups records."""
    from asgiref.sync import async_to_sync

    from cityops import realtime

    groups = [realtime.group_name(realtime.get_stream(stream), {"code": code}) for stream, code in streams]
    async_to_sync(realtime._watch)(groups)


def test_a_tick_counts_its_deltas(city, observe):
    # given an observation in W1, and screens on every region stream and wall it reaches
    observe("W1", 50, at=timezone.now())
    _watch(("region", "W1"), ("region", "W"), ("region", "C"), ("wall", "C"), ("wall", "W"))

    # when
    result = live_tick()

    # then W1, W and C changed; regions W1, W and C each get one delta, and so do the walls showing C and W
    # (a district's own wall shows the district)
    assert result == {"changed": 3, "deltas": 5}


def test_a_tick_builds_and_sends_only_what_some_screen_watches(city, observe):
    # given an observation in W1 while only the city's wall is on a screen
    observe("W1", 50, at=timezone.now())
    _watch(("wall", "C"))

    # when
    result = live_tick()

    # then the three regions changed, and one delta went out: the wall's
    assert result == {"changed": 3, "deltas": 1}


def test_the_wall_only_gets_deltas_of_the_city_it_shows(city, observe, monkeypatch):
    # given a second top-level region (a district imported before its city, say) with a value
    regions_import(features=[feature("Z", "新区", "New Area", (118.04, 32.00, 118.06, 32.02), 50_000)], level="city")
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        services, "streams_publish", lambda items, **kw: sent.extend((s, p) for s, p, _d in items) or len(items)
    )
    observe("Z", 99, at=timezone.now())
    _watch(("region", "Z"), ("wall", "Z"), ("region", "C"), ("wall", "C"))

    # when
    live_tick()

    # then Z's own stream and a wall showing Z get its tiles, but the wall showing C gets nothing
    assert sent == [("region", {"code": "Z"}), ("wall", {"code": "Z"})]


def test_a_verdict_reaches_the_walls_ground_truth_panel_at_the_next_tick(cast, city):
    # given an alert on E sent to the field, and the wall watching
    alert, _created = alert_raise(
        kind="threshold", severity="warning", region=city["E"], indicator="test.load", title_zh="东", title_en="E"
    )
    live_tick()  # the alert's opening has been sent already

    # when the officer's verdict comes in
    [received] = tick_and_receive(
        [(cast["command"], [("wall", {"code": "C"})])],
        before_tick=lambda: alert_record_verdict(alert=alert, verdict="contradicted", user=cast["other_officer"]),
    )

    # then the wall gets its new summary without reconnecting
    truth = received["wall"]["data"]["ground_truth"]
    assert (truth["alerts"], truth["verified"], truth["contradicted"]) == (1, 1, 1)
    assert "tiles" not in received["wall"]["data"]
    # and a tick with nothing new sends nothing
    assert live_tick() == {"changed": 0, "deltas": 0}
