"""The query options of SensorThings 1.1 (OData-style): parsed into plain trees, evaluated in Python for the small
entity sets and turned into SQL for Observations (apps/sensorthings/observations.py).

Every problem is a StaError naming what is wrong or unsupported (400), never a 500.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime, parse_duration

DEFAULT_TOP = 100  # entities per page when $top is not given
MAX_TOP = 1000  # a larger $top is answered with this many and an @iot.nextLink
MAX_EXPAND_DEPTH = 4


class StaError(Exception):
    def __init__(self, status: int, message: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def bad(message: str) -> StaError:
    return StaError(400, message)


# --- Options ------------------------------------------------------------------------------------------------------


@dataclass
class Expand:
    nav: str
    options: Options


@dataclass
class Options:
    filter: Any = None
    count: bool = False
    orderby: list[tuple[list[str], bool]] = field(default_factory=list)  # (path, descending)
    skip: int = 0
    top: int = DEFAULT_TOP
    top_given: bool = False
    select: list[str] | None = None
    expand: list[Expand] = field(default_factory=list)
    skiptoken: str = ""
    raw: dict[str, str] = field(default_factory=dict)  # as given, for the next page's link


KNOWN = {"$filter", "$count", "$orderby", "$skip", "$top", "$select", "$expand", "$skiptoken"}
NOT_IMPLEMENTED = {"$resultFormat": "the dataArray result format", "$search": "$search", "$format": "$format",
                   "$levels": "$levels", "$apply": "$apply"}  # fmt: skip


def options_parse(params: dict[str, str], *, depth: int = 0) -> Options:
    """Options from {"$filter": text, …} (a query string's, or one $expand item's)."""
    for name in params:
        if name in NOT_IMPLEMENTED:
            raise bad(f"{name} is not supported by this service ({NOT_IMPLEMENTED[name]})")
        if name.startswith("$") and name not in KNOWN:
            raise bad(f"unknown or unsupported query option {name}")
    options = Options(raw=dict(params))
    if "$filter" in params:
        options.filter = filter_parse(params["$filter"])
    if "$count" in params:
        value = params["$count"].strip().lower()
        if value not in ("true", "false"):
            raise bad("$count must be true or false")
        options.count = value == "true"
    if "$orderby" in params:
        options.orderby = orderby_parse(params["$orderby"])
    if "$skip" in params:
        options.skip = _whole(params["$skip"], "$skip")
    if "$top" in params:
        options.top = min(_whole(params["$top"], "$top"), MAX_TOP)
        options.top_given = True
    if "$select" in params:
        names = [n.strip() for n in params["$select"].split(",")]
        if not all(re.fullmatch(r"@?[A-Za-z][\w.]*", n) for n in names):
            raise bad(f"malformed $select: {params['$select']!r}")
        options.select = ["@iot.id" if n == "id" else n for n in names]
    if "$expand" in params:
        if depth >= MAX_EXPAND_DEPTH:
            raise bad(f"$expand nested deeper than {MAX_EXPAND_DEPTH} levels")
        options.expand = expand_parse(params["$expand"], depth=depth)
    options.skiptoken = params.get("$skiptoken", "")
    return options


def _whole(text: str, name: str) -> int:
    if not re.fullmatch(r"\s*\d{1,9}\s*", text):
        raise bad(f"{name} must be a whole number ≥ 0")
    return int(text)


def _split_top(text: str, sep: str) -> list[str]:
    """Split at `sep` outside parentheses and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
            if depth < 0:
                raise bad(f"unbalanced parentheses in {text!r}")
        elif not quoted and depth == 0 and ch == sep:
            parts.append(text[start:i])
            start = i + 1
    if depth or quoted:
        raise bad(f"unbalanced parentheses or quotes in {text!r}")
    parts.append(text[start:])
    return parts


MAX_EXPAND_ITEMS = 10  # navigation properties expanded side by side at one level


def expand_parse(text: str, *, depth: int = 0) -> list[Expand]:
    found: list[Expand] = []
    items = _split_top(text, ",")
    if len(items) > MAX_EXPAND_ITEMS:
        raise bad(f"$expand names more than {MAX_EXPAND_ITEMS} navigation properties")
    for item in items:
        item = item.strip()
        match = re.fullmatch(r"([A-Za-z]+(?:/[A-Za-z]+)*)\s*(?:\((.*)\))?", item, re.S)
        if not match:
            raise bad(f"malformed $expand item {item!r}")
        path, inner = match.group(1).split("/"), match.group(2)
        params: dict[str, str] = {}
        if inner is not None and inner.strip():
            for option in _split_top(inner, ";"):
                name, eq, value = option.partition("=")
                if not eq:
                    raise bad(f"malformed option {option!r} in $expand")
                params[name.strip()] = value
        levels = depth + len(path)  # Datastreams/Thing/Datastreams is three levels, as nested $expand would be
        if levels > MAX_EXPAND_DEPTH:
            raise bad(f"$expand nested deeper than {MAX_EXPAND_DEPTH} levels")
        options = options_parse(params, depth=levels)
        # Datastreams/Observations: Observations expanded inside Datastreams
        for nav in reversed(path[1:]):
            options = Options(expand=[Expand(nav, options)])
        found.append(Expand(path[0], options))
    return found


def orderby_parse(text: str) -> list[tuple[list[str], bool]]:
    found = []
    for item in _split_top(text, ","):
        match = re.fullmatch(r"\s*(@?[A-Za-z][\w./@]*)(?:\s+(asc|desc))?\s*", item, re.I)
        if not match:
            raise bad(f"malformed $orderby item {item!r}")
        found.append((_path(match.group(1)), (match.group(2) or "").lower() == "desc"))
    return found


def _path(text: str) -> list[str]:
    return ["@iot.id" if part in ("id", "@iot.id") else part for part in text.split("/")]


# --- $filter ------------------------------------------------------------------------------------------------------

COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
ARITHMETIC = {"add", "sub", "mul", "div", "mod"}
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<geo>geography|geometry)'(?P<wkt>[^']*)'
  | duration'(?P<duration>[^']*)'
  | '(?P<str>(?:[^']|'')*)'
  | (?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\d:T])
  | (?P<tod>\d{2}:\d{2}:\d{2}(?:\.\d+)?)
  | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_@][\w.@]*(?:/[A-Za-z_@][\w.@]*)*)
  | (?P<punct>[(),])
    )""",
    re.X,
)


def _tokens(text: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise bad(f"malformed $filter at position {pos}: {text[pos : pos + 20]!r}")
        pos = match.end()
        kind = match.lastgroup
        if kind == "wkt":
            found.append(("lit", ("geo", _wkt(match.group("wkt")))))
        elif kind == "str":
            found.append(("lit", match.group("str").replace("''", "'")))
        elif kind == "time":
            found.append(("lit", _datetime(match.group("time"))))
        elif kind == "date":
            found.append(("lit", _date(match.group("date"))))
        elif kind == "tod":
            found.append(("lit", _time_of_day(match.group("tod"))))
        elif kind == "duration":
            found.append(("lit", _duration(match.group("duration"))))
        elif kind == "num":
            number = match.group("num")
            value = float(number) if any(c in number for c in ".eE") else int(number)
            found.append(("lit", float(value) if abs(value) > 2**53 else value))  # no database integer overflows
        elif kind == "name":
            found.append(("name", match.group("name")))
        else:
            found.append(("punct", match.group("punct")))
    return found


def _datetime(text: str) -> datetime:
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise bad(f"not a date and time: {text}")
    if timezone.is_naive(moment):  # as creating refuses one: a local time read as UTC would be 8 hours off
        raise bad(f"{text} has no time zone (add Z or +08:00)")
    utc(moment)  # one no UTC date holds is a 400 here, not an overflow in SQL
    return moment


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise bad(f"not a date: {text}") from None


def _time_of_day(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise bad(f"not a time of day: {text}") from None


def _duration(text: str) -> timedelta:
    """duration'P1D', duration'PT1H30M' (ISO 8601 days, hours, minutes, seconds: a month or year is no fixed
    length)."""
    found = parse_duration(text) if text.startswith(("P", "-P")) else None
    if found is None:
        raise bad(f"not an ISO 8601 duration in days, hours, minutes and seconds: duration'{text}' (e.g. P1D, PT6H)")
    return found


def _wkt(text: str) -> Any:
    from shapely import wkt
    from shapely.errors import ShapelyError

    try:
        geometry = wkt.loads(text)
    except (ShapelyError, ValueError, TypeError):
        raise bad(f"not a WKT geometry: {text!r}") from None
    if geometry.is_empty:
        raise bad(f"an empty geometry: {text!r}")
    return geometry


FUNCTIONS = {
    # strings
    "substringof": 2, "contains": 2, "startswith": 2, "endswith": 2, "length": 1, "tolower": 1, "toupper": 1,
    "trim": 1, "concat": 2, "indexof": 2,
    "substring": (2, 3),
    # dates
    "year": 1, "month": 1, "day": 1, "hour": 1, "minute": 1, "second": 1, "fractionalseconds": 1, "date": 1,
    "time": 1, "totaloffsetminutes": 1, "now": 0, "mindatetime": 0, "maxdatetime": 0,
    # maths
    "round": 1, "floor": 1, "ceiling": 1,
    # geospatial
    "geo.intersects": 2, "geo.distance": 2, "geo.length": 1, "st_within": 2, "st_intersects": 2, "st_contains": 2,
    "st_disjoint": 2, "st_equals": 2, "st_touches": 2, "st_overlaps": 2, "st_crosses": 2, "st_relate": 3,
}  # fmt: skip


MAX_TOKENS = 300  # far beyond any real filter (a polygon is one token); bounds the trees evaluated recursively
MAX_NESTING = 40  # parentheses, calls and nots inside each other


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        if len(self.tokens) > MAX_TOKENS:
            raise bad(f"$filter has more than {MAX_TOKENS} terms")
        self.pos = 0
        self.nesting = 0

    def enter(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise bad(f"$filter nested deeper than {MAX_NESTING} levels")

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        if token is None:
            raise bad("$filter ends too early")
        self.pos += 1
        return token

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token and token[0] == "name" and token[1] in words:
            self.pos += 1
            return str(token[1])
        return None

    def expect(self, punct: str) -> None:
        if self.peek() is None:
            raise bad(f"$filter: missing {punct!r} (unbalanced parentheses)")
        token = self.take()
        if token != ("punct", punct):
            raise bad(f"$filter: expected {punct!r}, found {token[1]!r}")

    def parse(self) -> Any:
        node = self.or_()
        if self.peek() is not None:
            raise bad(f"$filter: unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def or_(self) -> Any:
        node = self.and_()
        while self.keyword("or"):
            node = ("or", node, self.and_())
        return node

    def and_(self) -> Any:
        node = self.not_()
        while self.keyword("and"):
            node = ("and", node, self.not_())
        return node

    def not_(self) -> Any:
        if self.keyword("not"):
            self.enter()
            node = ("not", self.not_())
            self.nesting -= 1
            return node
        return self.comparison()

    def comparison(self) -> Any:
        node = self.additive()
        op = self.keyword(*COMPARISONS)
        if op:
            node = ("cmp", op, node, self.additive())
        elif (token := self.peek()) and token[0] == "name" and token[1] in ("has", "in"):
            raise bad(f"the {token[1]} operator is not supported")
        return node

    def additive(self) -> Any:
        node = self.multiplicative()
        while op := self.keyword("add", "sub"):
            node = ("arith", op, node, self.multiplicative())
        return node

    def multiplicative(self) -> Any:
        node = self.primary()
        while op := self.keyword("mul", "div", "mod"):
            node = ("arith", op, node, self.primary())
        return node

    def primary(self) -> Any:
        token = self.take()
        if token == ("punct", "("):
            self.enter()
            node = self.or_()
            self.expect(")")
            self.nesting -= 1
            return node
        if token[0] == "lit":
            return ("lit", token[1])
        if token[0] == "name":
            name = token[1]
            if name in ("true", "false"):
                return ("lit", name == "true")
            if name == "null":
                return ("lit", None)
            if self.peek() == ("punct", "("):
                return self.call(name)
            if name in COMPARISONS | ARITHMETIC | {"and", "or", "not"}:
                raise bad(f"$filter: {name} needs an operand before it")
            return ("path", _path(name))
        raise bad(f"$filter: unexpected {token[1]!r}")

    def call(self, name: str) -> Any:
        if name not in FUNCTIONS:
            raise bad(f"the function {name} is not supported")
        self.expect("(")
        self.enter()
        args = []
        if self.peek() != ("punct", ")"):
            args.append(self.or_())
            while self.peek() == ("punct", ","):
                self.take()
                args.append(self.or_())
        self.expect(")")
        self.nesting -= 1
        arity = FUNCTIONS[name]
        if len(args) not in (arity if isinstance(arity, tuple) else (arity,)):
            told = " or ".join(map(str, arity)) if isinstance(arity, tuple) else arity
            raise bad(f"the function {name} takes {told} argument(s), not {len(args)}")
        return ("call", name, args)


def filter_parse(text: str) -> Any:
    if not text.strip():
        raise bad("$filter is empty")
    return _Parser(text).parse()


def paths_in(node: Any) -> list[list[str]]:
    """Every property path the expression reads."""
    if node[0] == "path":
        return [node[1]]
    if node[0] == "lit":
        return []
    if node[0] == "call":
        return [p for arg in node[2] for p in paths_in(arg)]
    return [p for child in node[1:] if isinstance(child, tuple) for p in paths_in(child)]


# --- Evaluation in Python -----------------------------------------------------------------------------------------


def evaluate(node: Any, resolve: Any) -> Any:
    """The value of an expression; `resolve(path)` gives a path's values as a list (a to-many path many)."""
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "path":
        values = resolve(node[1])
        return values[0] if len(values) == 1 else _Many(values)
    if kind == "and":
        return _true(evaluate(node[1], resolve)) and _true(evaluate(node[2], resolve))
    if kind == "or":
        return _true(evaluate(node[1], resolve)) or _true(evaluate(node[2], resolve))
    if kind == "not":
        return not _true(evaluate(node[1], resolve))
    if kind == "cmp":
        return _any2(lambda a, b: compare(node[1], a, b), evaluate(node[2], resolve), evaluate(node[3], resolve))
    if kind == "arith":
        return _any2(lambda a, b: _arith(node[1], a, b), evaluate(node[2], resolve), evaluate(node[3], resolve))
    if kind == "call":
        args = [evaluate(arg, resolve) for arg in node[2]]
        return _call(node[1], args)
    raise bad(f"cannot evaluate {kind}")


class _Many(list):
    """The values of a to-many path: a comparison holds when it holds for any of them."""


def _true(value: Any) -> bool:
    if isinstance(value, _Many):
        return any(_true(v) for v in value)
    return value is True


def _any2(func: Any, a: Any, b: Any) -> Any:
    if isinstance(a, _Many):
        return any(_true(_any2(func, x, b)) for x in a)
    if isinstance(b, _Many):
        return any(_true(_any2(func, a, y)) for y in b)
    return func(a, b)


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    if isinstance(a, datetime) and isinstance(b, str):
        b = _datetime(b)
    elif isinstance(b, datetime) and isinstance(a, str):
        a = _datetime(a)
    return a, b


def compare(op: str, a: Any, b: Any) -> bool:
    a, b = _comparable(a, b)
    if op == "eq":
        return bool(a == b)
    if op == "ne":
        return bool(a != b)
    if a is None or b is None:
        return False
    numeric = (int, float)
    numbers = all(isinstance(x, numeric) and not isinstance(x, bool) for x in (a, b))
    if not numbers and type(a) is not type(b):
        raise bad(f"cannot compare {type(a).__name__} with {type(b).__name__} ({op})")
    return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op]


def _arith(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if isinstance(a, datetime | timedelta) and isinstance(b, timedelta) and op in ("add", "sub"):
        try:
            return a + b if op == "add" else a - b  # now() sub duration'P1D'
        except OverflowError:
            raise bad(f"{op}: the time is out of range") from None
    if isinstance(a, datetime) and isinstance(b, datetime) and op == "sub":
        return a - b
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b)):
        raise bad(f"{op} takes numbers")
    if op in ("div", "mod") and b == 0:
        return None
    try:
        if op == "mod":
            value = math.fmod(a, b)
        else:
            value = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}[op](a, b)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None  # beyond any number: null, as a division by zero
    return value if not isinstance(value, float) or math.isfinite(value) else None


def _geometry(value: Any) -> Any:
    from shapely.geometry import shape

    if isinstance(value, tuple) and value and value[0] == "geo":
        return value[1]
    if isinstance(value, dict) and "type" in value:
        return shape(value)
    raise bad("a geospatial function takes a location (a GeoJSON property) or a geography'…' literal")


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise bad(f"{name} takes text")
    return value


def _call(name: str, args: list[Any]) -> Any:
    if any(isinstance(a, _Many) for a in args):
        first = next(i for i, a in enumerate(args) if isinstance(a, _Many))
        return _Many(_call(name, [*args[:first], v, *args[first + 1 :]]) for v in args[first])
    if name in ("substringof",):
        return _text(args[0], name) in _text(args[1], name)
    if name == "contains":
        return _text(args[1], name) in _text(args[0], name)
    if name == "startswith":
        return _text(args[0], name).startswith(_text(args[1], name))
    if name == "endswith":
        return _text(args[0], name).endswith(_text(args[1], name))
    if name == "indexof":
        return _text(args[0], name).find(_text(args[1], name))
    if name == "concat":
        return _text(args[0], name) + _text(args[1], name)
    if name == "length":
        return len(_text(args[0], name))
    if name in ("tolower", "toupper", "trim"):
        text = _text(args[0], name)
        return {"tolower": text.lower, "toupper": text.upper, "trim": text.strip}[name]()
    if name == "substring":
        text, start = _text(args[0], name), _whole_arg(args[1], name)
        return text[start:] if len(args) == 2 else text[start : start + _whole_arg(args[2], name)]
    if name == "now":
        return timezone.now()
    if name in ("mindatetime", "maxdatetime"):
        return datetime.min.replace(tzinfo=UTC) if name == "mindatetime" else datetime.max.replace(tzinfo=UTC)
    if name in DATE_PARTS:
        return _date_part(name, args[0])
    if name in ("round", "floor", "ceiling"):
        if not isinstance(args[0], int | float):
            raise bad(f"{name} takes a number")
        if isinstance(args[0], float) and not math.isfinite(args[0]):
            return None
        rounding: dict[str, Any] = {"round": round, "floor": math.floor, "ceiling": math.ceil}
        return rounding[name](args[0])
    a = _geometry(args[0])
    if name == "geo.length":
        return a.length
    b = _geometry(args[1])
    if name == "geo.distance":
        return a.distance(b)
    if name in ("geo.intersects", "st_intersects"):
        return a.intersects(b)
    if name == "st_relate":
        pattern = _text(args[2], name)
        if not re.fullmatch(r"[TF*012]{9}", pattern):
            raise bad(f"st_relate takes a DE-9IM pattern of 9 characters from T F * 0 1 2, not {pattern!r}")
        return bool(a.relate_pattern(b, pattern))
    method = name.removeprefix("st_")
    return bool(getattr(a, method)(b))


DATE_PARTS = {"year", "month", "day", "hour", "minute", "second", "fractionalseconds", "date", "time",
              "totaloffsetminutes"}  # fmt: skip


def _date_part(name: str, value: Any) -> Any:
    """A part of a time, in UTC as every time is answered (so its offset is 0 minutes)."""
    moment = _datetime(value) if isinstance(value, str) else value
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return _time_part(name, utc(moment))
    if not isinstance(moment, date) or name not in ("year", "month", "day", "date"):
        raise bad(f"{name} takes a date and time")
    return moment if name == "date" else getattr(moment, name)


def _time_part(name: str, moment: datetime) -> Any:
    if name == "date":
        return moment.date()
    if name == "time":
        return moment.time()
    if name == "fractionalseconds":
        return moment.microsecond / 1_000_000
    if name == "totaloffsetminutes":
        return 0
    return getattr(moment, name)


def utc(moment: datetime) -> datetime:
    """The instant in UTC, or a 400 for one no UTC date holds (0001-01-01T00:00:00+01:00)."""
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise bad(f"{moment.isoformat()} is out of range") from None


def _whole_arg(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise bad(f"{name} takes a whole number ≥ 0 as its position and length")
    return value


def sort_key(values: list[Any]) -> tuple[Any, ...]:
    """A key that sorts None first and mixed types apart (numbers, then text, then the rest)."""
    key: list[Any] = []
    for value in values:
        if value is None:
            key.append((0, 0))
        elif isinstance(value, bool):
            key.append((1, int(value)))
        elif isinstance(value, int | float):
            key.append((1, value))
        elif isinstance(value, str):
            key.append((2, value))
        else:
            key.append((3, str(value)))
    return tuple(key)
