"""The grievance indicators, recounted every minute for every region from the reports themselves.

Each region's figure is computed from the reports in it and below it (rollup "own"): a median time to
resolve or a mean rating cannot be combined from the children's figures.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from apps.grievances.models import Grievance
from apps.indicators.declare import indicator_maker
from apps.indicators.services import Observation, indicator_minutes_put
from apps.regions.models import Region

WINDOW = timedelta(days=30)


# Counts have no unit after the figure; the two that have one say so.
_indicator = indicator_maker(unit="", aggregation="last", rollup="own", stale_after=timedelta(minutes=10), decimals=0)


OPEN = _indicator("grievances.open", "在办诉求", "Open grievances", order=50, headline=True, short_en="Open cases")
OVERDUE = _indicator("grievances.overdue", "超期诉求", "Overdue grievances", order=51, headline=True,
                     short_en="Overdue")  # fmt: skip
NEW_TODAY = _indicator("grievances.new_today", "今日新增诉求", "New grievances today", order=52, short_zh="今日诉求",
                       short_en="New today")  # fmt: skip
# The samples behind the median and the mean below, kept to judge them by, not shown.
RESOLVED = _indicator("grievances.resolved", "30日办结诉求", "Resolved in 30 days", order=56, shown=False)
RATINGS = _indicator("grievances.ratings", "30日评价数", "Ratings in 30 days", order=57, shown=False)
# A median of two cases or a mean of two ratings says more about the cases than about the region: both alert
# only from 5 of them (min_count), so one 2/5 rating in a small community opens nothing.
RESOLVE_HOURS = _indicator(
    "grievances.resolve_hours", "办结时长中位数", "Median time to resolve", unit="h", order=53, short_zh="办结时长",
    short_en="Time to close", decimals=1, warning=48, critical=96, min_duration=timedelta(minutes=30),
    resolve_after=timedelta(hours=2), min_count=5, sample=RESOLVED.code,
)  # fmt: skip
SATISFACTION = _indicator(
    "grievances.satisfaction", "满意度", "Satisfaction", unit="/5", order=54, decimals=1, bad_direction="low",
    warning=3.5, critical=3.0, min_duration=timedelta(minutes=30), resolve_after=timedelta(hours=2), min_count=5,
    sample=RATINGS.code,
)  # fmt: skip
REPEAT = _indicator("grievances.repeat", "重复诉求", "Repeat grievances", order=55, short_en="Repeats")


def grievances_observe(*, now: datetime | None = None) -> int:
    """Every region with reports in the last 90 days (and its ancestors): open, overdue, new today, the
    median hours to resolve and the mean rating over 30 days, repeat reports (reopened or merged duplicates)
    over 30 days, and how many resolved cases and ratings those two stand on. Returns the number of
    observations."""
    now = now or timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    recent_or_open = Q(created_at__gte=now - timedelta(days=90)) | Q(status__in=Grievance.OPEN)
    rows = Grievance.objects.filter(recent_or_open, region__isnull=False)
    reports = list(
        rows.values_list(
            "region__path", "status", "due_at", "created_at", "resolved_at", "satisfaction", "reopened_count",
            "closed_at",
        )
    )  # fmt: skip
    if not reports:
        return 0
    codes = {code for path, *_rest in reports for code in path.strip("/").split("/")}
    region_ids = dict(Region.objects.filter(code__in=codes).values_list("code", "id"))
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    hours: dict[str, list[float]] = defaultdict(list)
    ratings: dict[str, list[int]] = defaultdict(list)
    recent = now - WINDOW
    for path, status, due_at, created_at, resolved_at, satisfaction, reopened, closed_at in reports:
        is_open = status in Grievance.OPEN
        for code in path.strip("/").split("/"):
            c = counts[code]
            c["open"] += is_open
            c["overdue"] += bool(is_open and due_at and due_at < now)
            c["new_today"] += created_at >= midnight
            c["repeat"] += bool(created_at >= recent and (reopened or status == Grievance.Status.MERGED))
            if resolved_at and resolved_at >= recent:
                hours[code].append((resolved_at - created_at).total_seconds() / 3600)
            if satisfaction and (closed_at or created_at) >= recent:
                ratings[code].append(satisfaction)
    observations = []
    for code, c in counts.items():
        region_id = region_ids.get(code)
        if region_id is None:
            continue
        for indicator, key in ((OPEN, "open"), (OVERDUE, "overdue"), (NEW_TODAY, "new_today"), (REPEAT, "repeat")):
            observations.append(Observation(indicator.code, region_id, now, float(c[key])))
        if hours[code]:
            observations.append(Observation(RESOLVE_HOURS.code, region_id, now, statistics.median(hours[code])))
            observations.append(Observation(RESOLVED.code, region_id, now, float(len(hours[code]))))
        if ratings[code]:
            observations.append(Observation(SATISFACTION.code, region_id, now, statistics.fmean(ratings[code])))
            observations.append(Observation(RATINGS.code, region_id, now, float(len(ratings[code]))))
    indicator_minutes_put(observations=observations)
    return len(observations)
