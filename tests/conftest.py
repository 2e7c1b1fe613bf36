"""Shared fixtures: a small region tree, the named cast of users, and the real-service switches."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from shapely.geometry import box

from apps.accounts.roles import Role
from apps.accounts.services import department_upsert, staff_user_upsert
from apps.regions.geo import BoundaryFeature
from apps.regions.services import regions_import
from tests.clock import parse_instant, refusing_the_wall_clock, running_from, suite_now

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "correct-horse-battery"  # noqa: S105


def services_available() -> bool:
    return all(os.environ.get(name) for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"))


def pytest_configure(config: Any) -> None:
    try:
        suite_now()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: Any) -> Any:
    """While test modules are imported, `timezone.now()` refuses: a date made then is the wall clock's, not the
    test's (a parameter computed at 23:59 and a test run at 00:01 disagree on "yesterday")."""
    with refusing_the_wall_clock():
        return (yield)


@pytest.fixture(autouse=True)
def clock(request: Any) -> Iterator[Any]:
    """Every test runs at the suite's instant (tests/clock.py), or at the one its `clock` marker pins; a test
    marked `own_clock` (it shares data with a process of its own, which reads the wall clock) at the wall clock.

    Yields time-machine's traveller: `clock.move_to(instant)`, `clock.shift(timedelta)`.
    """
    if request.node.get_closest_marker("own_clock") is not None:  # another process reads the wall clock too
        yield None
        return
    pinned = request.node.get_closest_marker("clock")
    if pinned is None:
        start, tick = suite_now(), True
    else:
        start = parse_instant(pinned.args[0], source=f"clock marker of {request.node.nodeid}")
        tick = pinned.kwargs.get("tick", True)
    with running_from(start, tick=tick) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Each test starts with an empty cache (rate limits, the wall's "ground truth changed" mark)."""
    from django.core.cache import cache

    cache.clear()
    return


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    skip_services = pytest.mark.skip(
        reason="needs PostgreSQL, Redis and a Celery broker: run `make test-services` (DATABASE_URL, REDIS_URL, "
        "CELERY_BROKER_URL)"
    )
    skip_browser = pytest.mark.skip(reason="no Chromium on this machine: apt-get install chromium (see .ci/run)")
    for item in items:
        own_clock = item.get_closest_marker("own_clock")
        if own_clock is not None and not (own_clock.args and str(own_clock.args[0]).strip()):
            raise pytest.UsageError(f'{item.nodeid}: own_clock needs its reason, e.g. own_clock("a worker process")')
        if "services" in item.keywords and not services_available():
            item.add_marker(skip_services)
        if "browser" in item.keywords and not CHROMIUM:
            item.add_marker(skip_browser)


def feature(code: str, name_zh: str, name_en: str, bounds: tuple[float, float, float, float], population: int) -> Any:
    return BoundaryFeature(
        number=1,
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        parent_code=None,
        population=population,
        geometry=box(*bounds),
    )


@pytest.fixture
def city(db: Any) -> dict[str, Any]:
    """A 4×2 km-ish test city near the demo city: districts East (E) and West (W), West has two streets.

    West 118.00–118.02, East 118.02–118.04 (shared border at 118.02); streets W1 118.00–118.01 and
    W2 118.01–118.02, all from latitude 32.00 to 32.02.
    """
    regions_import(
        features=[feature("C", "测试市", "Test City", (118.00, 32.00, 118.04, 32.02), 300_000)], level="city"
    )
    regions_import(
        features=[
            feature("W", "西区", "West District", (118.00, 32.00, 118.02, 32.02), 200_000),
            feature("E", "东区", "East District", (118.02, 32.00, 118.04, 32.02), 100_000),
        ],
        level="district",
        parent="C",
    )
    regions_import(
        features=[
            feature("W1", "西一街道", "West 1 Subdistrict", (118.00, 32.00, 118.01, 32.02), 120_000),
            feature("W2", "西二街道", "West 2 Subdistrict", (118.01, 32.00, 118.02, 32.02), 80_000),
        ],
        level="street",
        parent="W",
    )
    from apps.regions.models import Region

    return {r.code: r for r in Region.objects.all()}


@pytest.fixture
def cast(city: dict[str, Any]) -> dict[str, Any]:
    """The named users: one per role, and a field officer of the other district."""
    department_upsert(code="urban", name_zh="城管局", name_en="Urban Management")
    return {
        "admin": staff_user_upsert(username="admin", password=PASSWORD, roles=[], superuser=True),
        "command": staff_user_upsert(username="command", password=PASSWORD, roles=[Role.COMMAND_CENTER]),
        "officer": staff_user_upsert(
            username="officer", password=PASSWORD, roles=[Role.FIELD_OFFICER], region_codes=["W"]
        ),
        "other_officer": staff_user_upsert(
            username="other", password=PASSWORD, roles=[Role.FIELD_OFFICER], region_codes=["E"]
        ),
        "staff": staff_user_upsert(
            username="staff", password=PASSWORD, roles=[Role.DEPARTMENT_STAFF], department_codes=["urban"]
        ),
        "steward": staff_user_upsert(username="steward", password=PASSWORD, roles=[Role.DATA_STEWARD]),
    }


class LiveServer:
    """The real ASGI application served by uvicorn in a thread, on a fixed port so it can be restarted.

    With `scheduler=True` the embedded beat schedule runs in the server's loop, as under `make run`.
    """

    def __init__(self, *, scheduler: bool = False) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.scheduler = scheduler
        self.server: Any = None
        self.thread: Any = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        import threading
        import time

        import uvicorn

        from apps.core.plugins import beat_schedule
        from cityops.asgi import application
        from cityops.scheduler import EmbeddedScheduler, with_embedded_scheduler

        app = application
        if self.scheduler:
            app = with_embedded_scheduler(application, EmbeddedScheduler(beat_schedule()))
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            lifespan="on" if self.scheduler else "off",
            log_level="warning",
            ws="websockets-sansio",
            ws_per_message_deflate=False,
            proxy_headers=False,  # as `manage.py serve`: apps/core/clients.py decides who the client is
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:  # start-up poll, not a test sleep
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test ASGI server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)
            self.server = None


@pytest.fixture
def live_server_factory(transactional_db: Any) -> Any:
    servers: list[LiveServer] = []

    from django.utils import timezone

    started = timezone.now()

    def make(*, scheduler: bool = False) -> LiveServer:
        server = LiveServer(scheduler=scheduler)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
    _close_server_thread_connections(since=started)


@pytest.fixture
def asgi_server(live_server_factory: Any) -> str:
    """Address (host:port) of the real ASGI application served by uvicorn (HTTP and websockets)."""
    return live_server_factory().address


def _close_server_thread_connections(*, since: Any) -> None:
    """Connections opened by the server's worker threads outlive it; end them so the test DB can be dropped.

    Only those opened since the server started: the main thread may hold two connections of its own (one
    while an event loop runs on it, as under Playwright, one when none does), and both must survive.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_start >= %s",
                [since],
            )


@pytest.fixture
def load_indicator(monkeypatch: Any) -> Any:
    """A synthetic indicator for tests only ("test.load", %, bad when high: warning 70, critical 90).

    The domain apps' own indicators (traffic, …) are set aside for the test, so it sees this one alone.
    """
    from datetime import timedelta

    from apps.indicators.registry import Indicator, indicator_registry

    indicator = Indicator(
        code="test.load",
        domain="test",
        name_zh="测试负载",
        name_en="Test load",
        unit="%",
        aggregation="mean",
        rollup="weighted_mean",
        bad_direction="high",
        warning=70,
        critical=90,
        min_duration=timedelta(minutes=2),
        resolve_after=timedelta(minutes=5),
        headline=True,
    )
    with indicator_registry.override(indicator, replace=True):
        yield indicator


@pytest.fixture
def observe(load_indicator: Any) -> Any:
    """observe(code, value, at=None): one observation of test.load in a region, by region code."""
    from django.utils import timezone

    from apps.indicators.services import Observation, indicator_observations_record
    from apps.regions.models import Region

    def record(code: str, value: float, at: Any = None, indicator: str = "test.load") -> None:
        region_id = Region.objects.get(code=code).id
        at = at or timezone.now()
        indicator_observations_record(observations=[Observation(indicator, region_id, at, value)])

    return record


@pytest.fixture
def stations(city: dict[str, Any]) -> dict[str, Any]:
    from apps.environment.models import Station
    from apps.environment.services import station_register
    from apps.indicators.models import DataSource
    from apps.ingest.services import ingest_token_create

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


@pytest.fixture
def facilities(city: dict[str, Any]) -> dict[str, Any]:
    """Source "hosp": tertiary T1 in street W1 (district W), secondary H2 in E, community center C3 in W2 and
    clinic K4 in E (no ICU, ER or fever clinic); source "other" has X9."""
    from apps.healthcare.models import Facility
    from apps.healthcare.services import facility_register
    from apps.indicators.models import DataSource
    from apps.ingest.services import ingest_token_create

    hosp = DataSource.objects.create(code="hosp", name_zh="医院", name_en="Hospitals", domain="healthcare")
    other = DataSource.objects.create(code="other", name_zh="其他", name_en="Other", domain="healthcare")
    made = {}
    for code, kind, lon, beds, icu, er, fever, source in (
        ("T1", "tertiary", 118.005, 100, 10, True, True, hosp),
        ("H2", "secondary", 118.03, 50, 5, True, True, hosp),
        ("C3", "community", 118.015, 20, 0, False, True, hosp),
        ("K4", "clinic", 118.035, 4, 0, False, False, hosp),
        ("X9", "secondary", 118.03, 50, 5, True, True, other),
    ):
        made[code] = facility_register(
            facility=Facility.objects.create(
                code=code, name_zh=f"{code}医院", name_en=f"{code} Hospital", kind=kind, lon=lon, lat=32.01, beds=beds,
                icu_beds=icu, emergency=er, fever_clinic=fever, source=source,
            )
        )  # fmt: skip
    token, _record = ingest_token_create(source_code="hosp", name="his-gateway")
    return {**made, "token": token}


@pytest.fixture
def categories(city: dict[str, Any], cast: dict[str, Any]) -> dict[str, Any]:
    """Department "urban" (the cast's staff) handles pothole reports (72 h) with a size question; "water"
    handles water reports (24 h), staffed by water_staff; staff_w works for urban, narrowed to district W."""
    from apps.accounts.roles import Role
    from apps.accounts.services import department_upsert, staff_user_upsert
    from apps.grievances.models import Category, CategoryAttribute

    urban = department_upsert(code="urban", name_zh="城管局", name_en="Urban Management")
    water = department_upsert(code="water", name_zh="水务局", name_en="Water")
    pothole = Category.objects.create(code="pothole", name_zh="道路坑洼", name_en="Pothole", department=urban,
                                      deadline_hours=72, keywords="road")  # fmt: skip
    CategoryAttribute.objects.create(
        category=pothole, code="size", description_zh="大小", description_en="Size", datatype="singlevaluelist",
        required=True, order=1,
        values=[{"key": "small", "name_zh": "小", "name_en": "small"},
                {"key": "large", "name_zh": "大", "name_en": "large"}],
    )  # fmt: skip
    CategoryAttribute.objects.create(category=pothole, code="depth", description_zh="深度（厘米）",
                                     description_en="Depth (cm)", datatype="number", order=2)  # fmt: skip
    leak = Category.objects.create(code="leak", name_zh="漏水", name_en="Water leak", department=water,
                                   deadline_hours=24)  # fmt: skip
    water_staff = staff_user_upsert(username="water", password=PASSWORD, roles=[Role.DEPARTMENT_STAFF],
                                    department_codes=["water"])  # fmt: skip
    staff_w = staff_user_upsert(username="staff_w", password=PASSWORD, roles=[Role.DEPARTMENT_STAFF],
                                department_codes=["urban"], region_codes=["W"])  # fmt: skip
    return {"pothole": pothole, "leak": leak, "water_staff": water_staff, "staff_w": staff_w, "urban": urban}


@pytest.fixture
def alert_in_w1(city: dict[str, Any]) -> Any:
    from apps.indicators.alerting import alert_raise
    from apps.indicators.models import Alert

    alert, _created = alert_raise(kind=Alert.Kind.THRESHOLD, severity="warning", title_zh="西一街道：噪声超标",
                                  title_en="West 1: noise over the limit", region=city["W1"],
                                  indicator="environment.noise_over_limit", value=3.0, threshold=0.1)  # fmt: skip
    return alert


@pytest.fixture
def submit(categories: dict[str, Any]) -> Any:
    from apps.grievances.services import grievance_submit

    def make(category: str = "pothole", *, lon: float = 118.005, lat: float = 32.01, **fields: Any) -> Any:
        values = {"description": "路面有个大坑", "attributes": {"size": "large"} if category == "pothole" else {},
                  "reporter_name": "张三丰", "reporter_phone": "13912345678",
                  "reporter_email": "zhang.sanfeng@example.cn",
                  "channel": "web"}  # fmt: skip
        values.update(fields)
        return grievance_submit(category=categories[category], lon=lon, lat=lat, **values)

    return make


class Receiver:
    """A real local HTTP receiver: answers with the statuses queued (200 when none are left), keeps what came."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": self.headers, "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def celery_worker_start(*, stderr: Any = None) -> Any:
    """A real Celery worker process (solo pool) on the configured broker, using the test database and the test
    process's keys; the caller stops it. For `make test-services` tests only."""
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cityops.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "SECRET_KEY": settings.SECRET_KEY,
        "CITYOPS_FIELD_KEYS": ",".join(settings.CITYOPS_FIELD_KEYS),
    }
    command = [sys.executable, "-m", "celery", "-A", "cityops", "worker", "--pool", "solo", "--loglevel", "WARNING"]
    return subprocess.Popen(command, cwd=Path(__file__).resolve().parents[1], env=env, stdout=subprocess.DEVNULL,
                            stderr=stderr if stderr is not None else subprocess.DEVNULL)  # fmt: skip
