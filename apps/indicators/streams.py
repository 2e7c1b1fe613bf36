"""The "alerts" stream: every alert change, filtered per socket by the user's region scope."""

from __future__ import annotations

from typing import Any

from apps.accounts.selectors import user_region_ids
from apps.indicators.models import Alert
from apps.indicators.selectors import alert_list_for_user, alert_payload
from cityops.realtime import Params, Payload, Stream, register_stream, stream_publish

SNAPSHOT_LIMIT = 100


def _can_subscribe(user: Any, params: Params) -> bool:
    return bool(user.is_authenticated and user.has_perm("indicators.view_alert"))


def _snapshot(user: Any, params: Params) -> Payload:
    return {"alerts": [alert_payload(a) for a in alert_list_for_user(user=user)[:SNAPSHOT_LIMIT]]}


def _visible(scope: frozenset[int] | None, data: Payload) -> bool:
    return scope is None or data["alert"]["region_id"] in scope


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
