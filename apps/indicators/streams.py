"""The "alerts" stream: every alert change, filtered per socket by the user's region scope, and the storm
guard's start, retelling and end (storm.py) in the socket's own room (the city's, or its regions').

Messages: {"event", "alert": alert_payload} and
{"storm": {"active", "since", "new_alerts", "window_s", "scope"[, "until"]}}; the snapshot is
{"alerts": [alert_payload…], "storm": storm_state(scopes=…)}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.accounts.selectors import user_region_ids
from apps.indicators.models import Alert
from apps.indicators.selectors import alert_list_for_user, alert_payload, alert_payloads
from apps.indicators.storm import storm_room_for, storm_state
from cityops.realtime import Params, Payload, Stream, stream_publish

SNAPSHOT_LIMIT = 100


def _can_subscribe(user: Any, params: Params) -> bool:
    return bool(user.is_authenticated and user.has_perm("indicators.view_alert"))


@dataclass(frozen=True)
class _Viewer:
    regions: frozenset[int] | None  # the user's region scope (None: all)
    storm_room: str | None  # the storm room the user is told of (storm.py)


def _viewer(user: Any) -> _Viewer:
    return _Viewer(regions=user_region_ids(user=user), storm_room=storm_room_for(user))


def _snapshot(user: Any, params: Params) -> Payload:
    alerts = list(alert_list_for_user(user=user)[:SNAPSHOT_LIMIT])
    return {"alerts": alert_payloads(alerts), "storm": storm_state(room=_viewer(user).storm_room)}


def _visible(viewer: _Viewer, data: Payload) -> bool:
    """An alert for the sockets whose scope holds its region; a storm's start and end for the sockets in its room
    (a storm told without a room is the city's)."""
    if "storm" in data:
        return viewer.storm_room is not None and (data["storm"].get("scope") or "") == viewer.storm_room
    return viewer.regions is None or data["alert"]["region_id"] in viewer.regions


ALERTS_STREAM = Stream(
    name="alerts",
    group=lambda params: "all",
    can_subscribe=_can_subscribe,
    snapshot=_snapshot,
    viewer=_viewer,
    visible=_visible,
)


def alert_publish(*, alert: Alert, event: str) -> None:
    """Send an alert change to the alerts stream after commit (new alerts and verdicts go out at once)."""
    stream_publish(stream="alerts", params={}, payload={"event": event, "alert": alert_payload(alert)})
