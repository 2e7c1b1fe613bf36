"""Health checks of the configured services, for /healthz and the system stream."""

from __future__ import annotations

import asyncio
import time
import uuid
import weakref
from dataclasses import asdict, dataclass
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from cityops.realtime import hub_health

CHECK_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    backend: str
    ms: float
    error: str = ""


def _timed(backend: str, func: Any) -> CheckResult:
    started = time.perf_counter()
    try:
        func()
    except Exception as exc:  # a health check reports every failure instead of raising
        return CheckResult(False, backend, _ms(started), _describe(exc))
    return CheckResult(True, backend, _ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _describe(exc: BaseException) -> str:
    # Class and message only: URLs with credentials never reach the response.
    return f"{type(exc).__name__}: {exc}".replace(settings.SECRET_KEY, "***")[:200]


def check_database() -> CheckResult:
    def probe() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    return _timed(connection.vendor, probe)


def check_cache() -> CheckResult:
    def probe() -> None:
        key = f"healthz:{uuid.uuid4().hex}"
        cache.set(key, "1", timeout=10)
        if cache.get(key) != "1":
            raise RuntimeError("value written to the cache could not be read back")
        cache.delete(key)

    return _timed(settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1], probe)


def check_broker() -> CheckResult:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return CheckResult(True, "eager (in-process)", 0.0)

    def probe() -> None:
        from kombu import Connection

        with Connection(settings.CELERY_BROKER_URL, connect_timeout=CHECK_TIMEOUT_S) as conn:
            conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_S)

    return _timed(settings.CELERY_BROKER_URL.split(":", 1)[0], probe)


# One probe channel per event loop, used by every check: a layer keeps each channel it made (the Redis pub/sub
# layer stays subscribed to it), so a new one per /healthz call would pile up for the life of the process.
_probe_channels: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, str] = weakref.WeakKeyDictionary()


async def check_channel_layer() -> CheckResult:
    layer = get_channel_layer()
    backend = type(layer).__name__
    started = time.perf_counter()
    try:
        loop = asyncio.get_running_loop()
        channel = _probe_channels.get(loop) or await layer.new_channel("healthz.")
        _probe_channels[loop] = channel
        await layer.send(channel, {"type": "healthz.ping"})
        message = await asyncio.wait_for(layer.receive(channel), timeout=CHECK_TIMEOUT_S)
        if message.get("type") != "healthz.ping":
            raise RuntimeError("the channel layer returned a different message")
    except Exception as exc:  # reported, not raised
        _probe_channels.pop(asyncio.get_running_loop(), None)  # the layer may have dropped it: a new one next time
        return CheckResult(False, backend, _ms(started), _describe(exc))
    return CheckResult(True, backend, _ms(started))


async def run_checks() -> dict[str, dict[str, Any]]:
    """All checks, the synchronous ones in a worker thread. Never raises."""
    database = await sync_to_async(check_database)()
    cache_result = await sync_to_async(check_cache)()
    broker = await sync_to_async(check_broker)()
    layer = await check_channel_layer()
    results = {"database": database, "channel_layer": layer, "cache": cache_result, "broker": broker}
    checks = {name: asdict(result) for name, result in results.items()}
    hub = hub_health()  # this process's fan-out to its screens, once a screen has joined
    if hub is not None:
        checks["live_hub"] = {"backend": "LocalHub", "error": "" if hub["ok"] else "the listener has stopped", **hub}
    return checks
