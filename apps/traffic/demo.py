"""Demo road network over the demo city: radial arterials and a ring road, with loop detectors."""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import LineString

from apps.accounts.models import Department
from apps.core.demo import DemoContext
from apps.indicators.models import DataSource
from apps.regions.models import Region
from apps.regions.selectors import region_ids_for_points
from apps.traffic.incidents import open_incidents_observe
from apps.traffic.models import RoadSegment, TrafficSensor
from apps.traffic.services import traffic_sensor_register

SOURCE_CODE = "traffic-police-loops"


def seed_demo_traffic(context: DemoContext) -> None:
    city = Region.objects.filter(level="city").order_by("code").first()
    if city is None:
        return
    source, _created = DataSource.objects.update_or_create(
        code=SOURCE_CODE,
        defaults={
            "name_zh": "交警线圈检测器",
            "name_en": "Traffic police loop detectors",
            "domain": "traffic",
            "department": Department.objects.filter(code="transport").first(),
            "expected_interval_s": 60,
            "flatline_after_s": 1800,
        },
    )
    districts = list(Region.objects.filter(parent=city).order_by("code"))
    center = (city.centroid_lon, city.centroid_lat)
    roads = [(f"R{i + 1:02d}", d, [center, (d.centroid_lon, d.centroid_lat)]) for i, d in enumerate(districts[1:])]
    ring = sorted(districts[1:], key=lambda d: math.atan2(d.centroid_lat - center[1], d.centroid_lon - center[0]))
    for i, (a, b) in enumerate(zip(ring, ring[1:] + ring[:1], strict=True)):
        roads.append((f"H{i + 1:02d}", a, [(a.centroid_lon, a.centroid_lat), (b.centroid_lon, b.centroid_lat)]))
    sensors = 0
    for code, district, points in roads:
        sensors += _road(code, district, points, source, context)
    open_incidents_observe()  # none open yet: a count of 0 from the start
    context.out.write(f"Demo traffic: {len(roads)} road segments, {sensors} loop detectors.\n")


def _road(
    code: str, district: Region, points: list[tuple[float, float]], source: DataSource, context: DemoContext
) -> int:
    line = LineString(points)
    radial = code.startswith("R")
    names = (f"{district.name_zh.removesuffix('区')}大道", f"{district.name_en.removesuffix(' District')} Avenue")
    if not radial:
        names = (f"环城路{code[1:]}段", f"Ring Road section {code[1:]}")
    mid = line.interpolate(0.5, normalized=True)
    segment, _created = RoadSegment.objects.update_or_create(
        code=code,
        defaults={
            "name_zh": names[0],
            "name_en": names[1],
            "road_class": RoadSegment.RoadClass.ARTERIAL if radial else RoadSegment.RoadClass.EXPRESSWAY,
            "free_flow_kmh": 60.0 if radial else 80.0,
            "geometry": {"type": "LineString", "coordinates": [list(p) for p in line.coords]},
            "region_id": int(region_ids_for_points(np.array([mid.x]), np.array([mid.y]))[0]) or None,
        },
    )
    fractions = [0.2, 0.5, 0.8]
    spots = [line.interpolate(f, normalized=True) for f in fractions]
    region_ids = region_ids_for_points(np.array([p.x for p in spots]), np.array([p.y for p in spots]))
    for n, (spot, region_id) in enumerate(zip(spots, region_ids, strict=True)):
        sensor, _created = TrafficSensor.objects.update_or_create(
            code=f"L-{code}-{n + 1}",
            defaults={
                "kind": TrafficSensor.Kind.LOOP,
                "lon": round(spot.x, 6),
                "lat": round(spot.y, 6),
                "segment": segment,
                "source": source,
                "region_id": int(region_id) or None,
            },
        )
        traffic_sensor_register(sensor=sensor)
    return len(spots)
