"""The "wall" and "region" streams, both per region (params: code).

A wall shows one region as its "city": the city for city-wide users, a district for a district's staff. Both
streams refuse a region outside the subscriber's scope (apps/accounts/selectors.py).
"""

from __future__ import annotations

from typing import Any

from apps.accounts.selectors import user_can_access_region
from apps.dashboards.selectors import region_snapshot, wall_snapshot
from apps.regions.models import Region
from cityops.realtime import Params, Payload, Stream


def _can_watch_wall(user: Any, params: Params) -> bool:
    return bool(user.is_authenticated and user.has_perm("indicators.view_wall") and _in_scope(user, params))


def _in_scope(user: Any, params: Params) -> bool:
    region_id = Region.objects.filter(code=params["code"]).values_list("id", flat=True).first()
    return region_id is not None and user_can_access_region(user=user, region_id=region_id)


def _clean_region_params(params: Params) -> Params:
    code = params.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 32:
        raise ValueError("params.code must be a region code")
    return {"code": code.strip()}


def _can_watch_region(user: Any, params: Params) -> bool:
    return bool(user.is_authenticated and user.has_perm("regions.view_region") and _in_scope(user, params))


def _region_snapshot(user: Any, params: Params) -> Payload:
    return region_snapshot(user=user, region=Region.objects.get(code=params["code"]))


WALL_STREAM = Stream(
    name="wall",
    group=lambda params: params["code"],
    can_subscribe=_can_watch_wall,
    snapshot=lambda user, params: wall_snapshot(user=user, root=Region.objects.get(code=params["code"])),
    clean_params=_clean_region_params,
)

REGION_STREAM = Stream(
    name="region",
    group=lambda params: params["code"],
    can_subscribe=_can_watch_region,
    snapshot=_region_snapshot,
    clean_params=_clean_region_params,
)
