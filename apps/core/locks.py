"""One run at a time across processes, for periodic work that must not overlap itself."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection


@contextlib.contextmanager
def single_flight(name: str) -> Iterator[bool]:
    """Yields True to the one caller holding `name` now, False to any other while it runs.

    PostgreSQL: a session advisory lock, released at the end — or by the database itself when the holder's
    connection dies (a worker killed with kill -9 leaves no stale lock behind). SQLite (embedded: one process
    runs the schedule, one task after another): always True.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [f"cityops.single:{name}"])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"cityops.single:{name}"])
