"""The "notifications" stream: a user's own bell (unread count, the latest ten), and nobody else's."""

from __future__ import annotations

from typing import Any

from apps.notifications.selectors import bell_snapshot
from cityops.realtime import Params, Payload, Stream


def _clean_params(params: Params) -> Params:
    user = params.get("user")
    if isinstance(user, bool) or not isinstance(user, int | str) or not str(user).isdigit():
        raise ValueError("user: a user id is required")
    return {"user": int(user)}


def _can_subscribe(user: Any, params: Params) -> bool:
    return bool(user.is_authenticated and user.is_active and params.get("user") == user.pk)


def _snapshot(user: Any, params: Params) -> Payload:
    return bell_snapshot(user_id=user.pk)


NOTIFICATIONS_STREAM = Stream(
    name="notifications",
    group=lambda params: f"user-{params['user']}",
    can_subscribe=_can_subscribe,
    snapshot=_snapshot,
    clean_params=_clean_params,
)
