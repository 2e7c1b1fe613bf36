"""The suite's clock: every test runs at an instant the suite chooses, never at the wall clock's.

A test that is not about the time of day runs at `DEFAULT_NOW`, a Wednesday at 10:00 in the city's zone: inside
working hours, ten hours from local midnight, days from a month's end. The clock ticks from there, so waits,
timeouts and live servers behave as usual. `CITYOPS_TEST_NOW` (ISO 8601 with an offset) starts every test at
another instant; `make test-clock` uses it to run the suite at 00:00:30, 00:45 and 23:59:30 local.

Tests that are about time say so:

- `@pytest.mark.clock("2026-12-31T23:59:59+08:00")` starts the test at that instant (`tick=False` freezes it);
- the `clock` fixture moves it inside the test (`clock.move_to(...)`, `clock.shift(...)`);
- `local("2026-12-31 23:59:59")` is an instant on the city's wall clock, for readable pins.

Dates are never computed at import: a module constant would be the wall clock's, not the test's.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import time_machine

DEFAULT_NOW = "2026-12-02T10:00:00+08:00"


def parse_instant(text: str, *, source: str) -> datetime:
    """An aware datetime from ISO 8601 text; a missing offset or a malformed value stops the run naming `source`."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{source}: {text!r} is not an ISO 8601 instant, e.g. {DEFAULT_NOW}") from None
    if moment.tzinfo is None:
        raise ValueError(f"{source}: {text!r} has no UTC offset, e.g. {DEFAULT_NOW}")
    return moment


def suite_now() -> datetime:
    """The instant every test starts at unless it pins its own."""
    return parse_instant(os.environ.get("CITYOPS_TEST_NOW") or DEFAULT_NOW, source="CITYOPS_TEST_NOW")


_started: list[datetime] = []


def clock_start() -> datetime:
    """The instant the running test's clock started at: a fixed point to build the test's times from."""
    if not _started:
        raise RuntimeError("clock_start() is for code that runs inside a test, after the clock fixture")
    return _started[-1]


@contextmanager
def running_from(start: datetime, *, tick: bool = True) -> Iterator[time_machine.Traveller]:
    """Time travel to `start` for the body; `clock_start()` answers `start` meanwhile."""
    with time_machine.travel(start, tick=tick) as traveller:
        _started.append(start)
        try:
            yield traveller
        finally:
            _started.pop()


@contextmanager
def refusing_the_wall_clock() -> Iterator[None]:
    """`django.utils.timezone.now()` (and so `localtime()`, `localdate()`) raises inside the block.

    The function is replaced by a guard for the whole run, not only the block: a module that imported `now`
    by name while the block lasted holds the guard, which answers normally once the block has ended.
    """
    from django.utils import timezone

    original = getattr(timezone.now, "__wrapped__", timezone.now)
    refusing = [True]

    @functools.wraps(original)
    def now() -> datetime:
        if refusing[0]:
            raise RuntimeError(
                "a date computed at import (collection): compute it inside the test, from the clock of tests/clock.py"
            )
        return original()

    timezone.now = now
    try:
        yield
    finally:
        refusing[0] = False


SENT = "<sent>"  # in rows made as test parameters (at collection): the time the test sends them, see at_send()


def at_send(rows: list[dict[str, Any]], moment: datetime) -> list[dict[str, Any]]:
    """The rows with every `SENT` value replaced by `moment`, in ISO 8601."""
    return [{key: moment.isoformat() if value == SENT else value for key, value in row.items()} for row in rows]


def local(text: str) -> datetime:
    """An instant on the city's wall clock: local("2026-09-30 16:00") is 08:00 UTC."""
    from django.utils import timezone

    return timezone.make_aware(datetime.fromisoformat(text))
