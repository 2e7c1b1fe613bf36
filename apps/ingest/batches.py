"""Batches of rows from machines: decoded and checked fast, rejected whole with every problem listed.

A batch is a JSON array of objects, or CSV with a header row. Each domain describes its rows as columns
(text, time, number or count, with limits). Two paths give the same answer:

- the fast path decodes JSON straight into typed rows in C (msgspec), with every type, limit and
  time-zone rule in the schema; a clean batch never makes a Python object per field;
- anything the fast path refuses — or CSV — goes row by row and collects *every* problem as
  {"index", "field", "message"}, so a sender can fix the whole batch at once.

The fast path accepts a subset of what the row-by-row path accepts, and yields the same values.

Input that is not even a batch never becomes a 500: bytes that are not UTF-8 (and escapes of NUL or of
half a surrogate pair) are text no database stores, told in their cell; arrays and objects nested deeper
than apps.core.parsers.MAX_JSON_DEPTH refuse the body before decoding (json recurses).
"""

from __future__ import annotations

import csv
import functools
import io
import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, get_args

import msgspec
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.core.parsers import JSONTooDeep, json_loads
from apps.ingest.lifecycle import raw_retention_cutoff

MAX_ROWS = 5000
MAX_FUTURE = timedelta(minutes=5)  # devices' clocks drift a little; more than this is refused
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # a year-1 date from a reset device is not a reading

Kind = Literal["text", "time", "number", "count"]


@dataclass(frozen=True)
class Column:
    """One field of a row: its kind (text, time with zone, number, whole count) and its limits."""

    name: str
    kind: Kind
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


class BatchTooLarge(ApplicationError):
    """More rows than one batch may carry (HTTP 413)."""


class BatchInvalid(ApplicationError):
    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(_("%(count)d problems in the batch; nothing was stored") % {"count": len(errors)})
        self.errors = sorted(errors, key=lambda e: (e.index, e.field))


@dataclass(frozen=True)
class Batch:
    """Checked rows, column by column: `batch["speed_kmh"][i]` is row i's value (None where it was bad)."""

    columns: dict[str, list[Any]]
    size: int
    refused: frozenset[tuple[int, str]] = frozenset()  # (row, column) of the cells refused by the column checks

    def __getitem__(self, name: str) -> list[Any]:
        return self.columns[name]


# A domain's own checks on a parsed batch (e.g. "is this sensor one of the token's source's"). Cells
# that failed the column checks are None and are skipped.
Check = Callable[[Batch], list[RowError]]


def batch_parse(*, body: bytes, content_type: str, columns: Sequence[Column], check: Check | None = None) -> Batch:
    """The checked rows of a request body. Raises BatchTooLarge (413), BatchInvalid (400 with every row's
    problems) or ApplicationError (400, the body is not a batch at all)."""
    content_type = content_type.lower()  # media types are case-insensitive (RFC 9110)
    batch = None if content_type.startswith("text/csv") else _fast(body, tuple(columns))
    errors: list[RowError] = []
    if batch is None:
        batch, errors = _row_by_row(_rows(body, content_type), columns)
    errors += check(batch) if check else []
    if errors:
        raise BatchInvalid(errors)
    return batch


def batch_of_rows(*, rows: Sequence[dict[str, Any]], columns: Sequence[Column], check: Check | None = None) -> Batch:
    """batch_parse for rows already in Python (simulators, imports): the row-by-row path."""
    if len(rows) > MAX_ROWS:
        raise BatchTooLarge(_("%(count)d rows; at most %(max)d per batch") % {"count": len(rows), "max": MAX_ROWS})
    batch, errors = _row_by_row(rows, columns)
    errors += check(batch) if check else []
    if errors:
        raise BatchInvalid(errors)
    return batch


def batch_read(
    *,
    body: bytes | None,
    content_type: str,
    rows: Sequence[dict[str, Any]] | None,
    columns: Sequence[Column],
    check: Check | None = None,
) -> Batch:
    """A feed's batch from a request body (batch_parse) or, without one, from rows in Python (batch_of_rows)."""
    if body is not None:
        return batch_parse(body=body, content_type=content_type, columns=columns, check=check)
    return batch_of_rows(rows=rows or [], columns=columns, check=check)


# --- The fast path ---------------------------------------------------------------------------------------


def _fast(body: bytes, columns: tuple[Column, ...]) -> Batch | None:
    try:
        rows = _decoder(columns).decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None  # the row-by-row path says where and why (RecursionError: an unknown field nests deep)
    if len(rows) > MAX_ROWS:
        raise BatchTooLarge(_("%(count)d rows; at most %(max)d per batch") % {"count": len(rows), "max": MAX_ROWS})
    data = {column.name: list(map(operator.attrgetter(column.name), rows)) for column in columns}
    now = timezone.now()
    for column in columns:
        values = [v for v in data[column.name] if v is not None] if not column.required else data[column.name]
        if column.kind == "text" and any(v != v.strip() or "\x00" in v for v in set(values)):
            return None  # the row-by-row path trims, as it does for CSV, and refuses NUL
        if column.kind == "time" and values and (min(values) < earliest(now) or max(values) > now + MAX_FUTURE):
            return None
    return Batch(columns=data, size=len(rows))


@functools.cache
def _decoder(columns: tuple[Column, ...]) -> msgspec.json.Decoder:
    fields = []
    for column in columns:
        kind = _FAST_TYPES[column.kind]
        cast = int if column.kind == "count" else float
        limits = {"ge": column.minimum, "le": column.maximum} if column.kind in ("number", "count") else {}
        bounds: dict[str, Any] = {k: cast(v) for k, v in limits.items() if v is not None}
        meta = msgspec.Meta(**bounds)
        # The row type is built at run time from the columns: a type checker cannot follow types made of values.
        annotated = Annotated[kind, meta]  # type: ignore[valid-type]
        fields.append((column.name, annotated) if column.required else (column.name, annotated | None, None))
    return msgspec.json.Decoder(list[msgspec.defstruct("Row", fields)])  # type: ignore[misc]


_FAST_TYPES: dict[str, Any] = {
    "text": Annotated[str, msgspec.Meta(min_length=1)],
    "time": Annotated[datetime, msgspec.Meta(tz=True)],
    "number": float,
    "count": int,
}


def row_struct(columns: Sequence[Column]) -> type[msgspec.Struct]:
    """A feed's row as the fast path decodes it: the msgspec Struct of its columns' types, limits and zones."""
    row: type[msgspec.Struct] = get_args(_decoder(tuple(columns)).type)[0]
    return row


def row_schema(columns: Sequence[Column]) -> dict[str, Any]:
    """The JSON Schema of a feed's row, made from its Struct, in OpenAPI 3.0's dialect (an optional column is
    `nullable`, not a union with a null type)."""
    _refs, components = msgspec.json.schema_components([row_struct(columns)], ref_template="{name}")
    schema = {key: value for key, value in components["Row"].items() if key != "title"}
    schema["properties"] = {name: _nullable(field) for name, field in schema["properties"].items()}
    return schema


def _nullable(field: dict[str, Any]) -> dict[str, Any]:
    types = field.get("anyOf", [])
    if {"type": "null"} not in types or len(types) != 2:
        return field
    (kind,) = [t for t in types if t != {"type": "null"}]
    return {**kind, "nullable": True}


def earliest(now: datetime) -> datetime:
    """The oldest time a row may carry: raw readings are kept CITYOPS_RAW_RETENTION_DAYS (apps/ingest/lifecycle.py),
    and an older one would land in a month already dropped — its minute recomputed from that one reading would
    overwrite the rollup that month's rows made."""
    return max(EARLIEST, raw_retention_cutoff(now))


# --- The row-by-row path ---------------------------------------------------------------------------------


def _rows(body: bytes, content_type: str) -> list[dict[str, Any]]:
    # Bytes that are not UTF-8 become lone surrogates, which parse_text refuses in their own cell.
    text = body.decode("utf-8-sig", "surrogateescape")
    if content_type.startswith("text/csv"):
        try:
            rows = list(csv.DictReader(io.StringIO(text)))
        except csv.Error as exc:
            raise ApplicationError(_("unreadable CSV: %(problem)s") % {"problem": exc}) from None
    else:
        try:
            rows = json_loads(text or "null", strict=False)  # NaN is refused in its cell
        except JSONTooDeep as exc:
            raise ApplicationError(str(exc)) from None
        except ValueError:
            raise ApplicationError(_("the body is not JSON: send an array of objects (or CSV as text/csv)")) from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ApplicationError(_("the body must be a JSON array of objects"))
    if len(rows) > MAX_ROWS:
        raise BatchTooLarge(_("%(count)d rows; at most %(max)d per batch") % {"count": len(rows), "max": MAX_ROWS})
    return rows


# What a byte that is not UTF-8 reads as (decoded with "surrogateescape"), and what a lone \ud800 escape gives.
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Bad(ValueError):
    """A value that cannot be read; its message is shown to the sender."""


def parse_number(value: Any) -> float:
    if isinstance(value, bool):
        raise _Bad(_("not a number"))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _Bad(_("not a valid value")) from None
    except OverflowError:  # an integer of hundreds of digits
        raise _Bad(_("not a finite number")) from None
    if not math.isfinite(number):
        raise _Bad(_("not a finite number"))
    return number


def parse_count(value: Any) -> int:
    number = parse_number(value)
    if not number.is_integer():
        raise _Bad(_("must be a whole number"))
    return int(number)


def parse_time(value: Any) -> datetime:
    try:
        moment = value if isinstance(value, datetime) else parse_datetime(str(value))
    except ValueError:
        moment = None
    if moment is None:
        raise _Bad(_("not an ISO 8601 date and time"))
    if timezone.is_naive(moment):
        raise _Bad(_("has no time zone (add Z or +08:00)"))
    try:
        moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00: no UTC date holds it
        raise _Bad(_("is before the year 2000")) from None
    if moment > timezone.now() + MAX_FUTURE:
        raise _Bad(_("is in the future"))
    if moment < EARLIEST:
        raise _Bad(_("is before the year 2000"))
    if moment < earliest(timezone.now()):
        days = settings.CITYOPS_RAW_RETENTION_DAYS
        raise _Bad(_("is older than the %(days)d days raw readings are kept") % {"days": days})
    return moment


def parse_text(value: Any) -> str:
    if isinstance(value, list | dict):
        raise _Bad(_("not a valid value"))
    text = str(value).strip()
    if not text:
        raise _Bad(_("is empty"))
    if "\x00" in text:
        raise _Bad(_("contains a NUL character"))
    if not text.isascii() and _SURROGATE.search(text):
        raise _Bad(_("is not valid UTF-8 text"))
    return text


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "text": parse_text,
    "time": parse_time,
    "number": parse_number,
    "count": parse_count,
}


def _row_by_row(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> tuple[Batch, list[RowError]]:
    data: dict[str, list[Any]] = {column.name: [] for column in columns}
    errors: list[RowError] = []
    for index, row in enumerate(rows):
        for column in columns:
            value = _cell(index, row.get(column.name), column, errors)
            data[column.name].append(value)
    return Batch(columns=data, size=len(rows), refused=frozenset((e.index, e.field) for e in errors)), errors


def _cell(index: int, raw: Any, column: Column, errors: list[RowError]) -> Any:
    if raw is None or raw == "":
        if column.required:
            errors.append(RowError(index, column.name, _("is required")))
        return None
    try:
        value = _PARSERS[column.kind](raw)
    except _Bad as exc:
        errors.append(RowError(index, column.name, str(exc)))
        return None
    if column.minimum is not None and value < column.minimum:
        errors.append(RowError(index, column.name, _("must be at least %(min)s") % {"min": f"{column.minimum:g}"}))
        return None
    if column.maximum is not None and value > column.maximum:
        errors.append(RowError(index, column.name, _("must be at most %(max)s") % {"max": f"{column.maximum:g}"}))
        return None
    return value
