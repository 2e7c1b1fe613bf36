"""The simulator framework: domain apps plug in live simulators for the demo city.

A simulator produces plausible readings up to "now" and sends them through the same ingest services
real feeds use. Simulators run only when CITYOPS_SIMULATE is on (the embedded demo's default); every
screen then says plainly that it shows simulated data, so invented numbers never pass for real ones.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.core.registry import Registry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Simulator:
    """name: unique; every: how often it steps; step(now) sends readings up to now, returns how many."""

    name: str
    every: timedelta
    step: Callable[[datetime], int]


simulator_registry: Registry[Simulator] = Registry("simulator", key=lambda s: s.name)


def simulators() -> list[Simulator]:
    return sorted(simulator_registry, key=lambda s: s.name)


def simulation_active() -> bool:
    return bool(settings.CITYOPS_SIMULATE and len(simulator_registry))


def simulators_run(*, now: datetime | None = None) -> dict[str, int]:
    """Step every due simulator; one that fails is logged and the others still run."""
    if not settings.CITYOPS_SIMULATE:
        return {}
    now = now or timezone.now()
    produced = {}
    for simulator in simulators():
        key = f"simulation:last:{simulator.name}"
        last = cache.get(key)
        if last is not None and now - last < simulator.every:
            continue
        cache.set(key, now, timeout=None)
        try:
            produced[simulator.name] = simulator.step(now)
        except Exception:  # a broken simulator must not stop the others
            logger.exception("simulator %s failed", simulator.name)
    return produced


# --- Shared shapes for simulators ------------------------------------------------------------------------


def stable_noise(key: str) -> float:
    """A stable pseudo-random number in [-1, 1] for a key (the same key gives the same number)."""
    digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2**31 - 1


def city_activity(local: datetime) -> float:
    """0 (night) to 1 (rush hour): the city's traffic-shaped rhythm by local time and day of week."""
    hour = local.hour + local.minute / 60
    weekday = local.weekday() < 5
    morning = math.exp(-(((hour - 8.2) / 0.9) ** 2))
    evening = math.exp(-(((hour - 18.2) / 1.0) ** 2))
    daytime = 0.45 if 7 <= hour <= 21 else 0.12
    peaks = (morning + evening) if weekday else 0.45 * math.exp(-(((hour - 15) / 3) ** 2))
    return min(1.0, daytime + 0.55 * peaks)
