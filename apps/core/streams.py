"""The "system" stream: server time and service health, for every signed-in screen.

Screens use it to show how fresh their connection is ("last update 12:03:10"), and to notice when the server
lost its sequence counters (a new epoch on the beat: every stream of the screen takes a fresh snapshot).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cityops.realtime import Params, Payload, Stream


def system_payload() -> Payload:
    return {"server_time": timezone.now().isoformat()}


def _can_subscribe(user: Any, params: Params) -> bool:
    return bool(user.is_authenticated and user.is_active)


SYSTEM_STREAM = Stream(
    name="system",
    group=lambda params: "all",
    can_subscribe=_can_subscribe,
    snapshot=lambda user, params: system_payload(),
    heartbeat_s=5,  # the beat schedule's "system-heartbeat"
)
