"""Shared pieces: a throw-away embedded Django, interleaved timing, and the result line."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass


def django_with_demo_city() -> None:
    """Set up Django on a fresh SQLite data dir with the demo city (no services needed)."""
    os.environ["CITYOPS_DATA_DIR"] = tempfile.mkdtemp(prefix="cityops-bench-")
    os.environ["CITYOPS_EMBEDDED_SCHEDULER"] = "0"
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cityops.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def interleaved_median(candidates: dict[str, Callable[[], object]], *, rounds: int = 9) -> dict[str, float]:
    """Median seconds of each callable, run in alternation so machine noise hits all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for func in candidates.values():  # warm-up: caches, lazy imports, index build
        func()
    for _ in range(rounds):
        for name, func in candidates.items():
            started = time.perf_counter()
            func()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


@dataclass(frozen=True)
class Result:
    key: str
    title: str
    ratio: float
    target: str
    met: bool
    detail: str

    def line(self) -> str:
        verdict = "meets" if self.met else "MISSES"
        return f"{self.key:<6} {self.ratio:8.3f}  target {self.target:<7} {verdict:<7} {self.title} — {self.detail}"
