"""The ground against a feed: the same indicator's alerts contradicted on site again and again in a district —
the sensors there need checking, not only the street."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from apps.fieldwork.models import Finding, Visit
from apps.indicators.discrepancies import Disagreement, DiscrepancyRule
from apps.indicators.registry import get_indicator
from apps.regions.models import Region

WINDOW = timedelta(days=7)
MIN_CONTRADICTIONS = 2


def field_contradicts_feed(region: Region, now: datetime) -> Disagreement | None:
    codes = Counter(
        Finding.objects.filter(
            verdict=Finding.Verdict.CONTRADICTED, visit__status=Visit.Status.ACCEPTED, applied=True,
            alert__region__path__startswith=region.path, visit__ended_at__gte=now - WINDOW,
            visit__ended_at__lte=now,
        ).exclude(alert__indicator="").values_list("alert__indicator", flat=True)
    )  # fmt: skip
    if not codes:
        return None
    code, count = codes.most_common(1)[0]
    if count < MIN_CONTRADICTIONS:
        return None
    indicator = get_indicator(code)
    name_zh = indicator.name_zh if indicator else code
    name_en = indicator.name_en if indicator else code
    return Disagreement(
        summary_zh=f"7 天内「{name_zh}」告警 {count} 次被现场核查否定",
        summary_en=f"{name_en} alerts contradicted on site {count} times in 7 days",
        evidence={"indicator": code, "contradictions": count, "window_days": 7},
        indicators=(code,),
    )


RULE = DiscrepancyRule(
    code="field-contradicts-feed",
    name_zh="现场核查反复否定监测数据",
    name_en="field visits keep contradicting a feed",
    check=field_contradicts_feed,
    resolve_after=timedelta(days=1),
)
