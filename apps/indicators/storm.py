"""The storm guard: past CITYOPS_ALERT_STORM_COUNT new alerts within CITYOPS_ALERT_STORM_WINDOW_S seconds the
room is told once, on the alerts stream, that a storm started, and once that it ended; the alerts themselves
go out as ever (the wall groups them by indicator, cause and level from their payloads).

The choices made:
- A storm is counted per room: city-wide for the command center, and per district for the walls and people
  whose scope is a district or lies in one. A district's room is told of a storm in its district with its
  district's count, never of one elsewhere nor of the city's count (scope holds for aggregates too). New alerts
  are counted held-back (inhibited) ones included: a storm is the rate at which things break, whatever is shown.
- It ends when the window holds half the limit or fewer, so a rate hovering at the limit does not flap.
- Its state lives in the cache, shared by every process in production; `cache.add` and `cache.delete` make
  the start and the end each told once when two processes see them at the same moment.
- The count runs once per committed transaction that opened alerts, not once per alert: a tick opening hundreds
  of alerts at once counts the window once.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from apps.indicators.models import Alert
from apps.regions.models import Region

STORM_KEY = "indicators:alert-storm"
CITY = ""  # the city-wide room's scope; a district's is its path, "/C/W/"


def _window_s() -> int:
    return int(settings.CITYOPS_ALERT_STORM_WINDOW_S)


def _key(scope: str) -> str:
    return f"{STORM_KEY}:{scope}"


def _district_path(path: str | None) -> str | None:
    """ "/C/W/W1/" → "/C/W/"; None for the city itself and for alerts without a region."""
    codes = (path or "").strip("/").split("/")
    return f"/{codes[0]}/{codes[1]}/" if len(codes) >= 2 else None


def _new_alerts(now: datetime) -> Counter[str]:
    """New alerts in the window, city-wide (CITY) and per district path."""
    counts: Counter[str] = Counter()
    for path in Alert.objects.filter(created_at__gte=now - timedelta(seconds=_window_s())).values_list(
        "region__path", flat=True
    ):
        counts[CITY] += 1
        district = _district_path(path)
        if district:
            counts[district] += 1
    return counts


def _scopes() -> list[str]:
    """Every room a storm can be told to: the city and each district (a short cached list)."""
    scopes = cache.get(f"{STORM_KEY}:scopes")
    if scopes is None:
        districts = {_district_path(p) for p in Region.objects.filter(depth=1).values_list("path", flat=True)}
        scopes = [CITY, *sorted(d for d in districts if d)]
        cache.set(f"{STORM_KEY}:scopes", scopes, timeout=300)
    return scopes


def _active() -> dict[str, dict[str, Any]]:
    """The storms on now, by scope (one cache round trip)."""
    found = cache.get_many([_key(scope) for scope in _scopes()])
    return {key.removeprefix(f"{STORM_KEY}:"): state for key, state in found.items()}


def storm_scopes_for(region_ids: frozenset[int] | None) -> frozenset[str]:
    """The rooms whose storms a viewer with this region scope is told of: the city's for whoever sees all, and
    for a scoped viewer the districts its regions lie in (a street's officer hears of its district's storm)."""
    if region_ids is None:
        return frozenset({CITY})
    paths = Region.objects.filter(id__in=region_ids).values_list("path", flat=True)
    return frozenset(d for d in (_district_path(p) for p in paths) if d)


def storm_state(*, scopes: frozenset[str] = frozenset({CITY})) -> dict[str, Any]:
    """{"active", "since", "new_alerts", "window_s", "scope"} of the storm on now in one of these rooms (for
    snapshots); a cache read, no query."""
    active = _active()
    for scope in sorted(scopes):
        if scope in active:
            return {"active": True, **active[scope], "window_s": _window_s()}
    return {"active": False, "since": None, "new_alerts": None, "window_s": _window_s(), "scope": None}


def storm_alert_opened() -> None:
    """An alert opened: once the transaction commits, start the storms whose window now holds more than the
    limit (one count for all the alerts the transaction opened; a rolled-back transaction's count is dropped
    with it)."""
    around = set(connection.savepoint_ids)
    if any(func is _opened and sids <= around for sids, func, _robust in connection.run_on_commit):
        return  # already counted at the commit, by a callback that any rollback of this one drops too
    transaction.on_commit(_opened)


def _opened() -> None:
    storm_check()


def storm_check(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """Start or end storms by the count of new alerts in the window, in each room; returns what was told (each
    start and each end published once on the alerts stream)."""
    now = now or timezone.now()
    counts = _new_alerts(now)
    active = _active()
    limit = settings.CITYOPS_ALERT_STORM_COUNT
    told = []
    for scope in _scopes():
        count = counts.get(scope, 0)
        if scope not in active:
            if count <= limit:
                continue
            state = {"since": now.isoformat(), "new_alerts": count, "scope": scope or None}
            if cache.add(_key(scope), state, timeout=None):
                told.append({"active": True, **state})
        elif count <= limit // 2 and cache.delete(_key(scope)):
            since = active[scope]["since"]
            told.append({"active": False, "since": since, "until": now.isoformat(), "new_alerts": count,
                         "scope": scope or None})  # fmt: skip
    for storm in told:
        _publish(storm)
    return told


def storm_settle(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """storm_check while a storm is on anywhere (the tick's call: a cache read when none is)."""
    if not _active():
        return []
    return storm_check(now=now)


def _publish(storm: dict[str, Any]) -> None:
    from cityops.realtime import stream_publish

    stream_publish(stream="alerts", params={}, payload={"storm": {**storm, "window_s": _window_s()}})
