"""The registry of demo-data seeders. Each app declares its own in its manifest (apps/core/plugins.py).

`manage.py seed_demo` runs them in order inside one transaction; every seeder must be deterministic
for a given seed and idempotent (running it twice gives the same data).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management.base import OutputWrapper

from apps.core.registry import Registry


@dataclass
class DemoContext:
    seed: int
    rng: random.Random
    out: OutputWrapper  # seed_demo's stdout
    # Seeders share what later seeders need (for example the demo city's codes).
    shared: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoSeeder:
    name: str
    order: int
    seed: Callable[[DemoContext], None]


seeder_registry: Registry[DemoSeeder] = Registry("demo seeder", key=lambda s: s.name)


def demo_seeders() -> list[DemoSeeder]:
    return sorted(seeder_registry, key=lambda s: (s.order, s.name))
