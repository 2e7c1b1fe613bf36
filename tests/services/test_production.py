"""Production mode over real connections: PostgreSQL, channels-redis, Redis cache, Celery workers.

Run by `make test-services` (and .ci/run); skipped with a visible reason when the services are not set.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

from apps.core.health import check_broker
from apps.regions import selectors
from apps.regions.models import Region
from apps.regions.services import regions_import
from tests.conftest import feature

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[2]


def test_the_suite_really_runs_on_postgresql_and_redis():
    assert connection.vendor == "postgresql"
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert settings.CELERY_TASK_ALWAYS_EAGER is False


def test_channels_redis_group_round_trip():
    # given two channels in one group on the Redis layer
    layer = get_channel_layer()

    async def scenario() -> list[dict]:
        first, second = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("services-test", first)
        await layer.group_add("services-test", second)
        # when one message is sent to the group
        await layer.group_send("services-test", {"type": "stream.message", "n": 1})
        received = [await layer.receive(first), await layer.receive(second)]
        await layer.group_discard("services-test", first)
        await layer.group_discard("services-test", second)
        return received

    # then both members get it
    assert async_to_sync(scenario)() == [{"type": "stream.message", "n": 1}] * 2


def test_a_hub_on_the_redis_layer_misses_nothing_across_its_periodic_checks(monkeypatch):
    # given a hub on the production layer whose checks fall due every 20 ms (the pub/sub layer unsubscribes a
    # channel whose receive is cancelled: a hub cancelling its receive at each check loses what comes meanwhile)
    import asyncio

    from cityops import realtime

    monkeypatch.setattr(realtime, "HUB_CHECK_SECONDS", 0.02)

    class Screen:
        def __init__(self) -> None:
            self.frames: list[str] = []

        async def deliver(self, message: dict, text: str) -> None:
            self.frames.append(text)

    async def scenario() -> list[str]:
        hub, screen = realtime.LocalHub(), Screen()
        await hub.join("services-hub", screen)
        try:
            # when 150 messages are published to its group, 7 ms apart, while about 50 checks come and go
            for n in range(150):
                message = {"type": realtime.STREAM_MESSAGE_TYPE, "group": "services-hub", "stream": "s",
                           "params": {}, "seq": n + 1, "epoch": "e", "data": {"n": n}}  # fmt: skip
                await hub.layer.group_send("services-hub", message)
                await asyncio.sleep(0.007)
            for _ in range(100):
                if len(screen.frames) >= 150:
                    break
                await asyncio.sleep(0.02)
            return screen.frames
        finally:
            await hub.leave("services-hub", screen)
            if hub._listener is not None:
                hub._listener.cancel()

    # then the screen got every one of them
    assert len(async_to_sync(scenario)()) == 150


@pytest.mark.django_db
def test_region_import_upserts_on_postgresql(city):
    # given the test city imported once
    before = {r.code: r.id for r in Region.objects.all()}

    # when West is imported again with a new name and population
    regions_import(
        features=[feature("W", "西城区", "West Town", (118.00, 32.00, 118.02, 32.02), 210_000)],
        level="district",
        parent="C",
    )

    # then it was updated in place and the lookup still answers from PostgreSQL rows
    west = Region.objects.get(code="W")
    assert {r.code: r.id for r in Region.objects.all()} == before
    assert (west.name_zh, west.population) == ("西城区", 210_000)
    assert selectors.region_for_point(lon=118.005, lat=32.01).code == "W1"


@pytest.mark.django_db
def test_healthz_reports_every_production_service(client):
    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"]["database"]["backend"] == "postgresql"
    assert body["checks"]["channel_layer"]["backend"] == "RedisPubSubChannelLayer"
    assert body["checks"]["cache"]["backend"] == "RedisCache"
    assert body["checks"]["broker"]["backend"] == "redis"


def test_rabbitmq_is_a_working_broker(settings):
    settings.CELERY_BROKER_URL = os.environ.get("CITYOPS_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")

    result = check_broker()

    assert result.ok, result.error
    assert result.backend == "amqp"


def test_broker_that_does_not_answer_is_reported(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    result = check_broker()

    assert result.ok is False
    assert result.error


@pytest.mark.own_clock("the Celery worker is a process of its own, on the wall clock")
@pytest.mark.django_db(transaction=True)
def test_task_runs_in_a_real_celery_worker_over_redis():
    # given a real worker process on the Redis broker, using the test database
    from apps.core.tasks import health_check_task
    from tests.conftest import celery_worker_start

    worker = celery_worker_start(stderr=subprocess.PIPE)
    try:
        # when a task is sent through the broker
        result = health_check_task.delay().get(timeout=60)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        if worker.stderr is not None:
            worker.stderr.close()

    # then the worker ran it against the same database and cache
    assert result == {"database": True, "cache": True}
