"""Faults injected into the production topology (issue 17): Redis restarted or flushed under open screens.

The server runs as it does in production (uvicorn, two worker processes, channels-redis) on the suite's
PostgreSQL test database and a private Redis that the test kills and starts again; screens are websocket
clients speaking the live protocol. Bounded in time: every wait has its limit.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.faults.harness import (
    PUBLISHER,
    PrivateRedis,
    Processes,
    Screen,
    asgi_server,
    production_env,
    screens_running,
    wait_until,
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.own_clock("the server, the publisher and their sessions live in processes of their own"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def redis() -> Any:
    server = PrivateRedis()
    server.start()
    yield server
    server.kill()


@pytest.fixture
def processes() -> Any:
    started = Processes()
    yield started
    started.stop_all()


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _topology(redis: PrivateRedis, processes: Processes, tmp_path: Any) -> str:
    env = production_env(database_url=_database_url(), redis_url=redis.url, secret_key=settings.SECRET_KEY,
                         field_keys=list(settings.CITYOPS_FIELD_KEYS))  # fmt: skip
    address = asgi_server(processes, env, workers=2, log=tmp_path / "server.log")
    processes.start([sys.executable, "-c", PUBLISHER], env, log=tmp_path / "publisher.log")
    return address


def _cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _all_live(screens: list[Screen], since: float) -> bool:
    return all(screen.first_accepted_after(since) is not None for screen in screens)


def test_after_a_redis_restart_every_screen_accepts_deltas_again_within_10_s_without_a_process_restart(
    redis, processes, cast, tmp_path
):
    # given 50 screens on two server processes, live
    address = _topology(redis, processes, tmp_path)
    screens = [Screen(address, _cookie(cast["command"])) for _ in range(50)]
    with screens_running(screens):
        wait_until(lambda: _all_live(screens, 0.0), timeout=60, what="50 screens live")
        # when Redis dies (everything in it lost) and comes back 5 s later
        redis.kill()
        time.sleep(5)
        redis.start()
        back = time.monotonic()
        wait_until(lambda: _all_live(screens, back), timeout=30, what="every screen live again")

    # then every screen accepts new deltas within 10 s of Redis returning, the servers still the same processes
    delays = sorted(screen.first_accepted_after(back) - back for screen in screens)
    assert delays[-1] <= 10, f"median {delays[len(delays) // 2]:.1f} s, slowest {delays[-1]:.1f} s"
    assert all(process.poll() is None for process in processes.started)


def test_after_a_redis_flush_screens_take_a_fresh_snapshot_within_a_heartbeat(redis, processes, cast, tmp_path):
    # given screens that counted far past what a restarted counter would start from
    address = _topology(redis, processes, tmp_path)
    screens = [Screen(address, _cookie(cast["command"])) for _ in range(10)]
    with screens_running(screens):
        wait_until(lambda: all(len(s.accepted) >= 12 for s in screens), timeout=60, what="screens counting")
        # when Redis is flushed: sequence counters, memberships and the cache all gone, no error anywhere
        redis.flush()
        flushed = time.monotonic()
        wait_until(lambda: _all_live(screens, flushed + 0.5), timeout=20, what="screens live after the flush")

    # then each took a new snapshot (a new epoch) and accepts deltas again within one heartbeat (5 s)
    assert all(any(t > flushed for t in screen.snapshots) for screen in screens)
    delays = sorted(screen.first_accepted_after(flushed + 0.5) - flushed for screen in screens)
    assert delays[-1] <= 5 + 0.5, f"slowest {delays[-1]:.1f} s"
