"""Bulk INSERT … ON CONFLICT for hot ingest paths: one statement on PostgreSQL, executemany on SQLite.

On PostgreSQL the rows travel as one array per column through `unnest`, a single round trip for the
whole batch; SQLite's executemany is already a tight loop in C. Rows must not repeat a conflict key
within one call (PostgreSQL refuses to update the same row twice in one statement).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def bulk_insert(
    *, table: str, columns: Sequence[str], pg_types: Sequence[str], rows: Sequence[Sequence[Any]], on_conflict: str
) -> None:
    """INSERT rows into `table`; `on_conflict` is the ON CONFLICT clause (written by our code, never input)."""
    if not rows:
        return
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = [list(column) for column in zip(*rows, strict=True)]
            unnest = ", ".join(f"%s::{kind}[]" for kind in pg_types)
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT * FROM unnest({unnest}) {on_conflict}", arrays)  # noqa: S608
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders}) {on_conflict}", rows)  # noqa: S608
