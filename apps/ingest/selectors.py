"""What the stewards' page shows of the raw tables: their partitions, sizes and the last retention run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.db import connection
from django.utils.functional import Promise

from apps.core.models import AuditLog
from apps.ingest.lifecycle import RUN_ACTION, raw_models
from apps.ingest.partitions import Partition, partitions_list


@dataclass(frozen=True)
class RawTable:
    label: str  # "traffic.TrafficReading"
    name: str | Promise  # the model's verbose plural, in the reader's language
    table: str
    partitioned: bool
    partitions: tuple[Partition, ...]

    @property
    def rows(self) -> int | None:
        """Estimated rows over every partition (None when none was estimated yet)."""
        known = [p.rows for p in self.partitions if p.rows is not None]
        return sum(known) if known else None

    @property
    def first_month(self) -> datetime | None:
        """The start of the oldest month with a partition."""
        return min((p.start for p in self.partitions if p.start), default=None)

    @property
    def last_month(self) -> datetime | None:
        """The start of the newest month with a partition (made ahead: a month or two from now)."""
        return max((p.start for p in self.partitions if p.start), default=None)


@dataclass(frozen=True)
class RetentionRun:
    at: datetime
    cutoff: datetime | None
    tables: tuple[tuple[str | Promise, dict[str, Any]], ...]  # (name, {"months", "partitions", "rows"})


def raw_tables() -> list[RawTable]:
    """Each raw table with its partitions (PostgreSQL; a plain table on SQLite has none)."""
    partitioned = connection.vendor == "postgresql"
    out = []
    for model in raw_models():
        table = model._meta.db_table
        partitions: tuple[Partition, ...] = ()
        if partitioned:
            with connection.cursor() as cursor:
                partitions = tuple(partitions_list(cursor, table=table))
        # Django always fills in verbose_name_plural (from verbose_name when a model gives none).
        name = cast(str | Promise, model._meta.verbose_name_plural)
        out.append(RawTable(model._meta.label, name, table, partitioned, partitions))
    return out


def raw_retention_last() -> RetentionRun | None:
    entry = AuditLog.objects.filter(action=RUN_ACTION).order_by("-created_at", "-id").first()
    if entry is None:
        return None
    names = {model._meta.label: model._meta.verbose_name_plural for model in raw_models()}
    tables = tuple((names.get(label, label), done) for label, done in entry.data.get("tables", {}).items())
    cutoff = entry.data.get("cutoff")
    return RetentionRun(at=entry.created_at, cutoff=datetime.fromisoformat(cutoff) if cutoff else None, tables=tables)
