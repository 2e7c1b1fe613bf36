"""Demo health facilities: tertiary hospitals in the central districts, a district hospital in each district,
community health centers and clinics — with the beds, ICUs, emergency departments and fever clinics such
a city has. Names are invented."""

from __future__ import annotations

import random

from apps.accounts.models import Department
from apps.core.demo import DemoContext
from apps.healthcare.models import Facility
from apps.healthcare.services import facility_register
from apps.indicators.models import DataSource
from apps.regions.models import Region
from apps.regions.selectors import region_for_point

SOURCE_CODE = "health-facility-reports"
TERTIARY = [
    ("市第一人民医院", "First People's Hospital"),
    ("医科大学附属医院", "Medical University Hospital"),
    ("市中医院", "Hospital of Traditional Chinese Medicine"),
    ("市第二人民医院", "Second People's Hospital"),
]


def seed_demo_healthcare(context: DemoContext) -> None:
    city = Region.objects.filter(level="city").order_by("code").first()
    if city is None:
        return
    source, _created = DataSource.objects.update_or_create(
        code=SOURCE_CODE,
        defaults={
            "name_zh": "医疗机构运行监测",
            "name_en": "Health facility reports",
            "domain": "healthcare",
            "department": Department.objects.filter(code="health").first(),
            "expected_interval_s": 900,
            "flatline_after_s": 4 * 3600,
        },
    )
    rng = context.rng
    districts = list(Region.objects.filter(parent=city).order_by("code"))
    # The central districts (closest to the city's centre) have the big hospitals.
    central = sorted(districts, key=lambda d: (d.centroid_lon - city.centroid_lon) ** 2
                     + (d.centroid_lat - city.centroid_lat) ** 2)[: len(TERTIARY)]  # fmt: skip
    count = 0
    for number, district in enumerate(districts, start=1):
        short_zh = district.name_zh.removesuffix("区")
        short_en = (district.name_en or district.name_zh).removesuffix(" District")
        plans = [
            (f"H{number:02d}", f"{short_zh}区人民医院", f"{short_en} District Hospital", Facility.Kind.SECONDARY,
             rng.randrange(300, 700, 10), rng.randrange(10, 30), True, True),
            (f"C{number:02d}1", f"{short_zh}社区卫生服务中心", f"{short_en} Community Health Center",
             Facility.Kind.COMMUNITY, rng.randrange(30, 90, 5), 0, False, True),
            (f"C{number:02d}2", f"{short_zh}第二社区卫生服务中心", f"{short_en} Community Health Center No. 2",
             Facility.Kind.COMMUNITY, rng.randrange(30, 90, 5), 0, False, True),
            (f"K{number:02d}", f"{short_zh}门诊部", f"{short_en} Outpatient Clinic", Facility.Kind.CLINIC,
             rng.randrange(0, 10), 0, False, False),
        ]  # fmt: skip
        if district in central:
            name_zh, name_en = TERTIARY[central.index(district)]
            plans.insert(0, (f"T{number:02d}", name_zh, name_en, Facility.Kind.TERTIARY, rng.randrange(1200, 2600, 50),
                             rng.randrange(60, 140, 5), True, True))  # fmt: skip
        for code, name_zh, name_en, kind, beds, icu, emergency, fever in plans:
            lon, lat = _place(district, rng)
            facility, _created = Facility.objects.update_or_create(
                code=f"HF-{code}",
                defaults={
                    "name_zh": name_zh, "name_en": name_en, "kind": kind, "lon": lon, "lat": lat, "region": None,
                    "beds": beds, "icu_beds": icu, "emergency": emergency, "fever_clinic": fever, "source": source,
                },
            )  # fmt: skip
            facility_register(facility=facility)
            count += 1
    context.out.write(f"Demo healthcare: {count} facilities in {len(districts)} districts.\n")


def _place(district: Region, rng: random.Random) -> tuple[float, float]:
    """A point inside the district near its centre (tries a few, falls back to the centre)."""
    for _attempt in range(20):
        lon = round(district.centroid_lon + rng.uniform(-0.012, 0.012), 6)
        lat = round(district.centroid_lat + rng.uniform(-0.01, 0.01), 6)
        found = region_for_point(lon=lon, lat=lat)
        if found is not None and found.path.startswith(district.path):
            return lon, lat
    return round(district.centroid_lon, 6), round(district.centroid_lat, 6)
