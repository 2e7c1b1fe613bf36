"""The "alerts" stream: every alert change, filtered per socket by the user's region scope, and the storm
guard's start and end (storm.py) in the rooms the socket's scope belongs to (the city's, or its districts').

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
from apps.indicators.storm import storm_scopes_for, storm_state
from cityops.realtime import Params, Payload, Stream, register_stream, stream_publish

SNAPSHOT_LIMIT = 100


def _can_subscribe(user: Any, params: Params) -> bool:
    return bool(user.is_authenticated and user.has_perm("indicators.view_alert"))


@dataclass(frozen=True)
class _Viewer:
    regions: frozenset[int] | None  # the user's region scope (None: all)
    storms: frozenset[str]  # the storm rooms the user is told of (storm.py)


def _viewer(user: Any) -> _Viewer:
    regions = user_region_ids(user=user)
    return _Viewer(regions=regions, storms=storm_scopes_for(regions))


def _snapshot(user: Any, params: Params) -> Payload:
    alerts = list(alert_list_for_user(user=user)[:SNAPSHOT_LIMIT])
    return {"alerts": alert_payloads(alerts), "storm": storm_state(scopes=_viewer(user).storms)}


def _visible(viewer: _Viewer, data: Payload) -> bool:
    """An alert for the sockets whose scope holds its region; a storm's start and end for the sockets in its room
    (a storm told without a room is the city's)."""
    if "storm" in data:
        return (data["storm"].get("scope") or "") in viewer.storms
    return viewer.regions is None or data["alert"]["region_id"] in viewer.regions


ALERTS_STREAM = register_stream(
    Stream(
        name="alerts",
        group=lambda params: "all",
        can_subscribe=_can_subscribe,
        snapshot=_snapshot,
        viewer=_viewer,
        visible=_visible,
    )
)


def alert_publish(*, alert: Alert, event: str) -> None:
    """Send an alert change to the alerts stream after commit (new alerts and verdicts go out at once)."""
    stream_publish(stream="alerts", params={}, payload={"event": event, "alert": alert_payload(alert)})
