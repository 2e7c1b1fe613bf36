"""Run CELERY_BEAT_SCHEDULE inside the web process when there is no broker (embedded mode).

Each entry is a Celery schedule (a number of seconds, a timedelta or a crontab). The scheduler lives in
the server's event loop (started by the ASGI lifespan, see `with_embedded_scheduler`) and runs due tasks
eagerly in a worker thread, one at a time. Running from the server's loop matters: tasks that publish to
the in-memory channel layer then reach the sockets of this very process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
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


class EmbeddedScheduler:
    """Runs due beat entries eagerly: `tick()` once, or `serve()` in an event loop until `stop()`."""

    def __init__(self, beat_schedule: dict[str, dict[str, Any]]) -> None:
        # Register every app's tasks (what a worker's autodiscovery does), without re-running django.setup().
        celery_app.loader.autodiscover_tasks([config.name for config in apps.get_app_configs()])
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
        self._stopped = asyncio.Event()

    def stop(self) -> None:
        self._stopped.set()

    async def serve(self) -> None:
        """Tick until stopped; each tick runs in a worker thread so the loop keeps serving sockets."""
        while not self._stopped.is_set():
            wait = await sync_to_async(self.tick, thread_sensitive=False)()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=wait)

    def tick(self) -> float:
        """Run every due entry; return seconds until the next one is due (at most 1 s, at least 50 ms)."""
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


def with_embedded_scheduler(application: Any, scheduler: EmbeddedScheduler) -> Any:
    """Wrap an ASGI application so the ASGI lifespan starts and stops the scheduler in the server's loop."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await application(scope, receive, send)
            return
        task: asyncio.Task[None] | None = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                task = asyncio.get_running_loop().create_task(scheduler.serve())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                scheduler.stop()
                if task is not None:
                    with contextlib.suppress(asyncio.CancelledError):
                        await asyncio.wait_for(task, timeout=10)
                await send({"type": "lifespan.shutdown.complete"})
                return

    return app
