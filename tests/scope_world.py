"""A small city in which one district must stay invisible to the other district's people.

"Own District" (SC0100, street SC0101) is where the scoped users work; "Nextdoor District" (XQ9001, street
XQ900101) is not theirs. Everything of Nextdoor carries a marker in its code or name (XQ9001, 隔壁, Nextdoor), so a
surface that leaks it is found by searching its output. The city (SC0000) is a parent none of them covers whole,
so its figures must not reach them either (checked where they are structured: the wall's "city", region pages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from shapely.geometry import box

from apps.accounts.roles import Role
from apps.accounts.services import department_upsert, staff_user_upsert
from apps.regions.geo import BoundaryFeature
from apps.regions.services import regions_import

PASSWORD = "correct-horse-battery"  # noqa: S105
OTHER_MARKERS = ("XQ9001", "隔壁", "Nextdoor", "NEXTDOOR")
CITY_CODE = "SC0000"
OWN, OWN_STREET, OTHER, OTHER_STREET = "SC0100", "SC0101", "XQ9001", "XQ900101"
OWN_POINT, OTHER_POINT = (118.005, 32.01), (118.025, 32.01)
SCOPED_ROLES = (Role.COMMAND_CENTER, Role.FIELD_OFFICER, Role.DEPARTMENT_STAFF, Role.DATA_STEWARD)


@dataclass
class World:
    regions: dict[str, Any]
    users: dict[str, Any]  # role -> a user of that role scoped to Own District; "other_officer"; "admin"
    objects: dict[str, list[Any]] = field(default_factory=dict)  # kind -> [own, other]


def _feature(code: str, zh: str, en: str, bounds: tuple[float, float, float, float], population: int) -> Any:
    return BoundaryFeature(number=1, code=code, name_zh=zh, name_en=en, parent_code=None, population=population,
                           geometry=box(*bounds))  # fmt: skip


def _regions() -> dict[str, Any]:
    from apps.regions.models import Region

    regions_import(features=[_feature(CITY_CODE, "测试市", "Scope City", (118.0, 32.0, 118.04, 32.02), 300_000)],
                   level="city")  # fmt: skip
    regions_import(
        features=[
            _feature(OWN, "本区", "Own District", (118.0, 32.0, 118.02, 32.02), 200_000),
            _feature(OTHER, "隔壁区", "Nextdoor District", (118.02, 32.0, 118.04, 32.02), 100_000),
        ],
        level="district",
        parent=CITY_CODE,
    )
    regions_import(features=[_feature(OWN_STREET, "本街道", "Own Street", (118.0, 32.0, 118.02, 32.02), 200_000)],
                   level="street", parent=OWN)  # fmt: skip
    regions_import(
        features=[_feature(OTHER_STREET, "隔壁街道", "Nextdoor Street", (118.02, 32.0, 118.04, 32.02), 100_000)],
        level="street",
        parent=OTHER,
    )
    return {r.code: r for r in Region.objects.all()}


def _users() -> dict[str, Any]:
    department_upsert(code="roads", name_zh="道路局", name_en="Roads Bureau")
    users = {
        role: staff_user_upsert(
            username=f"scoped.{role}",
            password=PASSWORD,
            roles=[role],
            region_codes=[OWN],
            department_codes=["roads"] if role == Role.DEPARTMENT_STAFF else [],
        )  # fmt: skip
        for role in SCOPED_ROLES
    }
    users["other_officer"] = staff_user_upsert(username="nextdoor.officer", password=PASSWORD,
                                               roles=[Role.FIELD_OFFICER], region_codes=[OTHER])  # fmt: skip
    users["admin"] = staff_user_upsert(username="scope.admin", password=PASSWORD, roles=[], superuser=True)
    return users


def world_build() -> World:
    """The regions, the users and, in each district, one of everything a surface may show."""
    world = World(regions=_regions(), users=_users())
    builders = (_figures, _alerts, _traffic, _stations, _facilities, _reports, _field_work, _open_data, _water,
                _warnings)  # fmt: skip
    for builder in builders:
        builder(world)
    return world


def figures_record(world: World, *, value_own: float = 41.0, value_other: float = 98.7) -> None:
    """One observation of a few domain indicators in each street, and a tick to roll them up and publish."""
    from django.utils import timezone

    from apps.dashboards.services import live_tick
    from apps.indicators.registry import get_indicator
    from apps.indicators.services import Observation, indicator_observations_record

    now = timezone.now()
    codes = [c for c in ("traffic.congestion", "healthcare.bed_occupancy", "environment.aqi") if get_indicator(c)]
    rows = [
        Observation(code, world.regions[street].id, now - timedelta(seconds=5), value)
        for code in codes
        for street, value in ((OWN_STREET, value_own), (OTHER_STREET, value_other))
    ]
    indicator_observations_record(observations=rows)
    live_tick()


def _figures(world: World) -> None:
    figures_record(world)


def _alerts(world: World) -> None:
    from apps.indicators.alerting import alert_raise
    from apps.indicators.models import Alert

    made = []
    for street, words in ((OWN_STREET, ("本街道：拥堵", "Own Street: congestion")),
                          (OTHER_STREET, ("隔壁街道：拥堵", "Nextdoor Street: congestion"))):  # fmt: skip
        alert, _created = alert_raise(kind=Alert.Kind.THRESHOLD, severity="critical", title_zh=words[0],
                                      title_en=words[1], region=world.regions[street], indicator="traffic.congestion",
                                      value=9.1, threshold=8.0)  # fmt: skip
        made.append(alert)
    world.objects["alert"] = made


def _warnings(world: World) -> None:
    """The congestion alerts' public warnings: the own street's approved and published (an Alert message), the
    other's waiting for approval."""
    from apps.warnings.models import PublicWarning
    from apps.warnings.services import WarningTexts, warning_approve, warnings_follow_all

    warnings_follow_all()
    own = PublicWarning.objects.get(alert=world.objects["alert"][0])
    texts = WarningTexts(**{name: getattr(own, name) for name in WarningTexts.FIELDS})
    warning_approve(warning=own, user=world.users["admin"], texts=texts)
    world.objects["public_warning"] = list(PublicWarning.objects.order_by("id"))


def _traffic(world: World) -> None:
    from apps.indicators.models import DataSource
    from apps.traffic.incidents import incident_report
    from apps.traffic.models import RoadSegment, TrafficSensor
    from apps.traffic.services import traffic_sensor_register

    source = DataSource.objects.create(code="scope-loops", name_zh="线圈", name_en="Loops", domain="traffic")
    segments, incidents = [], []
    for code, zh, en, (lon, lat), region in (
        ("OWN-AVE", "本区大道", "Own Avenue", OWN_POINT, OWN_STREET),
        ("XQ9001-AVE", "隔壁大道", "Nextdoor Avenue", OTHER_POINT, OTHER_STREET),
    ):
        segment = RoadSegment.objects.create(code=code, name_zh=zh, name_en=en, road_class="arterial", free_flow_kmh=60,
                                             geometry={"type": "LineString", "coordinates": [[lon - 0.004, lat],
                                                                                             [lon + 0.004, lat]]},
                                             region=world.regions[region])  # fmt: skip
        sensor = TrafficSensor.objects.create(code=f"{code}-L1", kind="loop", lon=lon, lat=lat, segment=segment,
                                              source=source, region=world.regions[region])  # fmt: skip
        traffic_sensor_register(sensor=sensor)
        segments.append(segment)
        incidents.append(incident_report(kind="crash", source="patrol", lon=lon, lat=lat, segment=segment,
                                         description=f"{en} crash"))  # fmt: skip
    world.objects["segment"], world.objects["incident"] = segments, incidents


def _stations(world: World) -> None:
    from apps.environment.models import Station
    from apps.environment.services import station_register
    from apps.indicators.models import DataSource

    source = DataSource.objects.create(code="scope-air", name_zh="监测站", name_en="Stations", domain="environment")
    made = []
    for code, zh, en, (lon, lat), region in (
        ("OWN-A1", "本区站", "Own Station", OWN_POINT, OWN_STREET),
        ("XQ9001-A1", "隔壁站", "Nextdoor Station", OTHER_POINT, OTHER_STREET),
    ):
        station = Station.objects.create(code=code, name_zh=zh, name_en=en, kind="air", lon=lon, lat=lat,
                                         region=world.regions[region], source=source)  # fmt: skip
        station_register(station=station)
        made.append(station)
    world.objects["station"] = made


def _water(world: World) -> None:
    """The water-supply app that proves the plugin contract (tests/water/): a gauge in each district."""
    from apps.indicators.models import DataSource
    from tests.water.models import PressureSensor

    source = DataSource.objects.create(code="scope-water", name_zh="供水", name_en="Water", domain="water")
    world.objects["water_gauge"] = [
        PressureSensor.objects.create(source=source, code=code, name=name, region=world.regions[region])
        for code, name, region in (("OWN-P1", "本区测压点", OWN_STREET), ("XQ9001-P1", "隔壁测压点", OTHER_STREET))
    ]


def _facilities(world: World) -> None:
    from apps.healthcare.models import Facility
    from apps.healthcare.services import facility_register
    from apps.indicators.models import DataSource

    source = DataSource.objects.create(code="scope-his", name_zh="医院", name_en="Hospitals", domain="healthcare")
    made = []
    for code, zh, en, (lon, lat) in (
        ("OWN-H1", "本区医院", "Own Hospital", OWN_POINT),
        ("XQ9001-H1", "隔壁医院", "Nextdoor Hospital", OTHER_POINT),
    ):
        made.append(facility_register(facility=Facility.objects.create(
            code=code, name_zh=zh, name_en=en, kind="secondary", lon=lon, lat=lat, beds=50, icu_beds=5,
            emergency=True, fever_clinic=True, source=source)))  # fmt: skip
    world.objects["facility"] = made


def _reports(world: World) -> None:
    from apps.grievances.models import Category
    from apps.grievances.services import grievance_submit

    category = Category.objects.create(code="scope-pothole", name_zh="坑洼", name_en="Pothole",
                                       department=department_upsert(code="roads", name_zh="道路局",
                                                                    name_en="Roads Bureau"),
                                       deadline_hours=72)  # fmt: skip
    made = []
    for (lon, lat), words in ((OWN_POINT, "本区路面有坑 OWNPOTHOLE"), (OTHER_POINT, "隔壁路面有坑 NEXTDOORPOTHOLE")):
        made.append(grievance_submit(category=category, lon=lon, lat=lat, description=words, attributes={},
                                     reporter_name="李四", reporter_phone="13900001111", channel="web"))  # fmt: skip
    world.objects["report"] = made


def _field_work(world: World) -> None:
    from django.utils import timezone

    from apps.fieldwork.models import Assignment, Visit
    from apps.indicators.alerting import alert_transition

    admin = world.users["admin"]
    for alert in world.objects["alert"]:
        alert_transition(alert=alert, action="request_verification", user=admin, note="")
    world.objects["assignment"] = [Assignment.objects.get(alert=alert) for alert in world.objects["alert"]]
    now = timezone.now()
    world.objects["visit"] = [
        Visit.objects.create(
            officer=world.users[who],
            assignment=assignment,
            region=world.regions[street],
            started_at=now - timedelta(hours=1),
            ended_at=now - timedelta(minutes=30),
            checkin_lon=point[0],
            checkin_lat=point[1],
            checkin_accuracy_m=10,
            notes=f"{street} visited",
            status=Visit.Status.REVIEW,
        )  # fmt: skip
        for who, assignment, street, point in (
            (Role.FIELD_OFFICER, world.objects["assignment"][0], OWN_STREET, OWN_POINT),
            ("other_officer", world.objects["assignment"][1], OTHER_STREET, OTHER_POINT),
        )
    ]


def _open_data(world: World) -> None:
    """A draft of a city-wide open-data release (today's district figures), as a steward reviews it."""
    from django.utils import timezone

    from apps.opendata.datasets import get_dataset
    from apps.opendata.models import Release
    from apps.opendata.render import render_csv
    from apps.opendata.services import release_period

    dataset = get_dataset("district-indicators")
    start, end = release_period(first_day=timezone.localdate(), days=1)
    outcome, _geometries = dataset.build(start, end, 5)
    csv_body = render_csv(outcome.rows, [column.name for column in dataset.columns])
    draft = Release(dataset=dataset.code, period_start=start, period_end=end, k=5, personal=False)
    draft.metadata, draft.csv_body, draft.rows = dataset.metadata(), csv_body, len(outcome.rows)
    draft.save()
    world.objects["release"] = [draft]


def leaked(text: str) -> list[str]:
    """The markers of Nextdoor District found in `text`."""
    return [marker for marker in OTHER_MARKERS if marker in text]
