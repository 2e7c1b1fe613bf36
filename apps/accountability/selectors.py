"""What the public truth panel (/public/) and a contest's page say: each published figure of a place beside what
backs it — its source and that source's trust from field work, when a person last checked it on site and what
they found, the sources that disagree about it, and the citizens contesting it.

Only public figures (apps/indicators/registry.py `public_indicators`: their classification labels decide) and
only public fields: no contestant's words or contact, no count of people below k (CITYOPS_OPEN_DATA_K)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.accountability.models import Contest, ContestGroup
from apps.accountability.services import contest_group_state
from apps.core.classification import public_value
from apps.core.i18n import localized
from apps.indicators.registry import Indicator, public_indicators
from apps.regions.models import Region

CHECKS_LOOKBACK = timedelta(days=90)  # "last checked on site" looks this far back


class RegionRef(TypedDict):
    code: str
    name: str
    level: str


class Source(TypedDict):
    code: str
    name: str


class Trust(TypedDict):
    score: float | None  # share of in-person verdicts that agreed with the source (None: nobody has looked yet)
    level: str  # high / medium / low / unchecked
    checks: int


class OpenContests(TypedDict):
    groups: int  # places (in the area) where citizens contest the figure now
    checking: int  # of those, places where an officer has been sent


class Metric(TypedDict):
    indicator: str
    name: str
    unit: str
    value: float | None
    observed_at: str | None
    stale: bool
    source: Source | None
    trust: Trust | None
    last_checked_on_site: str | None
    last_checked_where: str | None
    last_verdict: str | None
    discrepancies: list[dict[str, str]]
    open_contests: OpenContests


class Status(TypedDict):
    region: RegionRef
    parent: RegionRef | None
    metrics: list[Metric]
    children: list[Any]


def local_iso(moment: datetime) -> str:
    """A time in the city's zone (TIME_ZONE), ISO 8601 with its offset: its date is the city's date, as pages
    read it (a UTC date is the day before for the first hours of a Beijing morning)."""
    return timezone.localtime(moment).isoformat()


def region_ref(region: Region) -> RegionRef:
    return {"code": region.code, "name": localized(region), "level": region.level}


def public_regions_root() -> Region | None:
    return Region.objects.filter(parent=None).order_by("depth", "code").first()


def panel_region(code: str | None) -> Region | None:
    """The region a panel is asked for: the city by default; a district or street by code (communities are not
    published on their own: too small for figures about a place to stay about the place)."""
    if not code:
        return public_regions_root()
    return Region.objects.select_related("parent").filter(code=code).exclude(level=Region.Level.COMMUNITY).first()


def public_status(*, region: Region, now: datetime | None = None, with_children: bool = True) -> Status:
    now = now or timezone.now()
    children = (
        list(Region.objects.filter(parent=region).exclude(level=Region.Level.COMMUNITY).order_by("code"))
        if with_children
        else []
    )
    areas = [region, *children]
    metrics = _metrics(areas, now)
    parent = region.parent if region.parent_id else None
    return {
        "region": region_ref(region),
        "parent": region_ref(parent) if parent else None,
        "metrics": metrics[region.pk],
        "children": [{**region_ref(child), "metrics": metrics[child.pk]} for child in children],
    }


def _metrics(areas: list[Region], now: datetime) -> dict[int, list[Metric]]:
    from django.utils.translation import get_language

    from apps.indicators.selectors import indicator_latest

    figures = public_indicators()
    language = "zh" if (get_language() or "zh-hans").startswith("zh") else "en"
    sources = _sources()
    checks = _last_checks(areas, [i.code for i in figures], now)
    disagreements = _discrepancies(areas)
    contests = _open_contests(areas, now)
    out: dict[int, list[Metric]] = defaultdict(list)
    for indicator in figures:
        latest = indicator_latest(indicator=indicator, region_ids=[a.pk for a in areas], now=now)
        for area in areas:
            row = latest.get(area.pk)
            value = _shown(row.value_for(indicator), indicator.decimals) if row is not None else None
            check = checks.get((area.pk, indicator.code))
            source, trust = sources.get(indicator.domain, (None, None))
            out[area.pk].append({
                "indicator": indicator.code, "name": indicator.name, "unit": indicator.unit_shown(language),
                "value": value,
                "observed_at": local_iso(row.last_at) if row is not None else None,
                "stale": row is None or now - row.last_at > indicator.stale_after,
                "source": source, "trust": trust,
                "last_checked_on_site": local_iso(check[0]) if check else None,
                "last_checked_where": check[2] if check else None,
                "last_verdict": check[1] if check else None,
                "discrepancies": disagreements.get((area.pk, indicator.code), []),
                "open_contests": _contest_counts(contests.get((area.pk, indicator.code), [])),
            })  # fmt: skip
    return out


def _shown(value: float, decimals: int) -> float:
    """A figure to its indicator's decimals; a whole number without ".0" (a count of vehicles, an AQI)."""
    rounded = round(value, decimals)
    return int(rounded) if decimals == 0 else rounded


def _sources() -> dict[str, tuple[Source, Trust]]:
    """Per domain, its (first) data source and that source's trust from field work."""
    from apps.fieldwork.selectors import ground_by_source

    out: dict[str, tuple[Source, Trust]] = {}
    for row in ground_by_source():
        if row["domain"] not in out:
            out[row["domain"]] = (
                {"code": row["code"], "name": localized({"name_zh": row["name_zh"], "name_en": row["name_en"]})},
                {"score": row["trust"], "level": row["trust_level"], "checks": row["checks"]},
            )
    return out


def _inside(area: Region, path: str) -> bool:
    return path.startswith(area.path)


def _last_checks(
    areas: list[Region], codes: list[str], now: datetime
) -> dict[tuple[int, str], tuple[datetime, str, str]]:
    """Per (area, indicator): the newest accepted on-site verdict about it in the area — on one of its alerts, or
    a finding naming it — as (when, verdict, where)."""
    from apps.fieldwork.models import Finding, Visit

    rows = (
        Finding.objects.filter(visit__status=Visit.Status.ACCEPTED, visit__ended_at__gte=now - CHECKS_LOOKBACK)
        .filter(Q(alert__indicator__in=codes) | Q(alert__isnull=True, indicator__in=codes))
        .values_list("alert__indicator", "indicator", "verdict", "visit__ended_at", "alert__region__path",
                     "visit__region__path", "alert__region__name_zh", "alert__region__name_en",
                     "visit__region__name_zh", "visit__region__name_en")
        .order_by("visit__ended_at")
    )  # fmt: skip
    found: dict[tuple[int, str], tuple[datetime, str, str]] = {}
    for alert_code, own_code, verdict, ended, alert_path, visit_path, a_zh, a_en, v_zh, v_en in rows:
        code, path = (alert_code, alert_path) if alert_code else (own_code, visit_path)
        where = localized({"name_zh": a_zh, "name_en": a_en} if alert_code else {"name_zh": v_zh, "name_en": v_en})
        for area in areas:
            if path and _inside(area, path):
                found[(area.pk, code)] = (ended, verdict, where)  # ascending: the newest stays
    return found


def _discrepancies(areas: list[Region]) -> dict[tuple[int, str], list[dict[str, str]]]:
    """Per (area, indicator): open "sources disagree" alerts about it in the area, by the rule's name and since
    when (not their summaries, which count reports)."""
    from apps.indicators.discrepancies import rule_registry
    from apps.indicators.models import Alert

    rules = {rule.code: rule for rule in rule_registry}
    out: dict[tuple[int, str], list[dict[str, str]]] = defaultdict(list)
    alerts = (
        Alert.objects.filter(kind=Alert.Kind.DISCREPANCY, region__isnull=False)
        .exclude(status=Alert.Status.RESOLVED)
        .select_related("region")
    )
    for alert in alerts:
        rule = rules.get(str(alert.details.get("rule", "")))
        codes = alert.details.get("indicators") or (list(rule.indicators) if rule else [])
        for area in areas:
            if alert.region is None or not _inside(area, alert.region.path):
                continue
            for code in codes:
                out[(area.pk, code)].append({
                    "rule": localized(rule) if rule else str(alert.details.get("rule", "")),
                    "region": localized(alert.region), "since": local_iso(alert.opened_at),
                })  # fmt: skip
    return out


def _open_contests(areas: list[Region], now: datetime) -> dict[tuple[int, str], list[ContestGroup]]:
    window = timedelta(hours=settings.CITYOPS_CONTEST_WINDOW_HOURS)
    groups = (
        ContestGroup.objects.filter(kind=ContestGroup.Kind.FIGURE, region__isnull=False)
        .filter(Q(sent_at__isnull=True, last_contest_at__gte=now - window) | Q(sent_at__isnull=False))
        .select_related("region", "alert")
    )
    out: dict[tuple[int, str], list[ContestGroup]] = defaultdict(list)
    for group in groups:
        if contest_group_state(group)["state"] not in ("waiting", "checking"):
            continue
        for area in areas:
            if group.region is not None and _inside(area, group.region.path):
                out[(area.pk, group.indicator)].append(group)
    return out


def _contest_counts(groups: list[ContestGroup]) -> OpenContests:
    # places, not people: a count of contestants per area could be differenced between a city and its districts
    # down to one person (a contest's own page gives its group's count from k up)
    checking = sum(1 for g in groups if g.sent_at is not None)
    return {"groups": len(groups), "checking": checking}


def people_count(count: int) -> int | None:
    """A count of people as it may be published: itself from k up, None below (CITYOPS_OPEN_DATA_K)."""
    return count if count >= settings.CITYOPS_OPEN_DATA_K else None


def contest_public(contest: Contest) -> dict[str, Any]:
    """A contest as its page and the API show it to whoever holds its code: what it is about, where it stands, and
    the verdict when checked. The contestant's words masked as free text; never the contact."""
    group = contest.group
    state = contest_group_state(group)
    about: dict[str, Any]
    if group.kind == ContestGroup.Kind.FIGURE:
        from apps.indicators.registry import get_indicator

        indicator: Indicator | None = get_indicator(group.indicator)
        about = {"indicator": group.indicator, "name": indicator.name if indicator else group.indicator}
    else:
        # the report by its public number (Open311's service_request_id) and category, never by its tracking
        # code: that is the reporter's key to their report, and a contest's page can be shared
        report = group.grievance
        about = {"report": report.pk if report else None, "category": localized(report.category) if report else ""}
    checked_at = state["checked_at"]
    region = group.region
    while region is not None and region.level == Region.Level.COMMUNITY:  # published down to streets only
        region = region.parent
    return {
        "code": contest.code,
        "kind": group.kind,
        "about": about,
        "region": region_ref(region) if region else None,
        "submitted_at": local_iso(contest.created_at),
        "text": public_value(contest, "text"),
        "state": state["state"],
        "verdict": state["verdict"],
        "checked_at": local_iso(checked_at) if checked_at else None,
        "contestants": people_count(group.contestants),
        "contestants_fewer_than": None if people_count(group.contestants) else settings.CITYOPS_OPEN_DATA_K,
    }


GAP_CACHE_SECONDS = 60


def wall_accountability(region: Region | None, since: datetime) -> dict[str, Any]:
    """What the wall's ground-truth panel adds (a ground-truth extension): the figures citizens contest now in the
    wall's region (places waiting for more voices, and places being checked), how many contested figures were
    found wrong on site since `since`, and the department with the largest claimed-vs-verified gap this month
    (city-wide: departments are; cached a minute, the month's rates are not recomputed every tick)."""
    from django.core.cache import cache

    groups = ContestGroup.objects.filter(kind=ContestGroup.Kind.FIGURE)
    if region is not None:
        groups = groups.filter(region__path__startswith=region.path)
    recent = groups.filter(last_contest_at__gte=since).select_related("alert")
    states = [contest_group_state(g)["state"] for g in recent]
    contradicted = groups.filter(alert__verdict="contradicted", alert__verified_at__gte=since).count()
    gap = cache.get("accountability:wall-gap")
    if gap is None:
        from apps.grievances.performance import performance_gaps

        rows = [r for r in performance_gaps() if r["resolution_gap"] is not None or r["satisfaction_gap"] is not None]
        worst = max(rows, key=lambda r: max(abs(r["resolution_gap"] or 0), abs(r["satisfaction_gap"] or 0)),
                    default=None)  # fmt: skip
        gap = {"department": worst} if worst else {"department": None}
        cache.set("accountability:wall-gap", gap, timeout=GAP_CACHE_SECONDS)
    return {
        "contests": {
            "waiting": states.count("waiting"),
            "checking": states.count("checking"),
            "contradicted": contradicted,
        },  # fmt: skip
        "largest_gap": gap["department"],
    }


def open_contests_for_desk(*, limit: int = 30) -> list[dict[str, Any]]:
    """The stewards' desk: contest groups not yet decided, newest first — what is contested, where, by how many,
    and where it stands (staff see every count: the k rule is for the public)."""
    from apps.indicators.registry import get_indicator

    window = timedelta(hours=settings.CITYOPS_CONTEST_WINDOW_HOURS)
    rows = (
        ContestGroup.objects.filter(Q(sent_at__isnull=False) | Q(last_contest_at__gte=timezone.now() - window))
        .select_related("region", "alert", "resolution_check", "grievance__category")
        .order_by("-last_contest_at")
    )
    out: list[dict[str, Any]] = []
    for group in rows:
        state = contest_group_state(group)
        if state["state"] not in ("waiting", "checking"):
            continue
        indicator = get_indicator(group.indicator) if group.indicator else None
        about = (indicator.name if indicator else group.indicator) if group.kind == ContestGroup.Kind.FIGURE else (
            f"#{group.grievance_id} {localized(group.grievance.category)}" if group.grievance else "—")  # fmt: skip
        out.append({"kind": group.get_kind_display(), "about": about,
                    "region": localized(group.region) if group.region else "—", "contestants": group.contestants,
                    "state": state["state"], "since": group.created_at, "last": group.last_contest_at})  # fmt: skip
        if len(out) >= limit:
            break
    return out


def contest_by_code(code: str) -> Contest | None:
    """A contest by its code as typed (lower case, no dash, full-width digits: normalised as tracking codes are)."""
    from apps.grievances.selectors import tracking_code_normalize

    return (
        Contest.objects.select_related("group__region", "group__alert", "group__resolution_check", "group__grievance")
        .filter(code=tracking_code_normalize(code))
        .first()
    )
