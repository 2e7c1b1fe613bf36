"""A small sensor world for the SensorThings tests: air station A1 (street W1) and noise station N1 (district E)
of source "env"; loop L1 (W1) and L2 (E) of source "loops"; hospitals T1 (W1) and H2 (E) of source "hosp";
each source has an ingest token. `readings(n)` stores n hourly AirReading rows of A1 ending an hour ago."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest

STA = "/sta/v1.1/"


@pytest.fixture
def world(city: dict[str, Any], cast: dict[str, Any]) -> dict[str, Any]:
    from apps.environment.models import Station
    from apps.environment.services import station_register
    from apps.healthcare.models import Facility
    from apps.healthcare.services import facility_register
    from apps.indicators.models import DataSource
    from apps.ingest.services import ingest_token_create
    from apps.traffic.models import RoadSegment, TrafficSensor
    from apps.traffic.services import traffic_sensor_register

    env = DataSource.objects.create(code="env", name_zh="监测站", name_en="Stations", domain="environment")
    loops = DataSource.objects.create(code="loops", name_zh="线圈", name_en="Loops", domain="traffic")
    hosp = DataSource.objects.create(code="hosp", name_zh="医院", name_en="Hospitals", domain="healthcare")
    made: dict[str, Any] = {"city": city, "cast": cast}
    for code, kind, lon, region, zone in (("A1", "air", 118.005, "W1", ""), ("N1", "noise", 118.03, "E", "1")):
        made[code] = Station.objects.create(code=code, name_zh=f"{code}站", name_en=f"{code} station", kind=kind,
                                            lon=lon, lat=32.01, region=city[region], source=env, zone=zone)  # fmt: skip
        station_register(station=made[code])
    for code, lon, region in (("L1", 118.005, "W1"), ("L2", 118.03, "E")):
        line = {"type": "LineString", "coordinates": [[lon, 32.0], [lon, 32.02]]}
        segment = RoadSegment.objects.create(code=f"S-{code}", name_zh=code, name_en=code, road_class="arterial",
                                             free_flow_kmh=60, region=city[region], geometry=line)  # fmt: skip
        made[code] = TrafficSensor.objects.create(code=code, kind="loop", lon=lon, lat=32.01, segment=segment,
                                                  source=loops, region=city[region])  # fmt: skip
        traffic_sensor_register(sensor=made[code])
    for code, lon in (("T1", 118.005), ("H2", 118.03)):
        made[code] = facility_register(facility=Facility.objects.create(
            code=code, name_zh=f"{code}医院", name_en=f"{code} Hospital", kind="tertiary", lon=lon, lat=32.01,
            beds=100, icu_beds=10, emergency=True, fever_clinic=True, source=hosp))  # fmt: skip
    for source in ("env", "loops", "hosp"):
        made[f"{source}_token"], _record = ingest_token_create(source_code=source, name=f"{source}-gateway")
    return made


def thing(obj: Any) -> int:
    from apps.sensorthings.mapping import KINDS

    kind = next(k for k in KINDS.values() if isinstance(obj, k.model))
    return obj.pk * 10 + kind.code


def datastream(obj: Any, column: str) -> int:
    from apps.sensorthings.mapping import QUANTITIES

    quantity = next(q for q in QUANTITIES.values() if q.column == column and isinstance(obj, q.kind.model))
    return obj.pk * 100 + quantity.code


@pytest.fixture
def readings(world: dict[str, Any]) -> Any:
    """readings(n): n hourly rows of A1 (pm25 = i % 200, pm10 = 2i % 300), the last an hour before now."""
    from django.utils import timezone

    from apps.environment.models import AirReading
    from apps.ingest.lifecycle import raw_partitions_ensure

    def make(n: int) -> list[Any]:
        end = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        rows = [AirReading(station=world["A1"], observed_at=end - timedelta(hours=n - 1 - i), pm25=i % 200,
                           pm10=(2 * i) % 300) for i in range(n)]  # fmt: skip
        raw_partitions_ensure(model=AirReading, moments=[row.observed_at for row in rows])  # PostgreSQL's months
        return AirReading.objects.bulk_create(rows)

    return make


def iso_z(moment: Any) -> str:
    """A time as the service writes it: UTC with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
