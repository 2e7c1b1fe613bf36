"""The publish tick: one coalesced delta per stream for everything that changed since the last tick."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.dashboards.selectors import ground_truth, regions_children_changes, wall_root_ids
from apps.indicators.alerting import alerts_evaluate
from apps.indicators.registry import indicators
from apps.indicators.selectors import data_source_failures, regions_tiles
from apps.indicators.services import indicator_rollups_run
from apps.ingest.feeds import feeds_aggregate
from apps.regions.models import Region
from cityops.realtime import group_name, groups_watched, stream_publish, stream_registry, streams_publish


def live_tick() -> dict[str, int]:
    """Fold what ingest stored into minutes, roll them up, evaluate thresholds, publish one delta per
    changed stream.

    Returns counts for logs and tests: {"changed": pairs changed, "deltas": messages published}.
    """
    feeds_aggregate()
    changed = indicator_rollups_run()
    deltas = 0
    if changed:
        alerts_evaluate(keys=changed)
        by_region: dict[int, set[str]] = defaultdict(set)
        for indicator, region_id in changed:
            by_region[region_id].add(indicator)
        deltas = _publish(by_region)
    return {"changed": len(changed), "deltas": deltas + ground_truth_publish()}


GROUND_DIRTY_KEY = "dashboards:ground-truth-dirty"


def ground_truth_touch(*_args: Any) -> None:
    """Something the ground truth is made of changed (an alert opened or got a verdict, a visit was accepted):
    the next tick sends the wall its new ground-truth summary. Marked in the cache after commit, so the tick —
    in another process in production — sees it, and a burst of changes costs one summary."""
    transaction.on_commit(lambda: cache.set(GROUND_DIRTY_KEY, 1, timeout=3600))


def ground_truth_publish() -> int:
    """Every wall's ground-truth panel (share verified, screen-only areas) when something changed; the number
    of walls sent to."""
    if not cache.get(GROUND_DIRTY_KEY):
        return 0
    cache.delete(GROUND_DIRTY_KEY)
    now = timezone.now().isoformat()
    roots = Region.objects.filter(id__in=wall_root_ids()).order_by("depth", "code")
    for root in roots:
        payload = {"server_time": now, "ground_truth": ground_truth(region=root)}
        stream_publish(stream="wall", params={"code": root.code}, payload=payload)
    return len(roots)


def _publish(by_region: dict[int, set[str]]) -> int:
    """One delta per changed region's stream and per wall showing it, for the streams some screen watches: the
    changed tiles and the changed children's values (screens merge them into what they hold), all of them in a
    fixed number of queries."""
    regions = Region.objects.in_bulk(list(by_region))
    children_changed: dict[int, dict[int, set[str]]] = defaultdict(dict)
    for region_id, codes in by_region.items():
        if parent_id := regions[region_id].parent_id:
            children_changed[parent_id][region_id] = codes
    missing = set(children_changed) - set(regions)  # rollups mark parents changed too: usually none
    regions.update(Region.objects.in_bulk(list(missing)) if missing else {})
    walls = wall_root_ids()
    watched = _watched(regions.values(), walls)
    order = [indicator.code for indicator in indicators()]

    def ordered(codes: set[str]) -> list[str]:
        return [code for code in order if code in codes]

    tiles = regions_tiles(
        wanted={rid: ordered(codes) for rid, codes in by_region.items() if rid in watched},
        failures=data_source_failures(),  # once per tick, not once per region
    )
    children = regions_children_changes(
        changed={rid: of_parent for rid, of_parent in children_changed.items() if rid in watched}
    )
    now = timezone.now().isoformat()
    messages = []
    for region in sorted(regions.values(), key=lambda r: r.path):
        if region.id not in watched:
            continue
        payload: dict[str, Any] = {"server_time": now}
        if region.id in tiles:
            payload["tiles"] = [tile.as_dict() for tile in tiles[region.id]]
        if region.id in children:
            payload["children"] = children[region.id]
        messages.append(("region", {"code": region.code}, payload))
        if region.id in walls:  # a wall shows its root's tiles and the root's children on its map
            wall = {"server_time": now, "tiles": payload.get("tiles", []), "map": payload.get("children", {})}
            messages.append(("wall", {"code": region.code}, wall))
    return streams_publish(messages, watched_only=True)


def _watched(regions: Iterable[Region], walls: AbstractSet[int]) -> set[int]:
    """Ids of the regions whose region stream, or whose wall, some screen watches."""
    groups: dict[str, int] = {}
    for region in regions:
        groups[group_name(stream_registry["region"], {"code": region.code})] = region.id
        if region.id in walls:
            groups[group_name(stream_registry["wall"], {"code": region.code})] = region.id
    return {groups[group] for group in groups_watched(list(groups))}
