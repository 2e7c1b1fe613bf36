"""A domain is one app: the water-supply fixture app, listed in INSTALLED_APPS only (tests/settings.py), shows up
everywhere a domain does — on the wall, on the beat schedule, on its role, in the classification registry, in
the URLs and the OpenAPI schema — and its feed goes through the same ingest path as the built-in ones."""

import json
import os
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.accounts.roles import Role
from apps.core.classification import registry
from apps.core.plugins import beat_schedule
from apps.dashboards.selectors import wall_snapshot
from apps.dashboards.services import live_tick
from apps.indicators.models import DataSource
from apps.ingest.services import ingest_token_create
from tests.water.models import PressureSensor
from tests.water.tasks import water_sensors_silent_task

URL = "/api/v1/water/readings"


@pytest.fixture
def gauges(city):
    source = DataSource.objects.create(code="water", name_zh="供水", name_en="Water", domain="water")
    for code, region in (("P1", "W1"), ("P2", "W2"), ("P9", "E")):
        PressureSensor.objects.create(source=source, code=code, name=code, region=city[region])
    token, _record = ingest_token_create(source_code="water", name="scada")
    return token


def test_its_readings_reach_the_wall_through_the_ingest_path(client, cast, city, gauges, settings):
    # given the wall configured to show mains pressure, and two gauges of West reporting this minute
    settings.CITYOPS_WALL_TILES = ["water.pressure"]
    now = timezone.now().replace(second=0, microsecond=0)
    rows = [{"sensor": "P1", "observed_at": now.isoformat(), "kpa": 180},
            {"sensor": "P2", "observed_at": now.isoformat(), "kpa": 140}]  # fmt: skip

    # when they are sent twice, and the tick runs
    sent = [client.post(URL, json.dumps(rows), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {gauges}")
            for _ in range(2)]  # fmt: skip
    live_tick()

    # then stored once, and the wall's tile shows West's mean pressure: 160 kPa, a warning (below 200; critical
    # is below 150)
    assert [r.json() for r in sent] == [{"accepted": 2, "duplicates": 0}, {"accepted": 0, "duplicates": 2}]
    snapshot = wall_snapshot(user=cast["command"], root=city["W"])
    on_wall = [row["code"] for row in snapshot["indicators"] if row["on_wall"]]
    tiles = {t["indicator"]: t for t in snapshot["tiles"]}
    assert on_wall == ["water.pressure"]
    assert tiles["water.pressure"]["value"] == pytest.approx(160)
    assert tiles["water.pressure"]["severity"] == "warning"


def test_a_bad_batch_is_refused_whole_with_its_reasons(client, gauges):
    rows = [{"sensor": "P1", "observed_at": timezone.now().isoformat(), "kpa": -5},
            {"sensor": "NOPE", "observed_at": timezone.now().isoformat(), "kpa": 100}]  # fmt: skip

    response = client.post(
        URL, json.dumps(rows), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {gauges}"
    )

    assert response.status_code == 400
    assert {(e["index"], e["field"]) for e in response.json()["errors"]} == {(0, "kpa"), (1, "sensor")}


def test_its_periodic_task_is_on_the_schedule_celery_runs(gauges):
    from cityops.celery import app

    assert beat_schedule()["water-sensors-silent"] == {
        "task": "tests.water.tasks.water_sensors_silent_task",
        "schedule": timedelta(minutes=10),
        "options": {"expires": 300},
    }
    assert app.conf.beat_schedule["water-sensors-silent"]["task"] == "tests.water.tasks.water_sensors_silent_task"
    # run here (the tests have no worker); no gauge has reported yet
    assert water_sensors_silent_task.apply().get() == ["P1", "P2", "P9"]


def test_its_permission_is_on_the_role_and_its_page_follows_it(client, cast, gauges):
    # the command center's group holds the app's permission: granted after migrate, no migration of its own
    granted = Group.objects.get(name=Role.COMMAND_CENTER).permissions.filter(content_type__app_label="water")
    assert list(granted.values_list("codename", flat=True)) == ["view_pressuresensor"]

    client.force_login(cast["command"])
    page = client.get("/water/", HTTP_ACCEPT_LANGUAGE="en")
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(cast["officer"])  # a field officer's role has no such permission

    assert page.status_code == 200
    assert "P1" in page.content.decode()
    assert "Water supply" in home  # its page is on the home page of the role that may use it
    assert client.get("/water/").status_code == 403


def test_its_fields_are_in_the_classification_registry(db):
    labelled = {(row["model"], row["field"]) for row in registry()}

    assert {("water.PressureSensor", f) for f in ("id", "source", "code", "name", "region")} <= labelled
    assert {("water.PressureReading", f) for f in ("id", "sensor", "observed_at", "kpa")} <= labelled


def test_its_ingest_rows_are_described_in_the_openapi_schema(client, cast):
    client.force_login(cast["command"])

    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    body = schema["paths"][URL]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["items"]["$ref"].endswith("/WaterReadingRowRequest")
    assert set(schema["components"]["schemas"]["WaterReadingRowRequest"]["properties"]) == {
        "sensor",
        "observed_at",
        "kpa",
    }


def test_an_indicator_declared_by_two_apps_stops_the_start_naming_both():
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.water.twin.settings"}
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, timeout=120
    )

    assert started.returncode != 0
    last = started.stderr.strip().splitlines()[-1]
    assert "DuplicateRegistration: indicator 'water.pressure' is registered twice" in last
    assert "first by tests/water/manifest.py, again by tests/water/twin/manifest.py" in last
