"""Reads of traffic: congestion per road segment now, incidents and sensors in a user's scope."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from apps.accounts.selectors import regions_scope
from apps.traffic.congestion import congestion_band, congestion_index
from apps.traffic.models import RoadSegment, TrafficIncident, TrafficReading, TrafficSensor

RECENT = timedelta(minutes=10)  # a bounded window: the cost does not grow with history


def segment_list_for_user(*, user: Any) -> QuerySet[RoadSegment]:
    """Road segments the user sees: in their regions, or measured there (a road crossing the district is the
    district's road too, measured by its own loops)."""
    in_scope = regions_scope(RoadSegment.objects.all(), user=user, field="region")
    measured = sensor_list_for_user(user=user).values_list("segment_id", flat=True)
    return RoadSegment.objects.filter(Q(id__in=in_scope.values("id")) | Q(id__in=measured)).select_related("region")


class SegmentCongestion(TypedDict):
    """A road segment's congestion now (segment_congestion)."""

    index: float  # 0–10
    band: str
    speed_kmh: float  # the mean of its loops' newest speeds
    at: str  # ISO 8601: the newest of those readings


def segment_congestion(*, user: Any, now: datetime | None = None) -> dict[str, SegmentCongestion]:
    """{segment code: {index, band, speed_kmh, at}} from the newest readings (last 10 minutes) of the loops the
    user sees: another district's loops on a shared road do not show through."""
    now = now or timezone.now()
    sensors = sensor_list_for_user(user=user).values("id")
    recent = TrafficReading.objects.filter(observed_at__gte=now - RECENT, observed_at__lte=now, sensor_id__in=sensors)
    newest = dict(recent.values_list("sensor_id").annotate(Max("observed_at")))
    if not newest:
        return {}
    speeds: dict[int, list[float]] = {}
    at: dict[int, datetime] = {}
    rows = recent.filter(observed_at__gte=min(newest.values())).select_related("sensor")
    for row in rows:
        if row.observed_at == newest[row.sensor_id]:
            speeds.setdefault(row.sensor.segment_id, []).append(row.speed_kmh)
            at[row.sensor.segment_id] = max(at.get(row.sensor.segment_id, row.observed_at), row.observed_at)
    result: dict[str, SegmentCongestion] = {}
    for segment in RoadSegment.objects.filter(id__in=speeds):
        speed = sum(speeds[segment.id]) / len(speeds[segment.id])
        index = congestion_index(speed_kmh=speed, free_flow_kmh=segment.free_flow_kmh)
        result[segment.code] = {
            "index": index,
            "band": congestion_band(index),
            "speed_kmh": round(speed, 1),
            "at": at[segment.id].isoformat(),
        }
    return result


def incident_list_for_user(*, user: Any, open_only: bool = True) -> QuerySet[TrafficIncident]:
    incidents = regions_scope(
        TrafficIncident.objects.select_related("segment", "region", "verification_alert"), user=user, field="region"
    )
    if open_only:
        incidents = incidents.filter(status__in=[TrafficIncident.Status.REPORTED, TrafficIncident.Status.CONFIRMED])
    return incidents.order_by("-reported_at")


def sensor_list_for_user(*, user: Any) -> QuerySet[TrafficSensor]:
    return regions_scope(TrafficSensor.objects.select_related("segment", "region", "source"), user=user, field="region")
