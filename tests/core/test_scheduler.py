"""The embedded beat runner: due entries run eagerly, a failing one is logged and the others still run."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from celery import shared_task
from channels.layers import get_channel_layer

from cityops.celery import app as celery_app
from cityops.realtime import get_stream, group_name
from cityops.scheduler import EmbeddedScheduler

# The scheduler closes stale connections around each run, as a worker would: no test transaction to break.
pytestmark = pytest.mark.django_db(transaction=True)

HEARTBEAT = "apps.core.tasks.system_heartbeat_task"
ran = threading.Event()


@shared_task
def failing_task() -> None:
    raise RuntimeError("scheduled failure")


@shared_task
def signal_task() -> None:
    ran.set()


def make_due(scheduler: EmbeddedScheduler, name: str) -> None:
    entry = next(e for e in scheduler.entries if e.name == name)
    entry.last_run_at = celery_app.now() - timedelta(seconds=10)


def test_a_due_entry_runs_once_and_publishes_the_heartbeat():
    # given a scheduler whose heartbeat is due, and a listener on the system stream
    scheduler = EmbeddedScheduler({"hb": {"task": HEARTBEAT, "schedule": 0.01}})
    make_due(scheduler, "hb")
    layer = get_channel_layer()
    group = group_name(get_stream("system"), {})
    before = celery_app.now()

    async def tick_while_listening() -> tuple[float, dict]:
        # One event loop for listening and publishing: the Redis pub/sub layer delivers to the channels
        # subscribed when a message is published.
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        try:
            wait = await sync_to_async(scheduler.tick)()  # when
            return wait, await asyncio.wait_for(layer.receive(channel), timeout=5)
        finally:
            await layer.group_discard(group, channel)

    # then
    wait, message = async_to_sync(tick_while_listening)()
    assert scheduler.runs == {"hb": 1}
    assert scheduler.entries[0].last_run_at >= before
    assert wait == 0.05  # the next run is due in 0.01 s; the loop never spins faster than 50 ms
    assert (message["type"], message["stream"], message["params"]) == ("stream.message", "system", {})
    assert set(message["data"]) == {"server_time"}


def test_an_entry_not_yet_due_does_not_run():
    # given an hourly entry that just ran
    scheduler = EmbeddedScheduler({"hourly": {"task": HEARTBEAT, "schedule": 3600}})
    last_run_at = scheduler.entries[0].last_run_at

    # when
    wait = scheduler.tick()

    # then
    assert scheduler.runs == {"hourly": 0}
    assert scheduler.entries[0].last_run_at == last_run_at
    assert wait == 1.0


def test_a_failing_entry_is_logged_and_does_not_stop_the_others(caplog):
    # given a failing entry before the heartbeat, both due
    scheduler = EmbeddedScheduler(
        {
            "boom": {"task": "tests.core.test_scheduler.failing_task", "schedule": 0.01},
            "hb": {"task": HEARTBEAT, "schedule": 0.01},
        }
    )
    make_due(scheduler, "boom")
    make_due(scheduler, "hb")
    before = celery_app.now()

    # when
    with caplog.at_level(logging.ERROR, logger="cityops.scheduler"):
        scheduler.tick()

    # then
    assert scheduler.runs == {"boom": 0, "hb": 1}
    records = [r for r in caplog.records if r.name == "cityops.scheduler"]
    assert [r.getMessage() for r in records] == [
        "embedded scheduler: boom (tests.core.test_scheduler.failing_task) failed"
    ]
    assert records[0].levelno == logging.ERROR
    assert isinstance(records[0].exc_info[1], RuntimeError)
    assert str(records[0].exc_info[1]) == "scheduled failure"
    # the failed entry waits for its next slot instead of being retried at once
    assert scheduler.entries[0].last_run_at >= before


def test_entries_take_args_and_kwargs_from_the_schedule():
    # given
    scheduler = EmbeddedScheduler(
        {"hb": {"task": HEARTBEAT, "schedule": timedelta(seconds=5), "args": [], "kwargs": {}}}
    )

    # then
    entry = scheduler.entries[0]
    assert (entry.name, entry.task, entry.args, entry.kwargs) == ("hb", HEARTBEAT, (), {})
    assert entry.schedule.run_every == timedelta(seconds=5)


def test_serve_runs_due_entries_in_the_event_loop_until_stopped():
    # given
    ran.clear()
    scheduler = EmbeddedScheduler({"signal": {"task": "tests.core.test_scheduler.signal_task", "schedule": 0.01}})
    make_due(scheduler, "signal")

    async def scenario() -> bool:
        # when the scheduler serves in this loop and is stopped once the task has run
        serving = asyncio.get_running_loop().create_task(scheduler.serve())
        signalled = await asyncio.to_thread(ran.wait, 5)
        scheduler.stop()
        await asyncio.wait_for(serving, timeout=5)
        return signalled

    # then it ran and stopped by itself
    assert asyncio.run(scenario()) is True
    assert scheduler.runs["signal"] >= 1


def test_the_lifespan_starts_and_stops_the_scheduler():
    # given the wrapped application and a scheduler with nothing due for an hour
    from cityops.scheduler import with_embedded_scheduler

    scheduler = EmbeddedScheduler({"hourly": {"task": HEARTBEAT, "schedule": 3600}})
    app = with_embedded_scheduler(lambda *args: None, scheduler)
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict:
        return incoming.pop(0)

    async def send(message: dict) -> None:
        sent.append(message["type"])

    # when the server starts and shuts down
    asyncio.run(app({"type": "lifespan"}, receive, send))

    # then both phases completed and the scheduler was told to stop
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert scheduler._stopped.is_set()
