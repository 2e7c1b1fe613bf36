"""Observations read straight from the raw reading tables, the query options done in SQL.

A *source* is one quantity (a column of one reading table), narrowed to some things: `/Observations` reads every
quantity the caller may see, `Datastreams(id)/Observations` one quantity of one thing. For each source the filter,
order, key-set position and limit go into one SQL statement (`… WHERE station_id = ? AND pm25 IS NOT NULL AND
observed_at >= ? ORDER BY observed_at, id LIMIT 101`), and the sources' pages are merged by the same order. No
table is read whole: a page costs its rows, and the next page starts after the last row sent (`$skiptoken`, the
key of that row), not by counting rows again from the start (an `OFFSET` grows with every page).

Default order: `phenomenonTime` then `@iot.id` for the observations of one thing; `@iot.id` for the whole set (the
primary key's index). Observation properties in filters: phenomenonTime, result, resultTime (always null: CityOps
does not store when a result was produced), @iot.id; expressions over `Datastream/…` or `FeatureOfInterest/…` are
decided per thing (e.g. `st_within(FeatureOfInterest/feature, geography'POLYGON((…))')`).
"""

from __future__ import annotations

import base64
import heapq
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import DateTimeField, ExpressionWrapper, F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Extract, Mod, NullIf
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.sensorthings.mapping import MAX_ID, Quantity, Rec, observation_id
from apps.sensorthings.query import Options, StaError, bad, compare, evaluate, paths_in
from apps.sensorthings.times import iso

OWN = {"phenomenonTime", "resultTime", "result", "@iot.id", "validTime", "resultQuality", "parameters"}
NULL_PROPERTIES = {"resultTime", "validTime", "resultQuality", "parameters"}  # not stored: always null
THING_LEVEL = {"Datastream", "FeatureOfInterest"}
LOOKUPS = {"eq": Exact, "gt": GreaterThan, "ge": GreaterThanOrEqual, "lt": LessThan, "le": LessThanOrEqual}
EXTRACTS = {"year", "month", "day", "hour", "minute", "second"}
MAX_MERGED_SKIP = 10_000  # $skip over several sources reads that many rows of each: deeper pages by $skiptoken


@dataclass(frozen=True)
class Source:
    quantity: Quantity
    thing_pks: frozenset[int] | None  # None: every thing of the kind (a public kind, not narrowed)

    def rows(self) -> QuerySet[Any]:
        q = self.quantity
        rows = q.reading._default_manager.filter(**{f"{q.column}__isnull": False})
        if self.thing_pks is not None:
            rows = rows.filter(**{f"{q.fk}_id__in": sorted(self.thing_pks)})
        return rows


# (node) → the pks of the things of this source's quantity for which a thing-level expression holds
ThingTest = Callable[[Any, Source], set[int]]


# --- $filter → SQL ------------------------------------------------------------------------------------------------


def filter_q(node: Any, source: Source, things: ThingTest) -> Q | bool:
    paths = paths_in(node)
    if paths and all(p[0] in THING_LEVEL for p in paths):
        return Q(**{f"{source.quantity.fk}_id__in": sorted(things(node, source))})
    kind = node[0]
    if kind == "lit":
        if isinstance(node[1], bool):
            return node[1]
        raise bad("a $filter must be a condition, not a value")
    if kind in ("and", "or"):
        a, b = filter_q(node[1], source, things), filter_q(node[2], source, things)
        if kind == "and":
            return _and(a, b)
        return _or(a, b)
    if kind == "not":
        a = filter_q(node[1], source, things)
        return (not a) if isinstance(a, bool) else ~a
    if kind == "cmp":
        return _comparison(node[1], node[2], node[3], source)
    if kind == "call":
        raise bad(f"the function {node[1]} is not supported on Observation properties in $filter")
    raise bad("a $filter must be a condition")


def _and(a: Q | bool, b: Q | bool) -> Q | bool:
    if a is False or b is False:
        return False
    if a is True:
        return b
    if b is True:
        return a
    return a & b


def _or(a: Q | bool, b: Q | bool) -> Q | bool:
    if a is True or b is True:
        return True
    if a is False:
        return b
    if b is False:
        return a
    return a | b


def _comparison(op: str, a: Any, b: Any, source: Source) -> Q | bool:
    a, b = _fold(_nulls(a)), _fold(_nulls(b))
    if a[0] == "lit" and b[0] == "lit":
        return compare(op, a[1], b[1])
    if b == ("path", ["@iot.id"]) and a[0] == "lit":
        a, b, op = b, a, {"gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}.get(op, op)
    if a == ("path", ["@iot.id"]) and b[0] == "lit":
        return _id_q(op, b[1], source.quantity)
    if ("lit", None) in (a, b):  # a stored value compared with null: eq never holds, ne always does
        return op == "ne"
    (lhs, left), (rhs, right) = _expression(a, source), _expression(b, source)
    if left != right:
        raise bad(f"$filter compares a {left} with a {right} ({op})")
    if op == "ne":
        return ~Q(Exact(lhs, rhs))
    return Q(LOOKUPS[op](lhs, rhs))


def _fold(node: Any) -> Any:
    """An expression of no property (`now() sub duration'P1D'`, `mindatetime()`) as its value, computed once."""
    if node[0] in ("arith", "call") and not paths_in(node):
        return ("lit", evaluate(node, lambda path: [None]))
    return node


def _nulls(node: Any) -> Any:
    if node[0] == "path" and node[1][0] in NULL_PROPERTIES:
        return ("lit", None)
    return node


def _expression(node: Any, source: Source) -> tuple[Any, str]:
    """The SQL expression of a value and its type ("time" or "number"): a mismatch is the caller's 400, not the
    database's error."""
    kind = node[0]
    if kind == "lit":
        value = node[1]
        if isinstance(value, str) and (moment := parse_datetime(value)) is not None and timezone.is_aware(moment):
            value = moment
        if isinstance(value, datetime):
            return Value(value, output_field=DateTimeField()), "time"
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Value(float(value), output_field=FloatField()), "number"
        if isinstance(value, date):
            raise bad(f"{value.isoformat()} is a date: phenomenonTime compares with a date and time with a zone, e.g. "
                      f"{value.isoformat()}T00:00:00+08:00")  # fmt: skip
        if isinstance(value, timedelta):
            raise bad("a duration compares with nothing stored: add it to a time, e.g. now() sub duration'P1D'")
        shown = value if isinstance(value, str) else type(value).__name__
        raise bad(f"Observations' properties compare with numbers and times, not {shown!r}")
    if kind == "path":
        column = _column(node[1], source)
        return F(column), ("time" if column == "observed_at" else "number")
    if kind in ("arith", "call") and not paths_in(node):
        return _expression(_fold(node), source)
    if kind == "arith":
        (lhs, left), (rhs, right) = _expression(node[2], source), _expression(node[3], source)
        if left != "number" or right != "number":
            raise bad(f"{node[1]} takes numbers")
        if node[1] in ("div", "mod"):
            rhs = NullIf(rhs, Value(0.0, output_field=FloatField()))  # by zero: null, which no comparison holds
        if node[1] == "mod":  # Mod: PostgreSQL has no % of double precision
            combined = Mod(ExpressionWrapper(lhs, output_field=FloatField()), rhs)
        else:
            combined = {"add": lhs + rhs, "sub": lhs - rhs, "mul": lhs * rhs, "div": lhs / rhs}[node[1]]
        return ExpressionWrapper(combined, output_field=FloatField()), "number"
    if kind == "call" and node[1] in EXTRACTS:
        argument, of = _expression(node[2][0], source)
        if of != "time":
            raise bad(f"{node[1]} takes a date and time")
        return Extract(argument, node[1], tzinfo=UTC), "number"  # times are answered in UTC
    if kind == "call":
        raise bad(f"the function {node[1]} is not supported on Observation properties in $filter")
    raise bad("a comparison takes values, not conditions")


def _column(path: list[str], source: Source) -> str:
    if path == ["phenomenonTime"]:
        return "observed_at"
    if path == ["result"]:
        return source.quantity.column
    if path == ["@iot.id"]:
        raise bad("@iot.id compares with a whole number only")
    name = "/".join(path)
    if path[0] in OWN:
        raise bad(f"Observations cannot be filtered on {name}")
    raise bad(f"Observations cannot be filtered on {name}: use phenomenonTime, result, resultTime, @iot.id, "
              "Datastream/… or FeatureOfInterest/…")  # fmt: skip


def _id_q(op: str, value: Any, quantity: Quantity) -> Q | bool:
    """An @iot.id comparison as one on the row's primary key (id = pk × 100 + q)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise bad("@iot.id compares with a whole number only")
    if not 0 <= value <= MAX_ID:  # beyond every id (and every database integer): decided here
        above = value > MAX_ID
        return {"eq": False, "ne": True, "gt": not above, "ge": not above, "lt": above, "le": above}[op]
    exact, below = divmod(value - quantity.code, 100)
    if op in ("eq", "ne"):
        same = Q(pk=exact) if below == 0 else False
        return same if op == "eq" else (~same if isinstance(same, Q) else True)
    # pk*100+q > value ⟺ pk > floor((value-q)/100); < value ⟺ pk < ceil((value-q)/100)
    ceil = exact + (1 if below else 0)
    return {"gt": Q(pk__gt=exact), "ge": Q(pk__gte=ceil), "lt": Q(pk__lt=ceil), "le": Q(pk__lte=exact)}[op]


# --- Order and key-set paging -------------------------------------------------------------------------------------

ORDERABLE = {"phenomenonTime": "observed_at", "result": None, "@iot.id": "pk", "resultTime": "-"}


def order_keys(options: Options, *, default_time: bool) -> list[tuple[str, bool]]:
    """[(property, descending)], ending with @iot.id (a total order, so a page boundary is one row)."""
    keys: list[tuple[str, bool]] = []
    for path, descending in options.orderby:
        name = "/".join(path)
        if name not in ORDERABLE:
            raise bad(f"Observations cannot be ordered by {name}: use phenomenonTime, result or @iot.id")
        if name != "resultTime" and name not in [k for k, _d in keys]:  # resultTime: always null, no order
            keys.append((name, descending))
    if not keys and default_time:
        keys.append(("phenomenonTime", False))
    if not keys or keys[-1][0] != "@iot.id":
        keys = [k for k in keys if k[0] != "@iot.id"] + [("@iot.id", dict(keys).get("@iot.id", False))]
    return keys


def _sql_name(name: str, source: Source) -> str:
    return {"phenomenonTime": "observed_at", "result": source.quantity.column, "@iot.id": "pk"}[name]


def _after_q(keys: list[tuple[str, bool]], values: list[Any], source: Source) -> Q | bool:
    """Rows after the given key in the order `keys` (lexicographic, each key in its direction)."""
    result: Q | bool = False
    equal: Q | bool = True
    for (name, descending), value in zip(keys, values, strict=True):
        if name == "@iot.id":
            step = _id_q("lt" if descending else "gt", value, source.quantity)
            return _or(result, _and(equal, step))
        column = _sql_name(name, source)
        step = Q(**{f"{column}__{'lt' if descending else 'gt'}": value})
        result = _or(result, _and(equal, step))
        equal = _and(equal, Q(**{column: value}))
    return result


def token_encode(values: list[Any]) -> str:
    plain = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def token_decode(token: str, keys: list[tuple[str, bool]]) -> list[Any]:
    try:
        plain = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        values = [datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in plain]
    except (ValueError, TypeError, KeyError):
        raise bad("malformed $skiptoken: follow @iot.nextLink as given") from None
    kinds = {"phenomenonTime": datetime, "result": int | float, "@iot.id": int}
    if len(values) != len(keys) or not all(
        isinstance(v, kinds[name]) and not isinstance(v, bool) for (name, _d), v in zip(keys, values, strict=False)
    ):
        raise bad("$skiptoken does not fit this $orderby: follow @iot.nextLink as given")
    if any(isinstance(v, datetime) and (timezone.is_naive(v) or not _in_range(v)) for v in values):
        raise bad("malformed $skiptoken: follow @iot.nextLink as given")
    return values


def _in_range(moment: datetime) -> bool:
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


def _time_is_unique(keys: list[tuple[str, bool]], source: Source) -> bool:
    """Whether the order is total without the id: one thing's rows of one table are unique by time."""
    return source.thing_pks is not None and len(source.thing_pks) == 1 and "phenomenonTime" in dict(keys)


def _merge_key(keys: list[tuple[str, bool]], values: list[Any]) -> tuple[Any, ...]:
    key = []
    for (_name, descending), value in zip(keys, values, strict=True):
        number = value.timestamp() if isinstance(value, datetime) else value
        key.append(-number if descending else number)
    return tuple(key)


# --- Reading a page -----------------------------------------------------------------------------------------------


@dataclass
class Page:
    recs: list[Rec]
    count: int | None
    next_token: str | None  # the key of the last row sent, when more rows follow


def observations_page(sources: list[Source], options: Options, things: ThingTest, *, default_time: bool) -> Page:
    keys = order_keys(options, default_time=default_time)
    after = token_decode(options.skiptoken, keys) if options.skiptoken else None
    wanted = options.skip + options.top
    prepared, count = [], 0
    for source in sources:
        condition = filter_q(options.filter, source, things) if options.filter is not None else True
        if condition is False:
            continue
        rows = source.rows()
        if condition is not True:
            rows = rows.filter(condition)
        if options.count:
            count += rows.count()
        if after is not None:
            position = _after_q(keys, after, source)
            if position is False:
                continue
            if position is not True:
                rows = rows.filter(position)
            if keys[0][0] != "@iot.id":  # a bound on the first key alone, which an index can seek to
                rows = rows.filter(**{f"{_sql_name(keys[0][0], source)}__{'lte' if keys[0][1] else 'gte'}": after[0]})
        sql_keys = keys
        if _time_is_unique(keys, source):  # one thing's rows: one per time, the id adds nothing to the order
            sql_keys = keys[: [n for n, _d in keys].index("phenomenonTime") + 1]
        order = [F(_sql_name(n, source)).desc() if d else F(_sql_name(n, source)).asc() for n, d in sql_keys]
        q = source.quantity
        prepared.append((q, rows.order_by(*order).values_list("pk", f"{q.fk}_id", "observed_at", q.column)))
    if len(prepared) == 1:  # one statement does it all, $skip as its OFFSET
        q, rows = prepared[0]
        fetched = [_rec(q, row, keys) for row in rows[options.skip : wanted + 1]]
        more = len(fetched) > options.top
        page = [rec for _key, rec in fetched[: options.top]]
    else:  # each source's first rows in the order, merged: $skip rows of each are read, so $skip is bounded
        if options.skip > MAX_MERGED_SKIP:
            raise bad(f"$skip above {MAX_MERGED_SKIP:,} over several Datastreams: follow @iot.nextLink, which "
                      "starts each page where the last one ended")  # fmt: skip
        streams = [[_rec(q, row, keys) for row in rows[: wanted + 1]] for q, rows in prepared]
        merged = list(heapq.merge(*streams, key=lambda pair: pair[0]))
        more = len(merged) > wanted
        page = [rec for _key, rec in merged[options.skip : wanted]]
    token = token_encode(page[-1].extra["key"]) if more and page else None
    return Page(page, count if options.count else None, token)


def _rec(quantity: Quantity, row: tuple[Any, ...], keys: list[tuple[str, bool]]) -> tuple[tuple[Any, ...], Rec]:
    pk, thing_pk, observed_at, value = row
    iot_id = observation_id(quantity, pk)
    result = int(value) if quantity.count else value
    values = {"phenomenonTime": observed_at, "result": result, "@iot.id": iot_id}
    key_values = [values[name] for name, _d in keys]
    props = {"phenomenonTime": iso(observed_at), "resultTime": None, "result": result}
    rec = Rec("Observations", iot_id, props, quantity=quantity, kind=quantity.kind,
              extra={"thing_pk": thing_pk, "row_pk": pk, "key": key_values})  # fmt: skip
    return _merge_key(keys, key_values), rec


def observation_get(source: Source, row_pk: int) -> Rec | None:
    q = source.quantity
    row = source.rows().filter(pk=row_pk).values_list("pk", f"{q.fk}_id", "observed_at", q.column).first()
    return _rec(q, row, [("@iot.id", False)])[1] if row else None


__all__ = ["Page", "Source", "StaError", "observation_get", "observations_page"]
