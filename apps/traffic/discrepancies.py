"""The traffic feed against incident reports: incidents clustering where the detectors say traffic flows."""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.indicators.discrepancies import Disagreement, DiscrepancyRule
from apps.indicators.selectors import indicator_window_values
from apps.regions.models import Region
from apps.traffic.models import TrafficIncident

WINDOW = timedelta(hours=1)
MIN_INCIDENTS = 3
SMOOTH = 4.0  # congestion index: up to "basically smooth"


def traffic_normal_incidents_cluster(region: Region, now: datetime) -> Disagreement | None:
    incidents = TrafficIncident.objects.filter(
        region__path__startswith=region.path, reported_at__gte=now - WINDOW, reported_at__lte=now
    ).count()
    if incidents < MIN_INCIDENTS:
        return None
    congestion = indicator_window_values(code="traffic.congestion", region_id=region.id, start=now - WINDOW, end=now)
    if not congestion:
        return None
    mean = sum(congestion) / len(congestion)
    if mean > SMOOTH:
        return None  # congested, as incidents would make it: the sources agree
    return Disagreement(
        summary_zh=f"1 小时内 {incidents} 起事件，拥堵指数平均仅 {mean:.1f}",
        summary_en=f"{incidents} incidents in an hour while the congestion index averaged {mean:.1f}",
        evidence={"incidents": incidents, "congestion_mean": round(mean, 1), "window_hours": 1},
    )


RULE = DiscrepancyRule(
    code="traffic-normal-incidents-cluster",
    name_zh="路况正常但事件集中",
    name_en="traffic normal, incidents clustering",
    check=traffic_normal_incidents_cluster,
    indicators=("traffic.congestion", "traffic.open_incidents"),
)
