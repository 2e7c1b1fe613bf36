"""Demo monitoring network: one air station per district of the demo city, four noise stations."""

from __future__ import annotations

from apps.accounts.models import Department
from apps.core.demo import DemoContext
from apps.environment.models import Station
from apps.environment.services import station_register
from apps.indicators.models import DataSource
from apps.regions.models import Region

SOURCE_CODE = "env-monitoring-stations"
NOISE_ZONES = ["1", "2", "3", "4a"]


def seed_demo_environment(context: DemoContext) -> None:
    city = Region.objects.filter(level="city").order_by("code").first()
    if city is None:
        return
    source, _created = DataSource.objects.update_or_create(
        code=SOURCE_CODE,
        defaults={
            "name_zh": "环境自动监测站",
            "name_en": "Automatic monitoring stations",
            "domain": "environment",
            "department": Department.objects.filter(code="ecology-environment").first(),
            "expected_interval_s": 300,
            "flatline_after_s": 6 * 3600,
        },
    )
    districts = list(Region.objects.filter(parent=city).order_by("code"))
    for district in districts:
        _station(f"A-{district.code}", district, Station.Kind.AIR, source, "", 0.0)
    for district, zone in zip(districts, NOISE_ZONES, strict=False):
        _station(f"N-{district.code}", district, Station.Kind.NOISE, source, zone, 0.004)
    noise = min(len(districts), len(NOISE_ZONES))
    context.out.write(f"Demo environment: {len(districts)} air stations, {noise} noise stations.\n")


def _station(code: str, district: Region, kind: str, source: DataSource, zone: str, offset: float) -> None:
    noun_zh, noun_en = ("空气监测站", "air station") if kind == Station.Kind.AIR else ("噪声监测点", "noise station")
    station, _created = Station.objects.update_or_create(
        code=code,
        defaults={
            "name_zh": f"{district.name_zh}{noun_zh}",
            "name_en": f"{district.name_en} {noun_en}",
            "kind": kind,
            "lon": round(district.centroid_lon + offset, 6),
            "lat": round(district.centroid_lat + offset, 6),
            "region": district,
            "operator": "生态环境局监测中心",
            "source": source,
            "zone": zone,
        },
    )
    station_register(station=station)
