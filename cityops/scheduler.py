"""Run CELERY_BEAT_SCHEDULE inside the web process when there is no broker (embedded mode).

Each entry is a Celery schedule (a number of seconds, a timedelta or a crontab); due tasks run eagerly
in this thread, one at a time, so the live features work with no beat process and no worker.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery.schedules import BaseSchedule, maybe_schedule
from django.apps import apps
from django.db import close_old_connections

from cityops.celery import app as celery_app

logger = logging.getLogger(__name__)


@dataclass
class _Entry:
    name: str
    task: str
    schedule: BaseSchedule
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    last_run_at: datetime


class EmbeddedScheduler(threading.Thread):
    """A daemon thread that runs due beat entries eagerly until `stop()`."""

    def __init__(self, beat_schedule: dict[str, dict[str, Any]]) -> None:
        super().__init__(name="cityops-embedded-beat", daemon=True)
        # Register every app's tasks (what a worker's autodiscovery does), without re-running django.setup().
        celery_app.loader.autodiscover_tasks([config.name for config in apps.get_app_configs()])
        self._stop_event = threading.Event()
        now = celery_app.now()
        self.entries = [
            _Entry(
                name=name,
                task=entry["task"],
                schedule=maybe_schedule(entry["schedule"], app=celery_app),
                args=tuple(entry.get("args", ())),
                kwargs=dict(entry.get("kwargs", {})),
                last_run_at=now,
            )
            for name, entry in beat_schedule.items()
        ]
        self.runs: dict[str, int] = {entry.name: 0 for entry in self.entries}

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self._stop_event.wait(self.tick())

    def tick(self) -> float:
        """Run every due entry; return seconds until the next one is due (at most 1 s)."""
        wait = 1.0
        for entry in self.entries:
            due, next_in = entry.schedule.is_due(entry.last_run_at)
            if due:
                entry.last_run_at = celery_app.now()
                self._run(entry)
            wait = min(wait, max(float(next_in), 0.05))
        return wait

    def _run(self, entry: _Entry) -> None:
        close_old_connections()
        try:
            celery_app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs, throw=True)
            self.runs[entry.name] += 1
        except Exception:  # one failing entry must not stop the others
            logger.exception("embedded scheduler: %s (%s) failed", entry.name, entry.task)
        finally:
            close_old_connections()
