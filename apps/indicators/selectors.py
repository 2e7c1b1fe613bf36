"""Reads of indicators: latest values for maps and tiles, time series, alerts in a user's scope.

Everything reads rollups in bounded time windows, so the cost stays flat as history grows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, NotRequired, TypedDict, cast

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from apps.accounts.selectors import regions_scope
from apps.indicators.models import Alert, DataSource, Granularity, IndicatorValue
from apps.indicators.registry import Aggregation, Direction, Indicator, Rollup, get_indicator, indicators
from apps.regions.models import Region

LATEST_LOOKBACK = timedelta(hours=6)  # older values are not "latest" any more on a live screen
SPARK_POINTS = 60
INHIBITS_LISTED = 50  # the alerts an alert's payload names among those it holds back (inhibits_count counts all)


@dataclass(frozen=True)
class Tile:
    """An indicator's current state in one region: what a KPI tile or a map cell shows.

    count: the observations behind the value (the indicator's sample, e.g. ratings behind a mean rating, or
    the bucket's count); too_few: fewer than the indicator's min_count, so the value alerts nothing and the
    tile says so. Neither when there is no value.
    """

    indicator: str
    region: str
    value: float | None
    severity: str
    at: str | None
    stale: bool
    spark: list[list[Any]]
    count: int | None = None
    min_count: int = 0
    too_few: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class CatalogueEntry(TypedDict):
    """An indicator as the catalogue lists it (indicator_catalogue): its definition and ground truth."""

    code: str
    domain: str
    name_zh: str
    name_en: str
    unit: str
    unit_zh: str
    unit_en: str
    aggregation: Aggregation
    rollup: Rollup
    bad_direction: Direction
    direction: Literal["above", "below"]
    warning: float | None
    critical: float | None
    decimals: int
    min_count: int
    stale_after_s: int
    on_wall: bool
    verified: int  # its alerts given an in-person verdict over 30 days
    contradicted: int  # … of which the verdict contradicted the screen


def indicator_catalogue() -> list[CatalogueEntry]:
    """Every shown indicator with its definition, whether it is a wall tile, and its ground truth over 30
    days: how many of its alerts got an in-person verdict, and how many of those contradicted the screen."""
    chosen = set(settings.CITYOPS_WALL_TILES)
    checked: dict[str, tuple[int, int]] = {
        row["indicator"]: (row["verified"], row["contradicted"])
        for row in Alert.objects.filter(verified_at__gte=timezone.now() - timedelta(days=30))
        .exclude(indicator="")
        .values("indicator")
        .annotate(verified=Count("pk"), contradicted=Count("pk", filter=Q(status=Alert.Status.CONTRADICTED)))
    }
    return [
        {
            "code": i.code,
            "domain": i.domain,
            "name_zh": i.name_zh,
            "name_en": i.name_en,
            "unit": i.unit,
            "unit_zh": i.unit_shown("zh"),
            "unit_en": i.unit_shown("en"),
            "aggregation": i.aggregation,
            "rollup": i.rollup,
            "bad_direction": i.bad_direction,
            "direction": i.direction,
            "warning": i.warning,
            "critical": i.critical,
            "decimals": i.decimals,
            "min_count": i.min_count,
            "stale_after_s": int(i.stale_after.total_seconds()),
            "on_wall": i.code in chosen if chosen else i.headline,
            "verified": checked.get(i.code, (0, 0))[0],
            "contradicted": checked.get(i.code, (0, 0))[1],
        }
        for i in indicators()
    ]


def indicator_latest(
    *, indicator: Indicator, region_ids: list[int] | None = None, now: datetime | None = None
) -> dict[int, IndicatorValue]:
    """The newest minute bucket per region within the look-back window."""
    now = now or timezone.now()
    rows = IndicatorValue.objects.filter(
        indicator=indicator.code,
        granularity=Granularity.MINUTE,
        bucket_start__gte=now - LATEST_LOOKBACK,
        bucket_start__lte=now,
    )
    if region_ids is not None:
        rows = rows.filter(region_id__in=region_ids)
    # Newest bucket start per region first (one grouped query), then only the rows at those instants: on a live
    # system about one row per region, however long the look-back and however quiet some regions are.
    newest = dict(rows.values_list("region_id").annotate(newest=Max("bucket_start")))
    if not newest:
        return {}
    latest: dict[int, IndicatorValue] = {}
    fields = ("indicator", "region_id", "bucket_start", "count", "sum", "min", "max", "last_value", "last_at")
    for row in rows.filter(bucket_start__in=set(newest.values())).only(*fields):
        if row.bucket_start == newest[row.region_id]:
            latest[row.region_id] = row
    return latest


class SeriesPoint(TypedDict):
    """One bucket of an indicator's series (indicator_series)."""

    bucket_start: datetime
    value: float  # by the indicator's aggregation, rounded to its decimals
    count: int  # observations
    min: float
    max: float


def indicator_series(
    *, indicator: Indicator, region_id: int, granularity: str, start: datetime, end: datetime
) -> list[SeriesPoint]:
    rows = IndicatorValue.objects.filter(
        indicator=indicator.code,
        region_id=region_id,
        granularity=granularity,
        bucket_start__gte=start,
        bucket_start__lt=end,
    ).order_by("bucket_start")
    return [
        {
            "bucket_start": row.bucket_start,
            "value": round(row.value_for(indicator), indicator.decimals),
            "count": row.count,
            "min": row.min,
            "max": row.max,
        }
        for row in rows
    ]


def region_tiles(
    *,
    region_id: int,
    region_code: str,
    codes: list[str] | None = None,
    now: datetime | None = None,
    failures: list[tuple[str, str]] | None = None,
) -> list[Tile]:
    """Tiles of every (or the named) indicator for one region, with a 60-minute sparkline."""
    wanted = [i.code for i in indicators() if codes is None or i.code in codes]
    return regions_tiles(wanted={region_id: wanted}, now=now, failures=failures).get(region_id, [])


def regions_tiles(
    *, wanted: dict[int, list[str]], now: datetime | None = None, failures: list[tuple[str, str]] | None = None
) -> dict[int, list[Tile]]:
    """{region id: tiles of the indicators named for it}, for many regions in a fixed number of queries (the
    publish tick builds hundreds at once): the sparklines' minutes in one query, the latest older value of
    tiles without a minute in the last hour in one more.

    `failures` is `data_source_failures()`, passed in by callers that already read it.
    """
    now = now or timezone.now()
    if not wanted:
        return {}
    shown = wanted
    wanted = {region_id: _with_samples(names) for region_id, names in wanted.items()}
    codes = sorted({code for wanted_codes in wanted.values() for code in wanted_codes})
    series: dict[tuple[str, int], list[IndicatorValue]] = {}
    rows = IndicatorValue.objects.filter(
        indicator__in=codes,
        region_id__in=list(wanted),
        granularity=Granularity.MINUTE,
        bucket_start__gte=now - timedelta(minutes=SPARK_POINTS),
        bucket_start__lte=now,
    ).order_by("bucket_start")
    for row in rows:
        series.setdefault((row.indicator, row.region_id), []).append(row)
    missing = [
        (code, region_id) for region_id, names in wanted.items() for code in names if (code, region_id) not in series
    ]
    for key, row in _latest_many(missing, now).items():
        series[key] = [row]
    known = {
        pk: (path, code)
        for pk, path, code in Region.objects.filter(id__in=list(wanted)).values_list("id", "path", "code")
    }
    failing = data_source_failures() if failures is None else failures
    result: dict[int, list[Tile]] = {}
    for region_id, names in shown.items():
        path, region_code = known.get(region_id, ("/", ""))
        down = {domain for domain, where in failing if where.startswith(path)}
        tiles = []
        for code in names:
            indicator = get_indicator(code)
            if indicator is None:
                continue
            sample = series.get((indicator.sample, region_id), []) if indicator.sample else None
            tile = _tile(indicator, region_code, series.get((code, region_id), []), now, sample)
            if indicator.domain in down and not tile.stale:
                tile = replace(tile, stale=True)
            tiles.append(tile)
        result[region_id] = tiles
    return result


def _with_samples(codes: list[str]) -> list[str]:
    """The codes and the indicators they count their samples in (read with them, not shown)."""
    samples = [i.sample for i in map(get_indicator, codes) if i is not None and i.sample]
    return list(dict.fromkeys([*codes, *samples]))


RECENT = timedelta(minutes=10)  # where a live region's newest minute almost always is


def _latest_many(pairs: list[tuple[str, int]], now: datetime) -> dict[tuple[str, int], IndicatorValue]:
    """The newest minute bucket within the look-back window of each (indicator, region id).

    The last ten minutes first, then the whole window for the pairs not found there: a live city's regions have
    their newest minute within seconds, and grouping six hours of every region's minutes to learn that was most
    of what a map of thousands of regions cost."""
    latest: dict[tuple[str, int], IndicatorValue] = {}
    wanted = set(pairs)
    for since in (now - RECENT, now - LATEST_LOOKBACK):
        if wanted:
            found = _latest_since(wanted, since, now)
            latest.update(found)
            wanted -= set(found)
    return latest


def _latest_since(
    wanted: set[tuple[str, int]], since: datetime, now: datetime
) -> dict[tuple[str, int], IndicatorValue]:
    rows = IndicatorValue.objects.filter(
        indicator__in={code for code, _r in wanted},
        region_id__in={region_id for _c, region_id in wanted},
        granularity=Granularity.MINUTE,
        bucket_start__gte=since,
        bucket_start__lte=now,
    )
    newest = {
        (code, region_id): at
        for code, region_id, at in rows.values_list("indicator", "region_id").annotate(newest=Max("bucket_start"))
        if (code, region_id) in wanted
    }
    if not newest:
        return {}
    latest = {}
    # Only the rows at those instants (a handful: most regions' newest minute is the same), not every row since
    # the oldest of them — one quiet region would otherwise pull hours of every other region's minutes.
    fields = ("indicator", "region_id", "bucket_start", "count", "sum", "min", "max", "last_value", "last_at")
    for row in rows.filter(bucket_start__in=set(newest.values())).only(*fields):
        if newest.get((row.indicator, row.region_id)) == row.bucket_start:
            latest[(row.indicator, row.region_id)] = row
    return latest


def data_source_failures() -> list[tuple[str, str]]:
    """(domain, region path) of every unresolved data-source alert: that domain's values in the region and
    above it are shown as stale, not as confidently as healthy data."""
    alerts = Alert.objects.filter(kind=Alert.Kind.DATA_SOURCE, region__isnull=False).exclude(
        status=Alert.Status.RESOLVED
    )
    pairs = [(subject.split("/", 1)[0], path) for subject, path in alerts.values_list("subject", "region__path")]
    domains = dict(DataSource.objects.filter(code__in={code for code, _p in pairs}).values_list("code", "domain"))
    return [(domains[code], path) for code, path in pairs if code in domains]


def _tile(
    indicator: Indicator,
    region_code: str,
    series: list[IndicatorValue],
    now: datetime,
    sample: list[IndicatorValue] | None = None,
) -> Tile:
    if not series:
        return Tile(indicator.code, region_code, None, "normal", None, True, [], min_count=indicator.min_count)
    last = series[-1]
    value = round(last.value_for(indicator), indicator.decimals)
    count = _sample_count(last, sample)
    too_few = count < indicator.min_count
    return Tile(
        indicator=indicator.code,
        region=region_code,
        value=value,
        severity="normal" if too_few else indicator.severity(value),
        at=last.last_at.isoformat(),
        stale=now - last.last_at > indicator.stale_after,
        spark=[[row.bucket_start.isoformat(), round(row.value_for(indicator), indicator.decimals)] for row in series],
        count=count,
        min_count=indicator.min_count,
        too_few=too_few,
    )


def _sample_count(last: IndicatorValue, sample: list[IndicatorValue] | None) -> int:
    """The bucket's count, or the sample indicator's value in the same minute (0 when it has none there)."""
    if sample is None:
        return last.count
    return next((round(row.last_value) for row in sample if row.bucket_start == last.bucket_start), 0)


class MapValue(TypedDict):
    """A region's newest value of an indicator, as a map layer colours it."""

    value: float
    severity: str  # "normal" when too few
    stale: bool
    too_few: NotRequired[bool]  # present (true) when from fewer observations than the indicator's min_count


def map_values(*, indicator_code: str, region_ids: dict[int, str], now: datetime | None = None) -> dict[str, MapValue]:
    """{region code: {value, severity, stale}} of the newest bucket per region, for map layers."""
    return maps_values(codes=[indicator_code], region_ids=region_ids, now=now).get(indicator_code, {})


def maps_values(
    *, codes: list[str], region_ids: dict[int, str], now: datetime | None = None
) -> dict[str, dict[str, MapValue]]:
    """{indicator: {region code: {value, severity, stale}}} of the newest bucket per region and indicator, for
    many map layers at once (two queries however many). A value from fewer observations than its indicator's
    min_count is shown as on a tile: severity normal, and `too_few: true`."""
    now = now or timezone.now()
    known = {code: spec for code in codes if (spec := get_indicator(code)) is not None}
    result: dict[str, dict[str, MapValue]] = {code: {} for code in known}
    read = [code for code in _with_samples(list(known)) if get_indicator(code) is not None]
    latest = _latest_many([(code, region_id) for code in read for region_id in region_ids], now)
    for (code, region_id), row in sorted(latest.items(), key=lambda item: region_ids[item[0][1]]):
        if code not in result:
            continue  # a sample, read for the minimum
        indicator = known[code]
        value = round(row.value_for(indicator), indicator.decimals)
        sample = latest.get((indicator.sample, region_id)) if indicator.sample else None
        too_few = _sample_count(row, [sample] if sample else [] if indicator.sample else None) < indicator.min_count
        cell: MapValue = {
            "value": value,
            "severity": "normal" if too_few else indicator.severity(value),
            "stale": now - row.last_at > indicator.stale_after,
        }
        if too_few:
            cell["too_few"] = True
        result[code][region_ids[region_id]] = cell
    return result


# --- Alerts ----------------------------------------------------------------------------------------------


def alert_list_for_user(*, user: Any, active: bool | None = True) -> QuerySet[Alert]:
    alerts = regions_scope(Alert.objects.select_related("region"), user=user, field="region")
    if active is True:
        alerts = alerts.exclude(status=Alert.Status.RESOLVED)
    elif active is False:
        alerts = alerts.filter(status=Alert.Status.RESOLVED)
    return alerts.order_by("-opened_at", "-id")


def alert_get_for_user(*, user: Any, pk: int) -> Alert | None:
    return alert_list_for_user(user=user, active=None).filter(pk=pk).first()


class HeldAlert(TypedDict):
    """An alert another one holds back, as that one's payload lists it."""

    id: int
    region: str
    region_name_zh: str
    region_name_en: str
    value: float | None


class AlertPayload(TypedDict):
    """What screens show of an alert (alert_payload); JSON as it is."""

    id: int
    kind: str
    indicator: str
    direction: Literal["above", "below"] | None
    region_level: str | None
    region: str | None
    region_id: int | None
    region_path: str
    region_name_zh: str
    region_name_en: str
    subject: str
    severity: str
    status: str
    verdict: str
    inhibited_by: int | None
    inhibits: list[HeldAlert]
    inhibits_count: int
    title_zh: str
    title_en: str
    value: float | None
    threshold: float | None
    opened_at: str
    last_breach_at: str
    verified_at: str | None
    due_at: str | None
    lon: float | None
    lat: float | None


def alert_payload(alert: Alert, *, held: tuple[list[Alert], int] | None = None) -> AlertPayload:
    """What screens show of an alert (no personal data: alerts carry none).

    direction: "above" or "below" by the alert's indicator (None without one); region_level: its region's
    level; verdict: as found on site ("" before any); inhibited_by: the id of the alert on an ancestor region
    that holds this one back (screens that have that alert show this one inside it); inhibits: the unresolved
    alerts it holds back, [{id, region, region_name_zh, region_name_en, value}], the first INHIBITS_LISTED by
    region code; inhibits_count: how many it holds back in all (read unless `held` is given, as (listed, count)).
    A city's alert holding thousands of communities' is published at every tick of its breach: its payload
    stays the same size however many it holds.
    """
    if held is None:
        held = _held(alert.pk).get(alert.pk, ([], 0)) if _may_hold(alert) else ([], 0)
    listed, held_count = held
    indicator = get_indicator(alert.indicator) if alert.indicator else None
    return {
        "id": alert.id,
        "kind": alert.kind,
        "indicator": alert.indicator,
        "direction": indicator.direction if indicator is not None else None,
        "region_level": alert.region.level if alert.region_id and alert.region else None,
        "region": alert.region.code if alert.region_id and alert.region else None,
        "region_id": alert.region_id,
        "region_path": alert.region.path if alert.region_id and alert.region else "",
        "region_name_zh": alert.region.name_zh if alert.region_id and alert.region else "",
        "region_name_en": alert.region.name_en if alert.region_id and alert.region else "",
        "subject": alert.subject,
        "severity": alert.severity,
        "status": alert.status,
        "verdict": alert.verdict,
        "inhibited_by": alert.inhibited_by_id,
        "inhibits": [_held_payload(child) for child in listed],
        "inhibits_count": held_count,
        "title_zh": alert.title_zh,
        "title_en": alert.title_en,
        "value": alert.value,
        "threshold": alert.threshold,
        "opened_at": alert.opened_at.isoformat(),
        "last_breach_at": alert.last_breach_at.isoformat(),
        "verified_at": alert.verified_at.isoformat() if alert.verified_at else None,
        "due_at": alert.due_at.isoformat() if alert.due_at else None,
        "lon": alert.region.centroid_lon if alert.region_id and alert.region else None,
        "lat": alert.region.centroid_lat if alert.region_id and alert.region else None,
    }


def _held_payload(child: Alert) -> HeldAlert:
    # An alert is held back only by an alert on an ancestor of its region, so it has a region.
    region = cast(Region, child.region)
    return {
        "id": child.id,
        "region": region.code,
        "region_name_zh": region.name_zh,
        "region_name_en": region.name_en,
        "value": child.value,
    }


def alert_payloads(alerts: list[Alert]) -> list[AlertPayload]:
    """alert_payload of many alerts, the alerts they hold back read in one query."""
    held = _held(*[alert.pk for alert in alerts if _may_hold(alert)])
    return [alert_payload(alert, held=held.get(alert.pk, ([], 0))) for alert in alerts]


def _may_hold(alert: Alert) -> bool:
    """Whether an alert can hold others back: unresolved, held by none itself (the topmost alert holds them all),
    on a region with regions under it. Most alerts of a large city are on communities: no query for those."""
    if alert.status == Alert.Status.RESOLVED or alert.inhibited_by_id is not None or not alert.indicator:
        return False
    return alert.region is not None and alert.region.level != Region.Level.COMMUNITY


def _held(*holder_ids: int) -> dict[int, tuple[list[Alert], int]]:
    """{alert id: (the first INHIBITS_LISTED unresolved alerts it holds back, by region code; how many it holds)}:
    two queries, and one more per alert holding more than INHIBITS_LISTED (rare: a city's or a district's)."""
    if not holder_ids:
        return {}
    unresolved = Alert.objects.filter(inhibited_by_id__in=holder_ids).exclude(status=Alert.Status.RESOLVED)
    counts = dict(unresolved.order_by().values_list("inhibited_by_id").annotate(n=Count("pk")))
    if not counts:
        return {}
    many = sorted(holder for holder, n in counts.items() if n > INHIBITS_LISTED)
    listed: dict[int, list[Alert]] = {}
    few = [holder for holder in counts if holder not in many]
    rows = unresolved.select_related("region").order_by("region__code", "pk")
    for child in rows.filter(inhibited_by_id__in=few) if few else []:
        # Filtered on inhibited_by_id above, so it is set.
        listed.setdefault(cast(int, child.inhibited_by_id), []).append(child)
    for holder in many:
        listed[holder] = list(rows.filter(inhibited_by_id=holder)[:INHIBITS_LISTED])
    return {holder: (listed.get(holder, []), n) for holder, n in counts.items()}


def indicator_window_values(*, code: str, region_id: int, start: datetime, end: datetime) -> list[float]:
    """The minute values of an indicator in a region over [start, end), by its aggregation (for rules that
    compare sources over a window)."""
    indicator = get_indicator(code)
    if indicator is None:
        return []
    rows = IndicatorValue.objects.filter(
        indicator=code, region_id=region_id, granularity=Granularity.MINUTE, bucket_start__gte=start,
        bucket_start__lt=end,
    )  # fmt: skip
    return [row.value_for(indicator) for row in rows]
