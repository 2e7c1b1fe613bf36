"""A plausible traffic day for the demo city, sent through the same ingest service as real loops.

Speeds follow demand: morning (07:30–09:00) and evening (17:30–19:00) peaks on weekdays, a flatter
weekend, quieter nights; roads nearer the center and radial avenues into it jam more. Deterministic per
sensor and minute (a hash, not a random stream), so a restarted demo continues smoothly.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from apps.core.simulation import city_activity, stable_noise
from apps.indicators.models import DataSource
from apps.ingest.batches import MAX_ROWS
from apps.traffic.demo import SOURCE_CODE
from apps.traffic.incidents import incident_report, incident_transition
from apps.traffic.models import RoadSegment, TrafficIncident, TrafficReading, TrafficSensor
from apps.traffic.services import traffic_readings_ingest

BACKFILL = timedelta(minutes=20)  # on a fresh start, fill the last minutes so sparklines have a shape


demand = city_activity  # 0 (empty roads) to 1 (peak) by local time of day and day of week


INCIDENT_BLOCK = timedelta(minutes=30)


def incident_active(segment_code: str, moment: datetime) -> bool:
    """About one half-hour block in 25 per segment has an incident for its first 10–25 minutes."""
    block = int(moment.timestamp() // INCIDENT_BLOCK.total_seconds())
    if stable_noise(f"incident:{segment_code}:{block}") < 0.92:
        return False
    minutes_in = (moment.timestamp() % INCIDENT_BLOCK.total_seconds()) / 60
    return minutes_in < 10 + 15 * (1 + stable_noise(f"length:{segment_code}:{block}")) / 2


def reading(sensor: TrafficSensor, moment: datetime) -> dict[str, object]:
    local = timezone.localtime(moment)
    central = 1.2 if sensor.segment.code.startswith("R") else 0.8
    load = min(1.0, demand(local) * central * (1 + 0.15 * stable_noise(f"{sensor.code}:{moment:%Y%m%d%H}")))
    if incident_active(sensor.segment.code, moment):
        load = min(1.0, load + 0.6)  # a blocked lane: the queue builds whatever the hour
    free_flow = sensor.segment.free_flow_kmh
    # Speed falls slowly, then steeply as load nears capacity (a BPR-like curve).
    speed = free_flow / (1 + 2.2 * load**4) * (1 + 0.06 * stable_noise(f"{sensor.code}:{moment.isoformat()}"))
    volume = round(max(0.0, 40 * load * (1 - 0.5 * load**6) + 3 * stable_noise(f"v{sensor.code}:{moment.isoformat()}")))
    occupancy = min(100.0, max(0.0, 100 * load**1.5 * 0.8))
    return {
        "sensor": sensor.code,
        "observed_at": moment.isoformat(),
        "speed_kmh": round(max(speed, 2.0), 1),
        "volume": volume,
        "occupancy": round(occupancy, 1),
    }


def step(now: datetime) -> int:
    """Readings for every demo sensor for each whole minute since its last reading, up to now."""
    source = DataSource.objects.filter(code=SOURCE_CODE).first()
    if source is None:
        return 0
    sensors = list(TrafficSensor.objects.filter(source=source).select_related("segment"))
    last = dict(TrafficReading.objects.filter(sensor__in=sensors).values_list("sensor_id").annotate(Max("observed_at")))
    end = now.replace(second=0, microsecond=0)
    rows = []
    for sensor in sensors:
        moment = max(last.get(sensor.id, end - BACKFILL), end - BACKFILL) + timedelta(minutes=1)
        while moment <= end:
            rows.append(reading(sensor, moment))
            moment += timedelta(minutes=1)
    for first in range(0, len(rows), MAX_ROWS):  # as a sensor gateway posts them: JSON batches
        traffic_readings_ingest(source=source, body=json.dumps(rows[first : first + MAX_ROWS]).encode())
    _incidents(now)
    return len(rows)


def _incidents(now: datetime) -> None:
    """Open the simulated incidents that are due, clear the ones that are over (as a patrol would)."""
    open_by_segment = {
        i.segment_id: i
        for i in TrafficIncident.objects.filter(
            source=TrafficIncident.Source.FEED, status__in=["reported", "confirmed"]
        )
    }
    for segment in RoadSegment.objects.all():
        active = incident_active(segment.code, now)
        current = open_by_segment.get(segment.id)
        if active and current is None:
            line = segment.geometry["coordinates"]
            lon, lat = (line[0][0] + line[-1][0]) / 2, (line[0][1] + line[-1][1]) / 2
            kind = ("crash", "breakdown", "obstruction")[
                int((1 + stable_noise(f"kind:{segment.code}:{now:%Y%m%d%H}")) * 1.49)
            ]
            incident_report(kind=kind, source="feed", lon=lon, lat=lat, severity=2, segment=segment,
                            description=f"{segment.name_zh} / {segment.name_en}")  # fmt: skip
        elif not active and current is not None:
            incident_transition(incident=current, action="clear")
