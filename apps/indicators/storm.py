"""The storm guard: past CITYOPS_ALERT_STORM_COUNT new alerts within CITYOPS_ALERT_STORM_WINDOW_S seconds the
room is told, on the alerts stream, that a storm started, how it grows or eases, and once that it ended; the
alerts themselves go out as ever (the wall groups them by indicator, cause and level from their payloads).

The choices made:
- A storm is counted per room, a room being what a screen may see: the whole city for the command center, and
  for people with assigned regions those regions and everything under them (the scope of
  apps.accounts.selectors.user_region_ids). A room is told of a storm in it with its own count, never of one
  elsewhere nor of a wider count (scope holds for aggregates too). New alerts are counted held-back (inhibited)
  ones included: a storm is the rate at which things break, whatever is shown of it.
- It ends when the window holds half the limit or fewer, so a rate hovering at the limit does not flap. While it
  lasts, the count the room reads is told again when it has moved by a quarter of the limit (not on every alert).
- Its state lives in the cache, shared by every process in production; `cache.add` and `cache.delete` make
  the start and the end each told once when two processes see them at the same moment.
- The count runs once per committed transaction that opened alerts, not once per alert: a tick opening hundreds
  of alerts at once counts the window once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from apps.indicators.models import Alert

STORM_KEY = "indicators:alert-storm"
CITY = ""  # the whole city's room; another room is its regions' paths joined, "/C/W/" or "/C/E/E1/|/C/W/"
ROOMS_TTL_S = 300


def _window_s() -> int:
    return int(settings.CITYOPS_ALERT_STORM_WINDOW_S)


def _key(room: str) -> str:
    return f"{STORM_KEY}:{room}"


def _room_of(paths: list[str]) -> str:
    return "|".join(sorted(set(paths)))


def _rooms() -> list[str]:
    """Every room a storm can be told to: the city's, and one per set of regions staff are assigned (cached)."""
    rooms = cache.get(f"{STORM_KEY}:rooms")
    if rooms is None:
        from apps.accounts.models import StaffProfile

        assigned: dict[int, list[str]] = {}
        for profile_id, path in StaffProfile.regions.through.objects.values_list("staffprofile_id", "region__path"):
            assigned.setdefault(profile_id, []).append(path)
        rooms = [CITY, *sorted({_room_of(paths) for paths in assigned.values()})]
        cache.set(f"{STORM_KEY}:rooms", rooms, timeout=ROOMS_TTL_S)
    return rooms


def storm_room_for(user: Any) -> str | None:
    """The room a user's screens are in: the city's for whoever sees all of it, their assigned regions' for
    the others; None for a user who sees no region."""
    from apps.accounts.models import StaffProfile
    from apps.accounts.selectors import user_region_ids

    scope = user_region_ids(user=user)
    if scope is None:
        return CITY
    paths = list(
        StaffProfile.regions.through.objects.filter(staffprofile__user=user).values_list("region__path", flat=True)
    )
    if not paths:
        return None
    room = _room_of(paths)
    rooms = _rooms()
    if room not in rooms:  # assigned since the list was cached: counted from now on
        cache.set(f"{STORM_KEY}:rooms", [*rooms, room], timeout=ROOMS_TTL_S)
    return room


def _new_alerts(now: datetime, rooms: list[str]) -> Counter[str]:
    """New alerts in the window, in each room (an alert without a region counts for the city only)."""
    counts: Counter[str] = Counter()
    prefixes = {room: tuple(room.split("|")) for room in rooms if room}
    for path in Alert.objects.filter(created_at__gte=now - timedelta(seconds=_window_s())).values_list(
        "region__path", flat=True
    ):
        counts[CITY] += 1
        if path:
            for room, starts in prefixes.items():
                if path.startswith(starts):
                    counts[room] += 1
    return counts


def _active(rooms: list[str]) -> dict[str, dict[str, Any]]:
    """The storms on now, by room (one cache round trip)."""
    found = cache.get_many([_key(room) for room in rooms])
    return {key.removeprefix(f"{STORM_KEY}:"): state for key, state in found.items()}


def storm_state(*, room: str | None = CITY) -> dict[str, Any]:
    """{"active", "since", "new_alerts", "window_s", "scope"} of the storm on now in a room (for snapshots); a
    cache read, no query."""
    state = cache.get(_key(room)) if room is not None else None
    if state is None:
        return {"active": False, "since": None, "new_alerts": None, "window_s": _window_s(), "scope": None}
    return {"active": True, **state, "window_s": _window_s()}


def storm_alert_opened() -> None:
    """An alert opened: once the transaction commits, start the storms whose window now holds more than the
    limit (one count for all the alerts the transaction opened; a rolled-back transaction's count is dropped
    with it)."""
    around = set(connection.savepoint_ids)
    # Django 5 keeps (savepoint ids, callback, robust) triples; django-stubs 6.1.2 still types them as pairs.
    pending: list[tuple[set[str], Callable[[], None], bool]] = connection.run_on_commit  # type: ignore[assignment]
    if any(func is _opened and sids <= around for sids, func, _robust in pending):
        return  # already counted at the commit, by a callback that any rollback of this one drops too
    transaction.on_commit(_opened)


def _opened() -> None:
    storm_check()


def storm_check(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """Start, retell or end storms by the count of new alerts in the window, in each room; returns what was
    told (each published on the alerts stream, for the sockets in its room)."""
    now = now or timezone.now()
    rooms = _rooms()
    counts = _new_alerts(now, rooms)
    active = _active(rooms)
    limit = settings.CITYOPS_ALERT_STORM_COUNT
    step = max(1, limit // 4)
    told = []
    for room in rooms:
        count = counts.get(room, 0)
        state = active.get(room)
        if state is None:
            if count <= limit:
                continue
            state = {"since": now.isoformat(), "new_alerts": count, "scope": room or None}
            if cache.add(_key(room), state, timeout=None):
                told.append({"active": True, **state})
        elif count <= limit // 2:
            if cache.delete(_key(room)):
                told.append({"active": False, "since": state["since"], "until": now.isoformat(), "new_alerts": count,
                             "scope": room or None})  # fmt: skip
        elif abs(count - state["new_alerts"]) >= step:
            state = {**state, "new_alerts": count}
            cache.set(_key(room), state, timeout=None)
            told.append({"active": True, **state})
    for storm in told:
        _publish(storm)
    return told


def storm_settle(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """storm_check while a storm is on anywhere (the tick's call: a cache read when none is)."""
    if not _active(_rooms()):
        return []
    return storm_check(now=now)


def _publish(storm: dict[str, Any]) -> None:
    from cityops.realtime import stream_publish

    stream_publish(stream="alerts", params={}, payload={"storm": {**storm, "window_s": _window_s()}})
