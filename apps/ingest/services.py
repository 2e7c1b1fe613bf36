"""Ingest tokens and the shared batch machinery every domain's ingest endpoint uses.

A batch is a JSON array of objects or CSV with a header row. Every row is checked; a batch with any bad
row is rejected whole, listing every error as {"index", "field", "message"}, and nothing is stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.indicators.models import DataSource
from apps.ingest.models import IngestToken

TOKEN_PREFIX = "cio_"  # noqa: S105  (a recognisable prefix, not a secret)
MAX_ROWS = 5000
MAX_FUTURE = timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def ingest_token_create(*, source_code: str, name: str, user: Any = None) -> tuple[str, IngestToken]:
    """A new token for a data source; returns (the token, shown once, and its record)."""
    source = DataSource.objects.filter(code=source_code).first()
    if source is None:
        raise ApplicationError(f"no data source with the code {source_code!r}", fields={"source": ["unknown"]})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = IngestToken.objects.create(source=source, name=name, prefix=plain[:10], token_hash=_hash(plain))
    log_action(token, "ingest.token.create", user=user, data={"source": source_code, "name": name})
    return plain, token


def ingest_token_authenticate(*, token: str) -> IngestToken | None:
    """The active token record for a presented token, or None. Marks when it was last used."""
    record = IngestToken.objects.select_related("source").filter(token_hash=_hash(token), revoked_at=None).first()
    if record is not None:
        IngestToken.objects.filter(pk=record.pk).update(last_used_at=timezone.now())
    return record


# --- Batches ---------------------------------------------------------------------------------------------


class BatchTooLarge(ApplicationError):
    """More rows than one batch may carry (HTTP 413)."""


@dataclass(frozen=True)
class Column:
    """One field of a row: how to parse it and which values are allowed."""

    name: str
    parse: Callable[[Any], Any]
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class RowError:
    index: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


class BatchInvalid(ApplicationError):
    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} problems in the batch; nothing was stored")
        self.errors = list(errors)


def batch_rows(*, body: bytes, content_type: str) -> list[dict[str, Any]]:
    """Rows of a JSON array or a CSV table. Raises ApplicationError for unreadable bodies."""
    if content_type.startswith("text/csv"):
        try:
            rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ApplicationError(f"unreadable CSV: {exc}") from None
    else:
        try:
            rows = json.loads(body or b"null")
        except (UnicodeDecodeError, ValueError):
            raise ApplicationError("the body is not JSON: send an array of objects (or CSV as text/csv)") from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ApplicationError("the body must be a JSON array of objects")
    if len(rows) > MAX_ROWS:
        raise BatchTooLarge(f"{len(rows)} rows; at most {MAX_ROWS} per batch")
    return rows


def parse_number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("not a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def parse_time(value: Any) -> datetime:
    moment = parse_datetime(str(value)) if value is not None else None
    if moment is None:
        raise ValueError("not an ISO 8601 date and time")
    if timezone.is_naive(moment):
        raise ValueError("has no time zone (add Z or +08:00)")
    if moment > timezone.now() + MAX_FUTURE:
        raise ValueError("is in the future")
    return moment


def parse_text(value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("is empty")
    return text


def batch_validate(
    rows: Sequence[dict[str, Any]], columns: Sequence[Column]
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Parsed rows and every error (row index, field, message) — without raising, so all are reported."""
    parsed, errors = [], []
    for index, row in enumerate(rows):
        clean: dict[str, Any] = {}
        for column in columns:
            raw = row.get(column.name)
            if raw is None or raw == "":
                if column.required:
                    errors.append(RowError(index, column.name, "is required"))
                clean[column.name] = None
                continue
            try:
                value = column.parse(raw)
            except (TypeError, ValueError) as exc:
                message = str(exc) if str(exc).startswith(("is ", "has ", "not ")) else "not a valid value"
                errors.append(RowError(index, column.name, message))
                continue
            if column.minimum is not None and value < column.minimum:
                errors.append(RowError(index, column.name, f"must be at least {column.minimum:g}"))
            elif column.maximum is not None and value > column.maximum:
                errors.append(RowError(index, column.name, f"must be at most {column.maximum:g}"))
            clean[column.name] = value
        parsed.append(clean)
    return parsed, errors
