"""A small world for the basemap's tests, on top of the suite's test city (tests/conftest.py `city`):
two communities in street W1, a named road, a health facility and an air station."""

from __future__ import annotations

from typing import Any

from tests.conftest import feature


def basemap_world(city: dict[str, Any]) -> dict[str, Any]:
    from apps.environment.models import Station
    from apps.healthcare.models import Facility
    from apps.indicators.models import DataSource
    from apps.regions.models import Region
    from apps.regions.services import regions_import
    from apps.traffic.models import RoadSegment

    regions_import(
        features=[
            feature("W1A", "幸福社区", "Xingfu Community", (118.000, 32.00, 118.005, 32.02), 6_000),
            feature("W1B", "七星四社区", "Qixing 4 Community", (118.005, 32.00, 118.010, 32.02), 5_000),
        ],
        level="community",
        parent="W1",
    )
    health = DataSource.objects.create(code="bm-hosp", name_zh="医院", name_en="Hospitals", domain="healthcare")
    env = DataSource.objects.create(code="bm-env", name_zh="监测站", name_en="Stations", domain="environment")
    road = RoadSegment.objects.create(
        code="R1",
        name_zh="解放路",
        name_en="Jiefang Road",
        road_class="arterial",
        free_flow_kmh=50,
        geometry={"type": "LineString", "coordinates": [[118.001, 32.012], [118.019, 32.012]]},
        region=city["W"],
    )
    RoadSegment.objects.create(
        code="R2",
        name_zh="解放路",
        name_en="Jiefang Road",
        road_class="arterial",
        free_flow_kmh=50,
        geometry={"type": "LineString", "coordinates": [[118.019, 32.012], [118.035, 32.012]]},
        region=city["E"],
    )
    facility = Facility.objects.create(
        code="F1",
        name_zh="七星社区卫生服务中心",
        name_en="Qixing Health Center",
        kind="community",
        lon=118.007,
        lat=32.006,
        beds=20,
        address="西一街道幸福路12号",
        source=health,
    )
    station = Station.objects.create(
        code="S1",
        name_zh="西区监测站",
        name_en="West Station",
        kind="air",
        lon=118.015,
        lat=32.015,
        source=env,
    )
    return {
        **{r.code: r for r in Region.objects.all()},
        "road": road,
        "facility": facility,
        "station": station,
    }
