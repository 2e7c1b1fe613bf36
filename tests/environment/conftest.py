from typing import Any

import pytest

from apps.environment.models import Station
from apps.environment.services import station_register
from apps.indicators.models import DataSource
from apps.ingest.services import ingest_token_create


@pytest.fixture
def stations(city: dict[str, Any]) -> dict[str, Any]:
    """Source "env": air station A1 in street W1, noise station N1 (zone 1) in district E; "other" has A9."""
    env = DataSource.objects.create(code="env", name_zh="监测站", name_en="Stations", domain="environment")
    other = DataSource.objects.create(code="other", name_zh="其他", name_en="Other", domain="environment")
    made = {}
    for code, kind, region, source, zone in (
        ("A1", "air", "W1", env, ""),
        ("N1", "noise", "E", env, "1"),
        ("A9", "air", "E", other, ""),
    ):
        made[code] = Station.objects.create(
            code=code, name_zh=code, name_en=code, kind=kind, lon=118.005, lat=32.01, region=city[region],
            source=source, zone=zone,
        )  # fmt: skip
        station_register(station=made[code])
    token, _record = ingest_token_create(source_code="env", name="gateway")
    return {**made, "token": token}
