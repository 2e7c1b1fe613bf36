"""Citizens against sensors: smoke or odour reports piling up where the air stations say the air is fine."""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.grievances.models import Grievance
from apps.indicators.discrepancies import Disagreement, DiscrepancyRule
from apps.indicators.selectors import indicator_window_values
from apps.regions.models import Region

WINDOW = timedelta(hours=3)
SMOKE_CATEGORIES = ("smoke-odour",)
MIN_REPORTS = 3
GOOD_AQI = 100  # up to "moderate" (HJ 633)


def air_good_smoke_complaints(region: Region, now: datetime) -> Disagreement | None:
    reports = Grievance.objects.filter(
        category__code__in=SMOKE_CATEGORIES, region__path__startswith=region.path, created_at__gte=now - WINDOW,
        created_at__lte=now,
    ).exclude(status=Grievance.Status.MERGED).count()  # fmt: skip
    if reports < MIN_REPORTS:
        return None
    aqi = indicator_window_values(code="environment.aqi", region_id=region.id, start=now - WINDOW, end=now)
    if not aqi or max(aqi) > GOOD_AQI:
        return None  # no air data to disagree with, or the air is bad too: the sources agree
    return Disagreement(
        summary_zh=f"3 小时内 {reports} 件油烟异味诉求，空气质量指数最高 {max(aqi):.0f}",
        summary_en=f"{reports} smoke/odour reports in 3 h while the AQI stayed at or below {max(aqi):.0f}",
        evidence={"reports": reports, "aqi_max": round(max(aqi)), "window_hours": 3},
    )


RULE = DiscrepancyRule(
    code="air-good-smoke-complaints",
    name_zh="空气优良但油烟异味诉求集中",
    name_en="air good, smoke complaints piling up",
    check=air_good_smoke_complaints,
    indicators=("environment.aqi", "environment.pm25"),
)
