"""Bulk INSERT … ON CONFLICT for hot ingest paths: one statement on PostgreSQL, executemany on SQLite.

On PostgreSQL the rows travel as one array per column through `unnest`, a single round trip for the
whole batch; SQLite's executemany is already a tight loop in C. Rows must not repeat a conflict key
within one call when the conflict clause updates (PostgreSQL refuses to update a row twice in one
statement); DO NOTHING is fine with repeats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction


def bulk_insert(
    *, table: str, columns: Sequence[str], pg_types: Sequence[str], rows: Sequence[Sequence[Any]], on_conflict: str
) -> int:
    """INSERT rows into `table`; `on_conflict` is the ON CONFLICT clause (written by our code, never input).

    Returns the number of rows inserted or updated (rows skipped by DO NOTHING are not counted).
    """
    if not rows:
        return 0
    values = [list(column) for column in zip(*rows, strict=True)]
    return bulk_insert_columns(table=table, columns=columns, pg_types=pg_types, values=values, on_conflict=on_conflict)


def bulk_insert_columns(
    *, table: str, columns: Sequence[str], pg_types: Sequence[str], values: Sequence[list[Any]], on_conflict: str
) -> int:
    """bulk_insert with the data as one list per column (what a checked batch already is)."""
    if not values or not values[0]:
        return 0
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            unnest = ", ".join(f"%s::{kind}[]" for kind in pg_types)
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT * FROM unnest({unnest}) {on_conflict}", values)  # noqa: S608
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders}) {on_conflict}"  # noqa: S608
            cursor.executemany(sql, list(zip(*values, strict=True)))
        return cursor.rowcount


def bulk_insert_new(*, table: str, columns: Sequence[str], pg_types: Sequence[str], values: Sequence[list[Any]],
                    conflict: Sequence[str]) -> int:  # fmt: skip
    """Insert the rows whose `conflict` key is not stored yet; returns how many were inserted.

    PostgreSQL: optimistic binary COPY inside a savepoint — the database's own fastest path, and what
    a feed of new readings always takes; if any row's key is already there (a re-sent batch, a repeat
    inside the batch), the savepoint is rolled back and the rows go through INSERT … ON CONFLICT DO
    NOTHING instead. SQLite: executemany with ON CONFLICT DO NOTHING.
    """
    if not values or not values[0]:
        return 0
    on_conflict = f"ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    if connection.vendor == "postgresql":
        from psycopg.errors import UniqueViolation

        try:
            with transaction.atomic(), connection.cursor() as cursor:
                _copy(cursor, table, columns, pg_types, values)
            return len(values[0])
        except (IntegrityError, UniqueViolation):
            pass  # some rows are stored already: the savepoint is rolled back, nothing was written
    return bulk_insert_columns(table=table, columns=columns, pg_types=pg_types, values=values, on_conflict=on_conflict)


_COPY_TYPES = {"bigint": "int8", "integer": "int4", "float8": "float8", "timestamptz": "timestamptz", "text": "text"}


def _copy(cursor: Any, table: str, columns: Sequence[str], pg_types: Sequence[str], values: Sequence[list]) -> None:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with cursor.copy(sql) as copy:
        copy.set_types([_COPY_TYPES[kind] for kind in pg_types])
        write = copy.write_row
        for row in zip(*values, strict=True):
            write(row)


def bulk_update_rows(
    *, table: str, key: str, columns: Sequence[str], pg_types: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """UPDATE `table` SET each of `columns` from rows of (key, *values): one statement on PostgreSQL (the rows
    joined in through `unnest`), executemany on SQLite. `pg_types` names the key's type first. Django's
    bulk_update writes a CASE with a branch per row for every column, which grows with the square of the rows."""
    if not rows:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(["k", *(f"c{n}" for n in range(len(columns)))])
            unnest = ", ".join(f"%s::{kind}[]" for kind in pg_types)
            sets = ", ".join(f"{column} = v.c{n}" for n, column in enumerate(columns))
            sql = f"UPDATE {table} SET {sets} FROM unnest({unnest}) AS v({names}) WHERE {table}.{key} = v.k"  # noqa: S608
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
        else:
            sets = ", ".join(f"{column} = %s" for column in columns)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {key} = %s", [(*row[1:], row[0]) for row in rows])  # noqa: S608
        return cursor.rowcount
