"""Monthly partitions of the raw reading tables on PostgreSQL (SQLite keeps plain tables).

Each raw table (what a feed stores: traffic readings, air and noise readings, capacity snapshots) is partitioned
by RANGE on `observed_at`, one partition per calendar month *in UTC*, named `<table>_pYYYYMM`. Why:

- retention drops a whole month with one DROP TABLE: no DELETE of millions of rows, no bloat, no vacuum after;
- ingest writes into the current month, whose indexes are a month's size however many years are stored (ING-3).

Keys. A partitioned table's primary key and unique constraints must include the partition key. Django keeps
`id` as the model's primary key (the ORM, the admin and DRF address a row by it) while the database's
`<table>_pkey` is (id, observed_at): ids still come from the one identity sequence of the parent, so they stay
unique, the database merely no longer proves it on its own. The idempotency constraint (sensor, observed_at)
already includes observed_at and keeps its name. Nothing references these tables (the conversion checks).

Partitions come from three places: the migration that converts a table (every month holding rows, this month
and two ahead), a beat task (this month and two ahead), and ingest itself, for any month a batch touches that has
none yet — a batch for a past month within retention. There is no DEFAULT partition: PostgreSQL scans the
default partition whenever a partition is added and refuses the new one if the default holds rows of its range,
so rows parked there would have to be moved out first, a second path for the same rows. Creating the month
first is one short statement, taken once per month and table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

KEY = "observed_at"
MONTHS_AHEAD = 2
# Maintenance DDL (a partition ahead, a dropped month) locks the parent table briefly; it gives up after this
# rather than make every ingest batch queue behind it while a long query holds the table (next run retries).
LOCK_TIMEOUT = "5s"

_BOUNDS = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime | None  # None: not a range partition we read (a DEFAULT one someone added by hand)
    end: datetime | None
    rows: int | None  # pg_class.reltuples, an estimate kept by ANALYZE; None before the first one


def month_of(moment: datetime) -> date:
    """The first day of the UTC month `moment` falls in."""
    utc = moment.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_from(first: date, last: date) -> list[date]:
    """Every month from `first` to `last`, both included."""
    months = []
    while first <= last:
        months.append(first)
        first = month_after(first)
    return months


def months_ahead(now: datetime, *, ahead: int = MONTHS_AHEAD) -> list[date]:
    """This month and `ahead` more."""
    months = [month_of(now)]
    for _ in range(ahead):
        months.append(month_after(months[-1]))
    return months


def month_bounds(month: date) -> tuple[datetime, datetime]:
    after = month_after(month)
    return datetime(month.year, month.month, 1, tzinfo=UTC), datetime(after.year, after.month, 1, tzinfo=UTC)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def quote(name: str) -> str:
    """An identifier for SQL (our own table names, never input)."""
    return '"' + name.replace('"', '""') + '"'


def partition_create_sql(table: str, month: date) -> str:
    start, end = month_bounds(month)
    return (
        f"CREATE TABLE IF NOT EXISTS {quote(partition_name(table, month))} PARTITION OF {quote(table)} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )


def partitions_missing(cursor: Any, *, table: str, months: Iterable[date]) -> list[date]:
    wanted = {partition_name(table, month): month for month in months}
    cursor.execute(
        "SELECT name FROM unnest(%s::text[]) AS name WHERE to_regclass(quote_ident(name)) IS NULL", [sorted(wanted)]
    )
    return sorted(wanted[name] for (name,) in cursor.fetchall())


def partitions_ensure(cursor: Any, *, table: str, months: Iterable[date]) -> list[date]:
    """Create the partitions of `table` for those of `months` that have none; returns the months created.

    One catalog query when all exist (the usual case). Call inside a transaction: two callers missing the same
    month queue on one advisory lock per table, and the second then finds the first's partition.
    """
    months = list(months)
    if not partitions_missing(cursor, table=table, months=months):
        return []
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"cityops.partitions:{table}"])
    missing = partitions_missing(cursor, table=table, months=months)
    for month in missing:
        cursor.execute(partition_create_sql(table, month))
    return missing


def partitions_list(cursor: Any, *, table: str) -> list[Partition]:
    """The partitions of `table`, oldest first, with their bounds and row estimates."""
    cursor.execute(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
        [quote(table)],
    )
    partitions = []
    for name, bound, reltuples in cursor.fetchall():
        found = _BOUNDS.search(bound or "")
        start, end = (datetime.fromisoformat(found[1]), datetime.fromisoformat(found[2])) if found else (None, None)
        partitions.append(Partition(name, start, end, int(reltuples) if reltuples >= 0 else None))
    return sorted(partitions, key=lambda p: (p.start is None, p.start or datetime.min.replace(tzinfo=UTC)))


def partition_count(cursor: Any, *, name: str) -> int:
    cursor.execute(f"SELECT count(*) FROM {quote(name)}")  # noqa: S608  (our partition's name)
    return int(cursor.fetchone()[0])


def partition_drop(cursor: Any, *, name: str) -> None:
    """Drop one partition (inside a transaction: the lock timeout is local to it). Deferred foreign-key checks
    of rows written earlier in the same transaction are run first: they would keep the table from being dropped."""
    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(f"DROP TABLE {quote(name)}")


def is_partitioned(cursor: Any, *, table: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [quote(table)])
    return cursor.fetchone() is not None


# --- Converting a plain table (a migration) --------------------------------------------------------------


def table_partition_by_month(cursor: Any, *, table: str, now: datetime) -> bool:
    """Turn the plain `table` into one partitioned by month on observed_at, keeping its rows and the names of its
    columns, identity sequence, constraints and indexes; False when it is partitioned already.

    A new partitioned table takes the old one's columns, defaults, identity and CHECK constraints (LIKE); the
    rows are copied into monthly partitions; the old table is dropped and its primary key (now with
    observed_at), unique and foreign-key constraints and other indexes are made again on the new one under
    their old names. Run inside the migration's transaction: a failure leaves the plain table as it was.
    """
    if is_partitioned(cursor, table=table):
        return False
    old = f"{table}__unpartitioned"
    constraints, indexes, sequence = _definitions(cursor, table)
    months = _months_with_rows(cursor, table) | set(months_ahead(now))
    q = quote
    # Deferred foreign-key checks of rows written earlier in this transaction would keep the old table from
    # being dropped: run them now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(old)}")
    cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {q(old + '_id_seq')}")
    cursor.execute(
        f"CREATE TABLE {q(table)} (LIKE {q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY "
        f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({KEY})"
    )
    for month in sorted(months):
        cursor.execute(partition_create_sql(table, month))
    cursor.execute(f"INSERT INTO {q(table)} SELECT * FROM {q(old)}")  # noqa: S608  (our table names)
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), last_value, is_called) FROM {q(old + '_id_seq')}",  # noqa: S608
        [q(table)],
    )
    cursor.execute(f"DROP TABLE {q(old)}")
    for name, kind, definition in constraints:
        if kind == "p":  # PRIMARY KEY (id) → PRIMARY KEY (id, observed_at)
            definition = definition.replace(")", f", {KEY})", 1)
        cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
    for definition in indexes:
        cursor.execute(re.sub(r" ON (ONLY )?\S+ USING ", f" ON {q(table)} USING ", definition, count=1))
    return True


def _definitions(cursor: Any, table: str) -> tuple[list[tuple[str, str, str]], list[str], str]:
    """(name, kind, definition) of the primary key, unique and foreign-key constraints; CREATE INDEX of the
    indexes that back no constraint; the identity sequence. Refuses a table something references."""
    cursor.execute(
        "SELECT conrelid::regclass::text FROM pg_constraint WHERE confrelid = to_regclass(%s)", [quote(table)]
    )
    if referencing := [row[0] for row in cursor.fetchall()]:
        raise RuntimeError(f"{table} cannot be partitioned: {', '.join(referencing)} reference it")
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'u', 'f') ORDER BY contype DESC, conname",
        [quote(table)],
    )
    constraints = list(cursor.fetchall())
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = to_regclass(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        [quote(table)],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [quote(table)])
    (sequence,) = cursor.fetchone()
    if sequence is None:
        raise RuntimeError(f"{table}.id has no sequence of its own")
    return constraints, indexes, sequence


def _months_with_rows(cursor: Any, table: str) -> set[date]:
    cursor.execute(f"SELECT DISTINCT date_trunc('month', {KEY} AT TIME ZONE 'UTC')::date FROM {quote(table)}")  # noqa: S608
    return {row[0] for row in cursor.fetchall()}


def tables_partition_by_month(schema_editor: Any, *tables: str) -> None:
    """The body of a migration's RunPython: PostgreSQL only (SQLite keeps plain tables)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.utils import timezone

    with schema_editor.connection.cursor() as cursor:
        for table in tables:
            table_partition_by_month(cursor, table=table, now=timezone.now())
