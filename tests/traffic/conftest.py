from typing import Any

import pytest

from apps.indicators.models import DataSource
from apps.ingest.services import ingest_token_create
from apps.traffic.models import RoadSegment, TrafficSensor
from apps.traffic.services import traffic_sensor_register


@pytest.fixture
def network(city: dict[str, Any]) -> dict[str, Any]:
    """Two sources; loops L1 (in street W1) and L2 (in district E) of "loops", and C1 of "cameras"."""
    loops = DataSource.objects.create(code="loops", name_zh="线圈", name_en="Loops", domain="traffic")
    cameras = DataSource.objects.create(code="cameras", name_zh="卡口", name_en="Cameras", domain="traffic")
    segment = RoadSegment.objects.create(
        code="S1",
        name_zh="测试大道",
        name_en="Test Avenue",
        road_class="arterial",
        free_flow_kmh=60,
        geometry={"type": "LineString", "coordinates": [[118.005, 32.01], [118.03, 32.01]]},
        region=city["C"],
    )
    sensors = {}
    for code, source, region, lon in (
        ("L1", loops, "W1", 118.005),
        ("L2", loops, "E", 118.03),
        ("C1", cameras, "E", 118.031),
    ):
        sensor = TrafficSensor.objects.create(
            code=code, kind="loop", lon=lon, lat=32.01, segment=segment, source=source, region=city[region]
        )
        traffic_sensor_register(sensor=sensor)
        sensors[code] = sensor
    loops_token, _record = ingest_token_create(source_code="loops", name="gateway")
    cameras_token, _record = ingest_token_create(source_code="cameras", name="gateway")
    return {"sensors": sensors, "loops": loops_token, "cameras": cameras_token, "segment": segment}
