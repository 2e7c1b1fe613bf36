"""The "alerts" stream: every alert change, filtered per socket by the user's region scope, and the storm
guard's start and end (storm.py), for every socket.

Messages: {"event", "alert": alert_payload} and {"storm": {"active", "since", "new_alerts", "window_s"[, "until"]}};
the snapshot is {"alerts": [alert_payload…], "storm": storm_state()}.
"""

from __future__ import annotations

from typing import Any

from apps.accounts.selectors import user_region_ids
from apps.indicators.models import Alert
from apps.indicators.selectors import alert_list_for_user, alert_payload, alert_payloads
from apps.indicators.storm import storm_state
from cityops.realtime import Params, Payload, Stream, register_stream, stream_publish

SNAPSHOT_LIMIT = 100


def _can_subscribe(user: Any, params: Params) -> bool:
    return bool(user.is_authenticated and user.has_perm("indicators.view_alert"))


def _snapshot(user: Any, params: Params) -> Payload:
    alerts = list(alert_list_for_user(user=user)[:SNAPSHOT_LIMIT])
    return {"alerts": alert_payloads(alerts), "storm": storm_state()}


def _visible(scope: frozenset[int] | None, data: Payload) -> bool:
    """An alert for the sockets whose scope holds its region; a storm's start and end for every socket."""
    return scope is None or "alert" not in data or data["alert"]["region_id"] in scope


ALERTS_STREAM = register_stream(
    Stream(
        name="alerts",
        group=lambda params: "all",
        can_subscribe=_can_subscribe,
        snapshot=_snapshot,
        viewer=lambda user: user_region_ids(user=user),
        visible=_visible,
    )
)


def alert_publish(*, alert: Alert, event: str) -> None:
    """Send an alert change to the alerts stream after commit (new alerts and verdicts go out at once)."""
    stream_publish(stream="alerts", params={}, payload={"event": event, "alert": alert_payload(alert)})
