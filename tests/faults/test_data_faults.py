"""Faults injected under ingest and the tick (issue 17): PostgreSQL restarted while gateways post, a Celery worker
killed in the middle of a tick. Everything runs in processes of its own on a private PostgreSQL cluster and a
private Redis, so the restarts touch nothing else; the checks read the database afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.faults.harness import (
    PG_BIN,
    ROOT,
    PrivatePostgres,
    PrivateRedis,
    Processes,
    asgi_server,
    production_env,
    wait_until,
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.own_clock("the server and the worker are processes of their own, on the wall clock"),
    pytest.mark.skipif(PG_BIN is None, reason="needs Debian's PostgreSQL server binaries (initdb, pg_ctl)"),
]

FIELD_KEY = "6Bl0w6i2e4lbbY4mN1Xf4m7Qn8s9y2ZkVfE3x0mJd1Q="
SENSORS = [f"F{n:02d}" for n in range(20)]
# Two districts side by side, ten loops in each: readings become each district's (and the city's) minute buckets.
SETUP = f"""
import django
django.setup()
from shapely.geometry import box
from apps.indicators.models import DataSource
from apps.ingest.services import ingest_token_create
from apps.regions.geo import BoundaryFeature
from apps.regions.services import regions_import
from apps.traffic.models import RoadSegment, TrafficSensor
from apps.traffic.services import traffic_sensor_register

def feature(code, bounds):
    return BoundaryFeature(number=1, code=code, name_zh=code, name_en=code, parent_code=None, population=1000,
                           geometry=box(*bounds))

regions_import(features=[feature("FC", (118.0, 32.0, 118.04, 32.02))], level="city")
regions_import(features=[feature("FW", (118.0, 32.0, 118.02, 32.02)), feature("FE", (118.02, 32.0, 118.04, 32.02))],
               level="district", parent="FC")
source = DataSource.objects.create(code="loops", name_zh="loops", name_en="loops", domain="traffic")
line = {{"type": "LineString", "coordinates": [[118.0, 32.01], [118.04, 32.01]]}}
segment = RoadSegment.objects.create(code="S", name_zh="S", name_en="S", road_class="arterial", free_flow_kmh=60,
                                     geometry=line)
from apps.regions.models import Region
for n, code in enumerate({SENSORS!r}):
    region = Region.objects.get(code="FW" if n < 10 else "FE")
    sensor = TrafficSensor.objects.create(code=code, kind="loop", lon=118.001 + n * 0.002, lat=32.01, segment=segment,
                                          source=source, region=region)
    traffic_sensor_register(sensor=sensor)
print(ingest_token_create(source_code="loops", name="gateway")[0])
"""
# The districts' minute buckets of traffic.speed against a recomputation from the raw rows: (region, minute, expected,
# stored) where they differ, as JSON.
VERIFY = """
import json, django
django.setup()
from collections import defaultdict
from apps.indicators.models import IndicatorValue
from apps.traffic.models import TrafficReading
expected = defaultdict(lambda: [0, 0.0])
for region, at, speed in TrafficReading.objects.values_list("sensor__region__code", "observed_at", "speed_kmh"):
    key = (region, at.replace(second=0, microsecond=0))
    expected[key][0] += 1
    expected[key][1] += speed
stored = {(r.region.code, r.bucket_start): [r.count, r.sum] for r in IndicatorValue.objects.filter(
          indicator="traffic.speed", granularity="minute", region__code__in=["FW", "FE"]).select_related("region")}
wrong = [[k[0], k[1].isoformat(), expected.get(k), stored.get(k)] for k in set(expected) | set(stored)
         if expected.get(k) != stored.get(k) and not (expected.get(k) and stored.get(k)
                                                        and expected[k][0] == stored[k][0]
                                                        and abs(expected[k][1] - stored[k][1]) < 1e-6)]
print(json.dumps({"buckets": len(expected), "wrong": wrong}))
"""


@pytest.fixture
def services(tmp_path: Any) -> Any:
    """A private PostgreSQL (migrated, with a small city and 20 loops) and a private Redis; the gateway's token."""
    postgres, redis, processes = PrivatePostgres(), PrivateRedis(), Processes()
    postgres.start()
    redis.start()
    try:
        postgres.create_database()
        env = production_env(database_url=postgres.url, redis_url=redis.url, secret_key="s" * 50,
                             field_keys=[FIELD_KEY])  # fmt: skip
        _python(["manage.py", "migrate", "--noinput", "-v", "0"], env)
        token = _python(["-c", SETUP], env).strip().splitlines()[-1]
        yield {"postgres": postgres, "redis": redis, "processes": processes, "env": env, "token": token}
    finally:
        processes.stop_all()
        redis.kill()
        postgres.remove()


def _python(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
                            check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _batch(number: int, start: datetime) -> bytes:
    moment = (start + timedelta(seconds=number)).isoformat()
    rows = [{"sensor": code, "observed_at": moment, "speed_kmh": 20 + (number + n) % 50, "volume": 5, "occupancy": 0.1}
            for n, code in enumerate(SENSORS)]  # fmt: skip
    return json.dumps(rows).encode()


def _post(address: str, token: str, body: bytes) -> tuple[int, Any, str]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    request = urllib.request.Request(f"http://{address}/api/v1/traffic/readings", data=body, method="POST",
                                     headers=headers)  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()
    except OSError as error:  # the server itself unreachable: never expected here
        return 0, {}, repr(error)


def test_a_postgresql_restart_during_ingest_answers_only_json_503s_stores_no_half_batch_and_recovers(
    services, tmp_path
):
    # given two server processes on the private cluster, and a gateway posting a batch of 20 readings at a time
    address = asgi_server(services["processes"], services["env"], workers=2, log=tmp_path / "server.log")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    answers: dict[int, tuple[int, Any, str]] = {}
    stop = threading.Event()

    def gateway() -> None:
        number = 0
        while not stop.is_set():
            answers[number] = _post(address, services["token"], _batch(number, start))
            number += 1

    poster = threading.Thread(target=gateway)
    poster.start()
    # when PostgreSQL stops for two seconds in the middle of it, and comes back
    time.sleep(2)
    services["postgres"].stop()
    time.sleep(2)
    services["postgres"].start()
    time.sleep(4)
    stop.set()
    poster.join(timeout=60)
    number = len(answers)

    # then every answer is a 201, or a JSON 503 that says when to try again
    statuses = {status for status, _headers, _body in answers.values()}
    assert statuses <= {201, 503}, statuses
    refused = [n for n, (status, _h, _b) in answers.items() if status == 503]
    assert refused, "the restart was not met by any batch"
    for n in refused:
        status, headers, body = answers[n]
        assert headers.get("Content-Type") == "application/json"
        assert headers.get("Retry-After") == "5"
        assert "detail" in json.loads(body)
    # and it recovered without a restart of the server: the refused batches go in when sent again, once
    assert all(process.poll() is None for process in services["processes"].started)
    for n in refused:
        assert _post(address, services["token"], _batch(n, start))[0] == 201
    rows = _python(["-c", "import django; django.setup(); from apps.traffic.models import TrafficReading; "
                          "print(TrafficReading.objects.count())"], services["env"])  # fmt: skip
    assert int(rows) == 20 * number  # every batch whole, none half-stored, none twice


def test_a_celery_worker_killed_in_the_middle_of_ticks_leaves_every_bucket_equal_to_the_raw_rows(services, tmp_path):
    # given a gateway with a backlog to send (20 loops, every 10 s) and a real worker on the private broker
    env = services["env"]
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    address = asgi_server(services["processes"], env, workers=1, log=tmp_path / "server.log")
    worker_args = [sys.executable, "-m", "celery", "-A", "cityops", "worker", "--pool", "solo", "--loglevel", "INFO"]
    send_ticks = [
        "-c",
        "import django; django.setup(); from apps.dashboards.tasks import live_tick_task; "
        "[live_tick_task.delay() for _ in range(30)]",
    ]
    # when, three times, twenty minutes of readings come in and the worker is killed hard while it folds them
    for round_ in range(3):
        for n in range(round_ * 1200, (round_ + 1) * 1200, 10):
            assert _post(address, services["token"], _batch(n, start))[0] == 201
        worker = services["processes"].start(worker_args, env, log=tmp_path / f"worker-{round_}.log")
        _python(send_ticks, env)
        time.sleep(1 + round_ * 0.5)
        worker.kill()
        worker.wait(timeout=10)
    worker = services["processes"].start(worker_args, env, log=tmp_path / "worker-last.log")
    pending = ["-c", "import django; django.setup(); from apps.ingest.models import FeedMinute; "
                     "print(FeedMinute.objects.count())"]  # fmt: skip

    def drained() -> bool:
        _python(send_ticks, env)
        return int(_python(pending, env)) == 0

    wait_until(drained, timeout=180, step=2, what="every marked minute folded")
    _python(send_ticks, env)  # the rollups of the last fold
    time.sleep(5)

    # then every region's minute bucket equals a recomputation from the raw rows: nothing lost, nothing twice
    report = json.loads(_python(["-c", VERIFY], env).strip().splitlines()[-1])
    assert report["buckets"] >= 2 * 60  # two districts, an hour of minutes
    assert report["wrong"] == []
    assert worker.poll() is None
