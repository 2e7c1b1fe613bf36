"""What the wall and the region pages show: snapshots built from rollups, alerts and regions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, TypedDict

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from apps.core.registry import Registry, qualified_name
from apps.indicators.models import Alert
from apps.indicators.registry import indicators
from apps.indicators.selectors import (
    AlertPayload,
    CatalogueEntry,
    MapValue,
    alert_list_for_user,
    alert_payloads,
    indicator_catalogue,
    maps_values,
    region_tiles,
)
from apps.indicators.verdicts import verdicts_agreeing, verdicts_decided
from apps.regions.models import Region

GROUND_TRUTH_WINDOW = timedelta(days=30)
ALERT_LIMIT = 50


def city_region() -> Region | None:
    return Region.objects.filter(parent=None).order_by("depth", "code").first()


def children_values(*, region: Region, codes: list[str] | None = None) -> dict[str, dict[str, MapValue]]:
    """{indicator: {child code: {value, severity, stale}}} for the region's children."""
    wanted = [i.code for i in indicators() if codes is None or i.code in codes]
    return regions_children_values(wanted={region.id: wanted}).get(region.id, {})


def regions_children_values(*, wanted: dict[int, list[str]]) -> dict[int, dict[str, dict[str, MapValue]]]:
    """children_values of many regions at once, {region id: …}, in a fixed number of queries."""
    children: dict[int, dict[int, str]] = {region_id: {} for region_id in wanted}
    for child_id, code, parent_id in Region.objects.filter(parent_id__in=list(wanted)).values_list(
        "id", "code", "parent_id"
    ):
        children[parent_id][child_id] = code
    every_child = {child_id: code for kids in children.values() for child_id, code in kids.items()}
    codes = sorted({code for names in wanted.values() for code in names})
    values = maps_values(codes=codes, region_ids=every_child)
    result: dict[int, dict[str, dict[str, MapValue]]] = {}
    for region_id, names in wanted.items():
        kids = set(children[region_id].values())
        result[region_id] = {
            code: {child: shown for child, shown in values[code].items() if child in kids}
            for code in names
            if code in values
        }
    return result


def regions_children_changes(*, changed: dict[int, dict[int, set[str]]]) -> dict[int, dict[str, dict[str, MapValue]]]:
    """The new values of the children that changed, {parent id: {indicator: {child code: …}}}, from
    {parent id: {child id: indicators changed}}: what a tick sends screens, which merge it into the map they
    hold (in a large city a street's change is one of its fifteen communities, not all of them)."""
    kids = dict(
        Region.objects.filter(id__in=[c for of_parent in changed.values() for c in of_parent]).values_list("id", "code")
    )
    codes = sorted({code for of_parent in changed.values() for names in of_parent.values() for code in names})
    values = maps_values(codes=codes, region_ids=kids)
    result: dict[int, dict[str, dict[str, MapValue]]] = {}
    for parent_id, of_parent in changed.items():
        shown: dict[str, dict[str, MapValue]] = {}
        for child_id, names in of_parent.items():
            for code in names:
                value = values.get(code, {}).get(kids.get(child_id, ""))
                if value is not None:
                    shown.setdefault(code, {})[kids[child_id]] = value
        if shown:
            result[parent_id] = shown
    return result


# Apps that know about visits add to the ground truth (days since the last visit, screen-only regions…).
# `extension(region, since) -> mapping` merged into every ground-truth summary (a manifest's `ground_truth`).
ground_truth_registry: Registry[Callable[..., Mapping[str, Any]]] = Registry(
    "ground-truth extension", key=qualified_name
)


def ground_truth(*, region: Region | None = None) -> dict[str, Any]:
    """How much of what the screen showed was checked on site, over the last 30 days.

    Verdicts come from field visits; until a verdict exists the honest answer is "not verified on site".
    "verdicts" counts each verdict as found (confirmed, partly, contradicted, could_not_verify);
    "share_confirmed" is the share of decided ones the ground bore out, partly counting half.
    """
    since = timezone.now() - GROUND_TRUTH_WINDOW
    alerts = Alert.objects.filter(opened_at__gte=since)
    if region is not None:
        alerts = alerts.filter(Q(region__path__startswith=region.path))
    total = alerts.count()
    verified = alerts.filter(verified_at__isnull=False)
    verdicts = _verdict_counts(verified)
    summary = {
        "alerts": total,
        "verified": verified.count(),
        "contradicted": verdicts[Alert.Verdict.CONTRADICTED],
        "share_verified": round(verified.count() / total, 3) if total else None,
        "verdicts": verdicts,
        "share_confirmed": _share_confirmed(verdicts),
        "last_verified_at": _iso(verified.order_by("-verified_at").values_list("verified_at", flat=True).first()),
    }
    for extension in ground_truth_registry:
        summary.update(extension(region, since))
    return summary


def _verdict_counts(verified: Any) -> dict[str, int]:
    """{verdict: alerts} for every verdict, as found on site (partly is not confirmed)."""
    counts = dict(verified.exclude(verdict="").values_list("verdict").annotate(n=Count("pk")))
    return {verdict: counts.get(verdict, 0) for verdict in Alert.Verdict.values}


def _share_confirmed(verdicts: dict[str, int]) -> float | None:
    """Of the alerts a verdict decided, the share the ground bore out (apps/indicators/verdicts.py: partly
    counting half, as in the sources' trust scores); None before any."""
    decided = verdicts_decided(verdicts)
    if not decided:
        return None
    return round(verdicts_agreeing(verdicts) / decided, 3)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def needing_verification(*, user: Any, root: Region) -> list[str]:
    """Codes of regions under `root` with active, unverified alerts (kiosk mode rotates through them)."""
    alerts = alert_list_for_user(user=user).filter(
        verified_at__isnull=True, region__isnull=False, region__path__startswith=root.path
    )
    return list(dict.fromkeys(alerts.values_list("region__code", flat=True)))[:20]


# Wall roots: the regions a wall may show as its "city" — the top of the hierarchy, its districts, and every
# region assigned to someone who may watch the wall. The publish tick sends wall deltas for these only.
WALL_ROOTS_KEY = "dashboards:wall-roots"
WALL_ROOTS_SECONDS = 60


def wall_root_ids() -> frozenset[int]:
    cached = cache.get(WALL_ROOTS_KEY)
    if cached is not None:
        return frozenset(cached)
    from django.contrib.auth.models import Permission

    from apps.accounts.models import StaffProfile

    watch = Permission.objects.filter(content_type__app_label="indicators", codename="view_wall")
    watchers = StaffProfile.objects.filter(
        Q(user__groups__permissions__in=watch) | Q(user__user_permissions__in=watch) | Q(user__is_superuser=True)
    )
    ids = set(Region.objects.filter(depth__lte=1).values_list("id", flat=True))
    ids |= set(
        StaffProfile.regions.through.objects.filter(staffprofile__in=watchers).values_list("region_id", flat=True)
    )
    cache.set(WALL_ROOTS_KEY, sorted(ids), timeout=WALL_ROOTS_SECONDS)
    return frozenset(ids)


class RegionName(TypedDict):
    code: str
    name_zh: str
    name_en: str


class WallSnapshot(TypedDict):
    """What a wall starts from (wall_snapshot): the `wall` stream's snapshot."""

    city: RegionName
    indicators: list[CatalogueEntry]
    tiles: list[dict[str, Any]]  # Tile.as_dict
    map: dict[str, dict[str, MapValue]]  # {indicator: {child code: value}}
    ground_truth: dict[str, Any]  # ground_truth, with what the apps add
    needing_verification: list[str]  # region codes
    server_time: str


class RegionSnapshot(TypedDict):
    """What a region page starts from (region_snapshot): the `region` stream's snapshot."""

    region: str
    indicators: list[CatalogueEntry]
    tiles: list[dict[str, Any]]
    children: dict[str, dict[str, MapValue]]
    alerts: list[AlertPayload]
    ground_truth: dict[str, Any]
    server_time: str


def wall_snapshot(*, user: Any, root: Region) -> WallSnapshot:
    """What a wall showing `root` as its city starts from: the root's tiles, its children on the map, its
    ground truth and the regions under it that need someone on site."""
    return {
        "city": {"code": root.code, "name_zh": root.name_zh, "name_en": root.name_en},
        "indicators": indicator_catalogue(),
        "tiles": [tile.as_dict() for tile in region_tiles(region_id=root.id, region_code=root.code)],
        "map": children_values(region=root),
        "ground_truth": ground_truth(region=root),
        "needing_verification": needing_verification(user=user, root=root),
        "server_time": timezone.now().isoformat(),
    }


def region_snapshot(*, user: Any, region: Region) -> RegionSnapshot:
    alerts = alert_list_for_user(user=user).filter(region__path__startswith=region.path)[:ALERT_LIMIT]
    return {
        "region": region.code,
        "indicators": indicator_catalogue(),
        "tiles": [tile.as_dict() for tile in region_tiles(region_id=region.id, region_code=region.code)],
        "children": children_values(region=region),
        "alerts": alert_payloads(list(alerts)),
        "ground_truth": ground_truth(region=region),
        "server_time": timezone.now().isoformat(),
    }
