"""The "alerts" stream through the real ASGI application: snapshot and deltas filtered by region scope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from apps.accounts.services import staff_user_upsert
from apps.indicators.alerting import alert_raise, alert_transition
from apps.indicators.models import Alert
from tests.indicators.live import QUIET, TIMEOUT, flush_layer, in_thread, open_socket, session_headers, subscribe

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)


def raise_alert(region: Any, minute: int = 0) -> Alert:
    alert, _created = alert_raise(
        kind="threshold",
        severity="warning",
        indicator="test.load",
        region=region,
        value=75.0,
        threshold=70.0,
        title_zh=f"{region.name_zh}：测试负载超过预警值",
        title_en=f"{region.name_en}: Test load above warning",
        at=T0.replace(minute=minute),
    )
    return alert


@pytest.mark.parametrize(
    ("user", "expected"),
    [("command", ["E", "W1"]), ("officer", ["W1"]), ("other_officer", ["E"]), ("staff", [])],
)
def test_the_alerts_snapshot_lists_only_alerts_in_scope(cast, city, user, expected):
    # given active alerts on W1 (older) and E (newer), and a resolved one on W2
    raise_alert(city["W1"], 1)
    raise_alert(city["E"], 2)
    alert_transition(alert=raise_alert(city["W2"], 3), action="resolve", user=cast["command"])
    headers = session_headers(cast[user])

    async def scenario() -> dict[str, Any]:
        await flush_layer()
        communicator = await open_socket(headers)
        try:
            # when
            return await subscribe(communicator, "alerts")
        finally:
            await communicator.disconnect()

    snapshot = async_to_sync(scenario)()

    # then
    assert (snapshot["type"], snapshot["stream"], snapshot["params"]) == ("snapshot", "alerts", {})
    assert [alert["region"] for alert in snapshot["data"]["alerts"]] == expected


def test_an_alert_payload_in_the_snapshot(cast, city):
    # given
    alert = raise_alert(city["E"], 2)
    headers = session_headers(cast["other_officer"])

    async def scenario() -> dict[str, Any]:
        await flush_layer()
        communicator = await open_socket(headers)
        try:
            # when
            return await subscribe(communicator, "alerts")
        finally:
            await communicator.disconnect()

    payload = async_to_sync(scenario)()["data"]["alerts"][0]

    # then
    east = city["E"]
    assert payload == {
        "id": alert.id,
        "kind": "threshold",
        "indicator": "test.load",
        "direction": None,  # test.load is not registered here
        "region_level": "district",
        "region": "E",
        "region_id": east.id,
        "region_path": "/C/E/",
        "region_name_zh": "东区",
        "region_name_en": "East District",
        "subject": "",
        "severity": "warning",
        "status": "open",
        "verdict": "",
        "inhibited_by": None,
        "inhibits": [],
        "inhibits_count": 0,
        "title_zh": "东区：测试负载超过预警值",
        "title_en": "East District: Test load above warning",
        "value": 75.0,
        "threshold": 70.0,
        "opened_at": "2026-11-29T17:02:00+00:00",
        "last_breach_at": "2026-11-29T17:02:00+00:00",
        "verified_at": None,
        "due_at": None,  # no deadline policy for threshold alerts here
        "lon": east.centroid_lon,
        "lat": east.centroid_lat,
    }


def test_a_new_alert_reaches_only_sockets_whose_scope_contains_it(cast, city):
    # given officers of W and of E, both watching the alerts stream
    officer = session_headers(cast["officer"])
    other = session_headers(cast["other_officer"])

    async def scenario() -> tuple[dict[str, Any], bool, dict[str, Any], bool]:
        await flush_layer()
        west = await open_socket(officer)
        east = await open_socket(other)
        try:
            await subscribe(west, "alerts")
            await subscribe(east, "alerts")
            # when an alert opens in E
            await in_thread(raise_alert)(city["E"])
            to_east = await east.receive_json_from(timeout=TIMEOUT)
            west_heard_nothing = await west.receive_nothing(timeout=QUIET)
            # and then one in W1 (W's officer still listens; E's does not get it)
            await in_thread(raise_alert)(city["W1"])
            to_west = await west.receive_json_from(timeout=TIMEOUT)
            east_heard_nothing = await east.receive_nothing(timeout=QUIET)
        finally:
            await west.disconnect()
            await east.disconnect()
        return to_east, west_heard_nothing, to_west, east_heard_nothing

    to_east, west_heard_nothing, to_west, east_heard_nothing = async_to_sync(scenario)()

    # then
    assert (to_east["type"], to_east["stream"]) == ("delta", "alerts")
    assert (to_east["data"]["event"], to_east["data"]["alert"]["region"]) == ("opened", "E")
    assert west_heard_nothing is True
    assert (to_west["data"]["event"], to_west["data"]["alert"]["region"]) == ("opened", "W1")
    assert east_heard_nothing is True


def test_a_transition_is_pushed_to_the_command_center(cast, city):
    # given an open alert on E, watched by the command center
    alert = raise_alert(city["E"])
    headers = session_headers(cast["command"])

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        await flush_layer()
        communicator = await open_socket(headers)
        try:
            snapshot = await subscribe(communicator, "alerts")
            # when
            await in_thread(alert_transition)(alert=alert, action="acknowledge", user=cast["command"])
            delta = await communicator.receive_json_from(timeout=TIMEOUT)
        finally:
            await communicator.disconnect()
        return snapshot, delta

    snapshot, delta = async_to_sync(scenario)()

    # then
    assert delta["seq"] == snapshot["seq"] + 1
    assert (delta["data"]["event"], delta["data"]["alert"]["id"], delta["data"]["alert"]["status"]) == (
        "acknowledge",
        alert.id,
        "acknowledged",
    )


def test_a_user_without_alert_permission_may_not_subscribe(cast, city):
    # given a signed-in user with no role at all
    nobody = staff_user_upsert(username="nobody", password="correct-horse-battery", roles=[])  # noqa: S106
    headers = session_headers(nobody)

    async def scenario() -> tuple[dict[str, Any], bool]:
        await flush_layer()
        communicator = await open_socket(headers)
        try:
            # when
            reply = await subscribe(communicator, "alerts")
            await in_thread(raise_alert)(city["E"])
            nothing = await communicator.receive_nothing(timeout=QUIET)
        finally:
            await communicator.disconnect()
        return reply, nothing

    reply, nothing = async_to_sync(scenario)()

    # then
    assert (reply["type"], reply["stream"], reply["code"]) == ("error", "alerts", "forbidden")
    assert nothing is True
