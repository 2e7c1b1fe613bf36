"""The raw data lifecycle: readings are kept `CITYOPS_RAW_RETENTION_DAYS`, their rollups for good.

Raw rows (what the feeds store: traffic readings, air and noise readings, capacity snapshots) are what the tick
recomputes indicator minutes and sensor health from; dashboards, the wall and open data read the rollups
(minute, hour and day buckets in apps/indicators), which retention never touches — they keep covering the years.

- PostgreSQL: monthly partitions (apps/ingest/partitions.py). A partition is dropped once its *whole* month is
  older than the cut-off (now − the retention period), so a month's rows stay until its last day has aged out:
  up to a month longer than the period, never shorter.
- SQLite: plain tables; rows older than the cut-off are deleted in chunks of CHUNK, each its own short write, so
  ingest never waits long for the file's one writer.

Ingest refuses readings older than the cut-off (apps/ingest/batches.py): their month may be gone already, and
the tick would recompute their minute from that one reading and overwrite the rollup the dropped rows made.

Every run goes to the audit trail ("ingest.raw_retention.run") with what it dropped per table.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import OperationalError, connection, models, transaction
from django.utils import timezone

from apps.ingest.feeds import feeds
from apps.ingest.partitions import (
    LOCK_TIMEOUT,
    month_of,
    months_ahead,
    months_from,
    partition_count,
    partition_drop,
    partitions_ensure,
    partitions_list,
)

logger = logging.getLogger(__name__)

CHUNK = 5000  # rows per DELETE on SQLite
RUN_ACTION = "ingest.raw_retention.run"
LOCK_NOT_AVAILABLE = "55P03"


def raw_models() -> list[type[models.Model]]:
    """The raw tables every registered feed stores into, in registration order."""
    return [apps.get_model(name) for feed in feeds() for name in feed.raw_models]


def raw_retention_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.CITYOPS_RAW_RETENTION_DAYS)


def raw_partitions_ensure(*, model: type[models.Model], moments: Collection[datetime]) -> None:
    """Before a batch of `model` rows is stored, inside its transaction: a partition for every month from the
    batch's earliest to its latest moment (PostgreSQL; nothing to do on SQLite). One catalog query when they
    exist; a missing month is created at once, so a reading for a past month within retention is stored."""
    if connection.vendor != "postgresql" or not moments:
        return
    months = months_from(month_of(min(moments)), month_of(max(moments)))
    with connection.cursor() as cursor:
        created = partitions_ensure(cursor, table=model._meta.db_table, months=months)
    if created:
        logger.info("%s: partitions created for %s", model._meta.label, ", ".join(f"{m:%Y-%m}" for m in created))


def raw_partitions_ahead(*, now: datetime | None = None) -> dict[str, list[str]]:
    """This month's and the next two months' partitions of every raw table; {model: months created}.
    Idempotent; nothing on SQLite. A table busy for longer than the lock timeout is left for the next run."""
    if connection.vendor != "postgresql":
        return {}
    months = months_ahead(now or timezone.now())
    created: dict[str, list[str]] = {}
    for model in raw_models():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                made = partitions_ensure(cursor, table=model._meta.db_table, months=months)
        except OperationalError as exc:
            _raise_unless_busy(exc, f"{model._meta.label}: partitions ahead")
            continue
        if made:
            created[model._meta.label] = [f"{m:%Y-%m}" for m in made]
    return created


def raw_retention_run(*, now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Drop (PostgreSQL) or delete (SQLite) raw rows past the retention period; logged to the audit trail, also
    when nothing was due. Returns {model: {"months": [...], "partitions": [...], "rows": n}} — on PostgreSQL
    the rows of a dropped partition are its estimate (pg_class.reltuples; counted when the table was never
    analysed), on SQLite the rows deleted.
    Idempotent: a second run finds nothing more."""
    cutoff = raw_retention_cutoff(now)
    expire = _partitions_drop if connection.vendor == "postgresql" else _rows_delete
    done = {model._meta.label: expire(model, cutoff) for model in raw_models()}
    from apps.core.audit import log_action

    data = {"cutoff": cutoff.isoformat(), "days": settings.CITYOPS_RAW_RETENTION_DAYS, "backend": connection.vendor}
    log_action(None, RUN_ACTION, data={**data, "tables": done})
    return done


def _partitions_drop(model: type[models.Model], cutoff: datetime) -> dict[str, Any]:
    """Drop each partition whose whole month ended before the cut-off, one short transaction each."""
    with connection.cursor() as cursor:
        expired = [p for p in partitions_list(cursor, table=model._meta.db_table) if p.end and p.end <= cutoff]
    done: dict[str, Any] = {"months": [], "partitions": [], "rows": 0}
    for partition in expired:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                rows = partition.rows if partition.rows is not None else partition_count(cursor, name=partition.name)
                partition_drop(cursor, name=partition.name)
        except OperationalError as exc:
            _raise_unless_busy(exc, f"{partition.name}: drop")
            continue
        done["months"].append(f"{partition.start:%Y-%m}")
        done["partitions"].append(partition.name)
        done["rows"] += rows
    return done


def _rows_delete(model: type[models.Model], cutoff: datetime) -> dict[str, Any]:
    """Delete the rows older than the cut-off, CHUNK at a time (found by a read, deleted by id in a short write)."""
    deleted = 0
    rows = model._default_manager  # any raw model (each has only `objects`)
    while ids := list(rows.filter(observed_at__lt=cutoff).values_list("id", flat=True)[:CHUNK]):
        with transaction.atomic():
            deleted += rows.filter(id__in=ids).delete()[0]
    return {"months": [], "partitions": [], "rows": deleted}


def _raise_unless_busy(exc: OperationalError, what: str) -> None:
    """A lock timeout is logged and left for the next run; any other error is raised."""
    if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
        raise exc
    logger.warning("%s: the table stayed locked for %s; the next run tries again", what, LOCK_TIMEOUT)
