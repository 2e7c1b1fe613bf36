"""A synthetic city at a scale factor, grown from the demo generator (nothing hand-drawn).

`python -m bench.city_scenario SCALE` builds it in the database its environment names (migrated, empty) and prints
one JSON line: the tokens of the data sources, the device codes of each feed, the top region and a session cookie
of a command-center user. SCALE 100 is CITY-100 (a real city, two orders of magnitude above the demo); SCALE 10
is CITY-10. Regions come from apps/regions/demo.py's Voronoi partition of the demo outline; devices are placed
at seeded random points of their regions; names follow the demo's patterns.

| scale | districts | streets | communities | loops | air stations | micro-stations | facilities | officers |
|-------|-----------|---------|-------------|-------|--------------|----------------|------------|----------|
| 100   | 13        | 200     | 3,000       | 5,000 | 300          | 2,000          | 300        | 200      |
| 10    | 13        | 20      | 300         | 500   | 30           | 200            | 30         | 20       |
"""

from __future__ import annotations

import json
import os
import random
import sys
from dataclasses import dataclass

DISTRICTS = 13
PASSWORD = "a-long-bench-password"  # noqa: S105  (bench accounts in a throw-away database)


@dataclass(frozen=True)
class Scale:
    streets: int
    communities: int
    loops: int
    air: int
    micro: int
    facilities: int
    officers: int


SCALES = {
    100: Scale(streets=200, communities=3000, loops=5000, air=300, micro=2000, facilities=300, officers=200),
    10: Scale(streets=20, communities=300, loops=500, air=30, micro=200, facilities=30, officers=20),
}


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` spread over `parts`, each at least 1, a little uneven."""
    weights = [rng.uniform(0.7, 1.3) for _ in range(parts)]
    counts = [max(1, round(total * w / sum(weights))) for w in weights]
    counts[-1] += total - sum(counts)
    return counts


def build_regions(scale: Scale, rng: random.Random) -> str:
    """City → 13 districts → streets → communities, as the demo makes them, at the scale's counts."""
    from apps.regions import demo
    from apps.regions.services import regions_import

    outline = demo._city_outline(rng)
    regions_import(features=[demo._feature(1, "970000", ("规模测试市", "Scale City"), outline, 12_000_000)],
                   level="city", source="bench")  # fmt: skip
    cells = demo._partition(outline, DISTRICTS, rng, centered=True)
    districts = [demo._feature(i + 1, f"97{i + 1:02d}00", (f"第{i + 1}区", f"District {i + 1}"), cell, 900_000)
                 for i, cell in enumerate(cells)]  # fmt: skip
    regions_import(features=districts, level="district", parent="970000", source="bench")
    streets_per_district = _split(scale.streets, DISTRICTS, rng)
    communities_per_street = _split(scale.communities, scale.streets, rng)
    n = 0
    for district, street_count in zip(districts, streets_per_district, strict=True):
        streets = [demo._feature(j + 1, f"{district.code}{j + 1:03d}", (f"{district.name_zh}第{j + 1}街道",
                                 f"{district.name_en} Subdistrict {j + 1}"), cell, 60_000)
                   for j, cell in enumerate(demo._partition(district.geometry, street_count, rng))]  # fmt: skip
        regions_import(features=streets, level="street", parent=district.code, source="bench")
        for street in streets:
            count = communities_per_street[n]
            n += 1
            communities = [demo._feature(k + 1, f"{street.code}{k + 1:03d}", (f"{street.name_zh}{k + 1}社区",
                                         f"{street.name_en} Community {k + 1}"), cell, 4_000)
                           for k, cell in enumerate(demo._partition(street.geometry, count, rng))]  # fmt: skip
            regions_import(features=communities, level="community", parent=street.code, source="bench")
    return "970000"


def _points(count: int, rng: random.Random) -> tuple[list[float], list[float]]:
    """Random points inside the city, and the id of the deepest region holding each."""
    from shapely.geometry import Point, shape

    from apps.regions.models import Region

    outline = shape(Region.objects.get(code="970000").geometry)
    west, south, east, north = outline.bounds
    lons, lats = [], []
    while len(lons) < count:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if outline.contains(Point(lon, lat)):
            lons.append(round(lon, 6))
            lats.append(round(lat, 6))
    return lons, lats


def build_devices(scale: Scale, rng: random.Random) -> dict[str, object]:
    """Sources with an ingest token each, and their devices at random places of the city."""
    import numpy as np

    from apps.environment.models import Station
    from apps.environment.services import station_register
    from apps.healthcare.models import Facility
    from apps.healthcare.services import facility_register
    from apps.indicators.models import DataSource
    from apps.ingest.services import ingest_token_create
    from apps.regions.selectors import region_ids_for_points
    from apps.traffic.models import RoadSegment, TrafficSensor
    from apps.traffic.services import traffic_sensor_register

    def source(code: str, domain: str, interval: int) -> DataSource:
        return DataSource.objects.create(code=code, name_zh=code, name_en=code, domain=domain,
                                         expected_interval_s=interval)  # fmt: skip

    loops, air = source("city-loops", "traffic", 30), source("city-air", "environment", 3600)
    micro, hosp = source("city-micro", "environment", 300), source("city-his", "healthcare", 900)
    lons, lats = _points(scale.loops, rng)
    region_ids = region_ids_for_points(np.array(lons), np.array(lats))
    segments = [RoadSegment.objects.create(code=f"CS{k:04d}", name_zh=f"测试路{k}", name_en=f"Road {k}",
                                           road_class="arterial", free_flow_kmh=60,
                                           geometry={"type": "LineString", "coordinates": [[lons[k], lats[k]],
                                                                                           [lons[k] + 0.01, lats[k]]]})
                for k in range(0, scale.loops, 10)]  # fmt: skip
    sensors = TrafficSensor.objects.bulk_create([
        TrafficSensor(code=f"CL{k:05d}", kind="loop", lon=lons[k], lat=lats[k], segment=segments[k // 10], source=loops,
                      region_id=int(region_ids[k]) or None)
        for k in range(scale.loops)
    ])  # fmt: skip
    for sensor in sensors:
        traffic_sensor_register(sensor=sensor)
    stations = {}
    for kind_source, prefix, count in ((air, "CA", scale.air), (micro, "CM", scale.micro)):
        lons, lats = _points(count, rng)
        region_ids = region_ids_for_points(np.array(lons), np.array(lats))
        made = Station.objects.bulk_create([
            Station(code=f"{prefix}{k:05d}", name_zh=f"站{prefix}{k}", name_en=f"Station {prefix}{k}", kind="air",
                    lon=lons[k], lat=lats[k], region_id=int(region_ids[k]) or None, source=kind_source)
            for k in range(count)
        ])  # fmt: skip
        for station in made:
            station_register(station=station)
        stations[prefix] = [s.code for s in made]
    lons, lats = _points(scale.facilities, rng)
    facilities = [facility_register(facility=Facility.objects.create(
        code=f"CH{k:04d}", name_zh=f"医院{k}", name_en=f"Hospital {k}", kind="secondary", lon=lons[k], lat=lats[k],
        beds=200, icu_beds=10, emergency=True, fever_clinic=True, source=hosp)).code
        for k in range(scale.facilities)]  # fmt: skip
    return {
        "tokens": {name: ingest_token_create(source_code=s.code, name="gateway")[0]
                   for name, s in (("loops", loops), ("air", air), ("micro", micro), ("his", hosp))},
        "loops": [s.code for s in sensors],
        "air": stations["CA"],
        "micro": stations["CM"],
        "facilities": facilities,
    }  # fmt: skip


def build_people(scale: Scale) -> str:
    """Field officers of the streets, and a city-wide command-center user; the latter's session cookie."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from apps.accounts.roles import Role
    from apps.accounts.services import roles_ensure, staff_user_upsert
    from apps.regions.models import Region

    roles_ensure()
    streets = list(Region.objects.filter(level="street").values_list("code", flat=True).order_by("code"))
    for k in range(scale.officers):
        staff_user_upsert(username=f"officer{k:03d}", password=PASSWORD, roles=[Role.FIELD_OFFICER],
                          region_codes=[streets[k % len(streets)]])  # fmt: skip
    wall = staff_user_upsert(username="wall", password=PASSWORD, roles=[Role.COMMAND_CENTER])
    session = SessionStore()
    session.update({"_auth_user_id": str(wall.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                    "_auth_user_hash": wall.get_session_auth_hash()})  # fmt: skip
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def main(scale_factor: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()
    from django.db import transaction

    from apps.regions.models import Region

    scale = SCALES[scale_factor]
    rng = random.Random(scale_factor)
    with transaction.atomic():
        top = build_regions(scale, rng)
        devices = build_devices(scale, rng)
        cookie = build_people(scale)
        streets = list(Region.objects.filter(level="street").values_list("code", flat=True).order_by("code"))
    print(json.dumps({"top": top, "cookie": cookie, "streets": streets, **devices}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
