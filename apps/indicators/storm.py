"""The storm guard: past CITYOPS_ALERT_STORM_COUNT new alerts within CITYOPS_ALERT_STORM_WINDOW_S seconds the
room is told once, on the alerts stream, that a storm started, and once that it ended; the alerts themselves
go out as ever (the wall groups them by indicator, cause and level from their payloads).

The choices made:
- New alerts are counted city-wide, held-back (inhibited) ones included: a storm is the rate at which things
  break, whatever is shown of it. Every wall hears of it.
- It ends when the window holds half the limit or fewer, so a rate hovering at the limit does not flap.
- Its state lives in the cache, shared by every process in production; `cache.add` and `cache.delete` make
  the start and the end each told once when two processes see them at the same moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.indicators.models import Alert

STORM_KEY = "indicators:alert-storm"


def _window_s() -> int:
    return int(settings.CITYOPS_ALERT_STORM_WINDOW_S)


def _new_alerts(now: datetime) -> int:
    return Alert.objects.filter(created_at__gte=now - timedelta(seconds=_window_s())).count()


def storm_state() -> dict[str, Any]:
    """{"active", "since", "new_alerts", "window_s"} of the storm now (for snapshots); no query."""
    state = cache.get(STORM_KEY)
    if state is None:
        return {"active": False, "since": None, "new_alerts": None, "window_s": _window_s()}
    return {"active": True, **state, "window_s": _window_s()}


def storm_alert_opened() -> None:
    """An alert opened: after commit, start the storm if the window now holds more than the limit."""
    transaction.on_commit(_opened)


def _opened() -> None:
    # A storm that is on cannot end by an alert opening: no count then (a tick opening hundreds of alerts in a
    # storm would otherwise count the window once for each of them).
    if cache.get(STORM_KEY) is None:
        storm_check()


def storm_check(*, now: datetime | None = None) -> bool | None:
    """Start or end the storm by the count of new alerts in the window; True when it started, False when it
    ended, None when nothing changed. Each change is published once on the alerts stream."""
    now = now or timezone.now()
    active = cache.get(STORM_KEY)
    if active is None:
        count = _new_alerts(now)
        if count <= settings.CITYOPS_ALERT_STORM_COUNT:
            return None
        state = {"since": now.isoformat(), "new_alerts": count}
        if not cache.add(STORM_KEY, state, timeout=None):
            return None
        _publish({"active": True, **state})
        return True
    count = _new_alerts(now)
    if count > settings.CITYOPS_ALERT_STORM_COUNT // 2 or not cache.delete(STORM_KEY):
        return None
    _publish({"active": False, "since": active["since"], "until": now.isoformat(), "new_alerts": count})
    return False


def storm_settle(*, now: datetime | None = None) -> bool | None:
    """storm_check while a storm is on (the tick's call: costs a cache read when none is)."""
    if cache.get(STORM_KEY) is None:
        return None
    return storm_check(now=now)


def _publish(storm: dict[str, Any]) -> None:
    from cityops.realtime import stream_publish

    stream_publish(stream="alerts", params={}, payload={"storm": {**storm, "window_s": _window_s()}})
