"""The registry of demo-data seeders. Each app registers its own in AppConfig.ready.

`manage.py seed_demo` runs them in order inside one transaction; every seeder must be deterministic
for a given seed and idempotent (running it twice gives the same data).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class DemoContext:
    seed: int
    rng: random.Random
    out: TextIO
    # Seeders share what later seeders need (for example the demo city's codes).
    shared: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoSeeder:
    name: str
    order: int
    seed: Callable[[DemoContext], None]


_SEEDERS: dict[str, DemoSeeder] = {}


def register_demo_seeder(seeder: DemoSeeder) -> DemoSeeder:
    _SEEDERS[seeder.name] = seeder
    return seeder


def demo_seeders() -> list[DemoSeeder]:
    return sorted(_SEEDERS.values(), key=lambda s: (s.order, s.name))
