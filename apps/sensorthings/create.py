"""Creating Observations: through the domains' own feeds, as a batch posted to their ingest API would be.

`POST Observations` (with `"Datastream": {"@iot.id": n}`), `POST Datastreams(n)/Observations` and `POST
CreateObservations` (the data-array extension) take an ingest token (`Authorization: Bearer …`, apps/ingest) whose
data source owns the things. The observations are turned into the rows of the things' feeds and handed to the very
service each feed's batch API calls (`environment_readings_ingest`, `traffic_readings_ingest`,
`healthcare_snapshots_ingest`): the same checks, the same idempotent insert, the same marks for the live tick.

How a single-quantity observation maps onto a reading row (a station's AirReading holds six pollutants at once,
a traffic reading speed, volume and occupancy): the observations of one thing at one phenomenonTime in a request
become **one row**, handed to the feed. So:

- a row not stored yet is inserted with the quantities given (any of a station's pollutants; a traffic reading
  needs all three quantities, a capacity snapshot beds occupied — the feed itself says what is missing);
- posting again what is stored (the same values) is a repeat: nothing changes, the same Observation ids answer;
- a station's pollutant whose cell of a stored reading is empty fills it, once, through the feed (its fill step:
  one POST per Datastream, as frost-sta-client's create(Observation) sends, completes the reading); a stored value
  is never changed: a different one is refused;
- a traffic reading or a capacity snapshot is stored whole (speed, volume and occupancy are one interval's, the
  counts one moment's picture): another value for a stored one is refused, saying so.

A problem anywhere refuses the whole request, nothing stored, every problem listed (`errors`: `index` — the
position in the request, `[datastream entry, row]` for CreateObservations — `field` and `message`; `message`
itself names the first few). A POST without phenomenonTime is for the server's current time (18-088 §8.2.8: a
device without a clock may leave it out). An Observation's FeatureOfInterest is always its thing's point: naming
that one (`"FeatureOfInterest": {"@iot.id": n}`, the `FeatureOfInterest/id` component) is accepted, another
refused; `parameters`,
`resultQuality` and `validTime` are not stored and refused when given. `resultTime` is accepted (null or a time)
but not stored: CityOps keeps when a reading was observed, not when it
was produced, so every Observation answers `resultTime: null`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ParseError
from rest_framework.request import Request

from apps.environment.services import environment_readings_ingest
from apps.healthcare.services import healthcare_snapshots_ingest
from apps.ingest.batches import BatchInvalid, BatchTooLarge
from apps.ingest.models import IngestToken
from apps.sensorthings.mapping import (
    FACILITY,
    STATION,
    TRAFFIC,
    Quantity,
    ThingKind,
    datastream_of,
    observation_id,
    thing_id,
)
from apps.sensorthings.observations import Source, observation_get
from apps.sensorthings.query import Options, StaError, bad
from apps.traffic.services import traffic_readings_ingest

INGEST = {STATION.code: environment_readings_ingest, TRAFFIC.code: traffic_readings_ingest,
          FACILITY.code: healthcare_snapshots_ingest}  # fmt: skip


@dataclass
class Item:
    index: Any  # where it was in the request: 0, or [entry, row]
    datastream: Any
    phenomenon_time: Any
    result: Any
    result_time: Any = None
    feature: Any = None  # a FeatureOfInterest id given, which must be the thing's own


@dataclass
class _Row:
    kind: ThingKind
    thing: Any
    moment: datetime | None
    values: dict[str, Any] = field(default_factory=dict)  # column → the result as given
    items: list[int] = field(default_factory=list)  # positions in the items list
    time_text: Any = None


def create_view(request: Request, resource: str, service: Any) -> HttpResponse:
    from apps.sensorthings.views import _json, sta_error

    token = request.auth
    if not isinstance(token, IngestToken):
        return sta_error(401, "creating Observations needs an ingest token: Authorization: Bearer <token>, or HTTP "
                         "Basic with the token as the password (any user name)",
                         headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    path = resource.strip("/")
    try:
        body = request.data
    except ParseError as exc:
        raise bad(f"the body is not JSON: {exc.detail}") from None
    if path == "CreateObservations":
        items = _data_arrays(body)
    elif path == "Observations":
        items = [_one(body, None)]
    elif path.startswith("Datastreams(") and path.endswith(")/Observations"):
        raw = path.removeprefix("Datastreams(").removesuffix(")/Observations").strip("'")
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18) or datastream_of(int(raw)) is None:
            raise StaError(404, f"no Datastreams({raw})")
        items = [_one(body, int(raw))]
    else:
        return sta_error(405, f"POST is not supported on {path or 'the service root'}: only Observations are "
                         "created here", headers={"Allow": "GET, HEAD"})  # fmt: skip
    ids = observations_create(source=token.source, items=items)
    links = [f"{service.base}Observations({iot_id})" for iot_id in ids]
    if path == "CreateObservations":
        return _json(links, status=201)
    quantity, row_pk = datastream_of(ids[0])  # type: ignore[misc]
    rec = observation_get(Source(quantity, None), row_pk)
    return _json(service.render(rec, Options()), status=201, headers={"Location": links[0]})


def _one(body: Any, datastream: int | None) -> Item:
    if not isinstance(body, dict):
        raise bad('an Observation is a JSON object: {"phenomenonTime", "result", "resultTime"}')
    unknown = set(body) - {"phenomenonTime", "result", "resultTime", "Datastream", "FeatureOfInterest"}
    unknown |= {"parameters"} if body.get("parameters") else set()  # the client sends {} for none
    if unknown:
        raise bad(f"not supported when creating an Observation: {', '.join(sorted(unknown))}")
    if datastream is None:
        ref = body.get("Datastream")
        if not isinstance(ref, dict) or "@iot.id" not in ref:
            raise bad('give the Observation\'s Datastream: "Datastream": {"@iot.id": n}')
        datastream = ref["@iot.id"]
    time = body["phenomenonTime"] if "phenomenonTime" in body else _server_now()
    feature = _feature(body.get("FeatureOfInterest"))
    return Item(0, datastream, time, body.get("result"), body.get("resultTime"), feature)


def _server_now() -> str:
    """The server's current time, for an Observation posted without phenomenonTime (18-088: SHALL)."""
    return timezone.now().replace(microsecond=0).isoformat()


def _feature(ref: Any) -> Any:
    """The FeatureOfInterest id given (checked against the thing's own in _place), or None when none is."""
    if ref is None:
        return None
    if not isinstance(ref, dict) or set(ref) != {"@iot.id"}:
        raise bad('a FeatureOfInterest is the thing\'s own point: give it by id, {"@iot.id": n}, or leave it out')
    return ref["@iot.id"]


def _data_arrays(body: Any) -> list[Item]:
    if not isinstance(body, list):
        raise bad('CreateObservations takes a JSON array of {"Datastream", "components", "dataArray"}')
    items = []
    for entry_index, entry in enumerate(body):
        if not isinstance(entry, dict):
            raise bad(f"entry {entry_index}: not an object")
        ref, components, rows = entry.get("Datastream"), entry.get("components"), entry.get("dataArray")
        if not isinstance(ref, dict) or "@iot.id" not in ref:
            raise bad(f'entry {entry_index}: give its Datastream: {{"@iot.id": n}}')
        if entry.get("MultiDatastream") is not None:
            raise bad("MultiDatastreams are not supported")
        if not isinstance(components, list) or not {"phenomenonTime", "result"} <= set(components):
            raise bad(f"entry {entry_index}: components must name phenomenonTime and result")
        unknown = set(map(str, components)) - {"phenomenonTime", "result", "resultTime", "FeatureOfInterest/id"}
        if unknown:
            raise bad(f"entry {entry_index}: components not supported: {', '.join(sorted(map(str, unknown)))}")
        if not isinstance(rows, list):
            raise bad(f"entry {entry_index}: dataArray must be an array of rows")
        for row_index, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != len(components):
                raise bad(f"entry {entry_index}, row {row_index}: a row has one value per component")
            values = dict(zip(components, row, strict=True))
            items.append(Item([entry_index, row_index], ref["@iot.id"], values["phenomenonTime"], values["result"],
                              values.get("resultTime"), values.get("FeatureOfInterest/id")))  # fmt: skip
    return items


def _error(item: Item, field_name: str, message: str) -> dict[str, Any]:
    return {"index": item.index, "field": field_name, "message": message}


def observations_create(*, source: Any, items: list[Item]) -> list[int]:
    """Store the observations through their feeds; their @iot.ids in order. StaError 400 listing every problem,
    nothing stored, when any is wrong (413 for more rows than a feed's batch takes)."""
    errors: list[dict[str, Any]] = []
    rows: dict[tuple[int, int, Any], _Row] = {}
    things: dict[tuple[int, int], Any] = {}
    item_rows: list[tuple[int, int, Any] | None] = []
    for position, item in enumerate(items):
        key = _place(item, source, things, errors)
        item_rows.append(key)
        if key is None:
            continue
        quantity: Quantity = datastream_of(int(item.datastream))[0]  # type: ignore[index]
        row = rows.get(key)
        if row is None:
            thing = things[(quantity.kind.code, key[1])]
            row = rows[key] = _Row(quantity.kind, thing, key[2] if isinstance(key[2], datetime) else None,
                                   time_text=item.phenomenon_time)  # fmt: skip
        if quantity.column in row.values and row.values[quantity.column] != item.result:
            errors.append(_error(item, "result", "the same Datastream and phenomenonTime twice, with different "
                                 "results"))  # fmt: skip
        row.values[quantity.column] = item.result
        row.items.append(position)
    errors += _stored_conflicts(rows, items)
    # The feeds check the rows even when some are already refused, so that every problem is told at once.
    errors += _ingest(source, rows, items, keep=not errors)
    if errors:
        errors.sort(key=lambda e: (e["index"], e["field"]))
        raise StaError(400, problems_message(errors), errors=errors)
    stored = _stored_pks(rows)
    return [observation_id(datastream_of(int(item.datastream))[0], stored[key])  # type: ignore[index]
            for item, key in zip(items, item_rows, strict=True) if key is not None]  # fmt: skip


def problems_message(errors: list[dict[str, Any]], *, shown: int = 3) -> str:
    """ "2 problems; nothing was stored: row [0, 1] result: must be at least 0; …" — the first reasons in the
    message itself, which is all frost-sta-client shows of an error."""
    count = f"{len(errors)} problem{'s' if len(errors) != 1 else ''}"
    reasons = [f"{_where(e['index'])}{e['field']}: {e['message']}" for e in errors[:shown]]
    more = "; …" if len(errors) > shown else ""
    return f"{count}; nothing was stored: {'; '.join(reasons)}{more}"


def _where(index: Any) -> str:
    return f"row {index} " if isinstance(index, list) else ""


def _place(item: Item, source: Any, things: dict[tuple[int, int], Any], errors: list[dict[str, Any]]) -> Any:
    """(kind, thing pk, instant or the text given) of an item, or None with its problem recorded."""
    found = datastream_of(item.datastream) if isinstance(item.datastream, int) and not isinstance(
        item.datastream, bool) else None  # fmt: skip
    if found is None:
        errors.append(_error(item, "Datastream", f"no Datastream {item.datastream!r}"))
        return None
    quantity, thing_pk = found
    key = (quantity.kind.code, thing_pk)
    if key not in things:
        model = quantity.kind.model
        things[key] = model._default_manager.filter(pk=thing_pk, source=source).first()
    thing = things[key]
    if thing is None or not quantity.needs(thing):
        message = f"no Datastream({item.datastream}) of this token's data source"
        errors.append(_error(item, "Datastream", message))
        return None
    own = thing_id(quantity.kind, thing_pk)
    if item.feature is not None and item.feature != own:
        message = (
            f"not this Datastream's: an Observation's FeatureOfInterest is its thing's point, FeaturesOfInterest({own})"
        )
        errors.append(_error(item, "FeatureOfInterest", message))
    if item.result_time is not None and not (isinstance(item.result_time, str) and _instant(item.result_time)):
        errors.append(_error(item, "resultTime", "not an ISO 8601 date and time with a zone, nor null"))
    if isinstance(item.phenomenon_time, str) and "/" in item.phenomenon_time:
        errors.append(_error(item, "phenomenonTime", "a time interval: give the instant the reading is for (the end "
                             "of its averaging period)"))  # fmt: skip
        return None
    moment = _instant(item.phenomenon_time) if isinstance(item.phenomenon_time, str) else None
    return (quantity.kind.code, thing_pk, moment if moment is not None else repr(item.phenomenon_time))


def _instant(text: str) -> datetime | None:
    """The instant, or None for text that is none (told by the feed) or one no UTC date holds."""
    try:
        moment = parse_datetime(text)
        if moment is not None and timezone.is_aware(moment):
            moment.astimezone(UTC)
            return moment
    except (ValueError, OverflowError):
        pass
    return None


def _stored_conflicts(rows: dict[tuple[int, int, Any], _Row], items: list[Item]) -> list[dict[str, Any]]:
    """Rows already stored: a repeat of the same values is fine (idempotent), anything else is refused."""
    errors = []
    wanted: dict[tuple[type, str, int], list[_Row]] = defaultdict(list)
    for row in rows.values():
        if row.moment is not None:
            reading = _reading_model(row)
            wanted[(reading, row.kind.reading_fk, row.thing.pk)].append(row)
    for (reading, fk, thing_pk), group in wanted.items():
        stored = {r["observed_at"]: r for r in reading._default_manager.filter(  # type: ignore[attr-defined]
            **{f"{fk}_id": thing_pk, "observed_at__in": [row.moment for row in group]}).values()}  # fmt: skip
        for row in group:
            found = stored.get(row.moment)
            if found is None:
                continue
            for column, given in row.values.items():
                if _same(found.get(column), given):
                    continue
                if found.get(column) is None and row.kind in FILLED:
                    continue  # an empty cell: the feed fills it
                message = _stored_message(row, column, found.get(column))
                for position in row.items:
                    if _column_of(items[position]) == column:
                        errors.append(_error(items[position], "result", message))
    return errors


FILLED = {STATION}  # kinds whose feed fills a stored reading's empty cells (apps/environment/services.py)


def _stored_message(row: _Row, column: str, stored: Any) -> str:
    where = f"the reading of {row.thing.code} at {row.time_text} is already stored"
    shown = "empty" if stored is None else stored
    if row.kind is TRAFFIC:
        why = "a traffic reading is one interval's speed, volume and occupancy, stored whole: send the three together"
        return f"{where}, with {column} {shown}; {why} (CreateObservations)"
    if row.kind is FACILITY:
        why = "a capacity snapshot is one moment's counts, stored whole: send its counts together"
        return f"{where}, with {column} {shown}; {why} (CreateObservations)"
    return f"{where}, with {column} {shown}; a stored value is not changed"


def _same(stored: Any, given: Any) -> bool:
    if stored is None or isinstance(given, bool):
        return False
    try:
        return abs(float(stored) - float(given)) <= 1e-9 * max(1.0, abs(float(stored)))
    except (TypeError, ValueError, OverflowError):
        return False


def _column_of(item: Item) -> str:
    return datastream_of(int(item.datastream))[0].column  # type: ignore[index]


def _reading_model(row: _Row) -> Any:
    columns = set(row.values)
    if row.kind is STATION and columns == {"leq"}:
        from apps.environment.models import NoiseReading

        return NoiseReading
    return row.kind.reading


def _ingest(source: Any, rows: dict[tuple[int, int, Any], _Row], items: list[Item], *, keep: bool) -> list[Any]:
    """Hand each feed its rows, in one transaction (rolled back unless `keep` and every feed took its rows); the
    feeds' problems, as the items' errors."""
    by_kind: dict[int, list[tuple[Any, _Row]]] = defaultdict(list)
    for key, row in rows.items():
        by_kind[row.kind.code].append((key, row))
    errors: list[dict[str, Any]] = []
    with transaction.atomic():
        for kind_code, group in by_kind.items():
            feed_rows = []
            for _key, row in group:
                feed_rows.append({row.kind.reading_fk: row.thing.code, "observed_at": row.time_text, **row.values})
            try:
                INGEST[kind_code](source=source, rows=feed_rows)
            except BatchTooLarge as exc:
                transaction.set_rollback(True)
                raise StaError(413, exc.message) from None
            except BatchInvalid as exc:
                for problem in exc.errors:
                    _key, row = group[problem.index]
                    for position in row.items:
                        item = items[position]
                        if problem.field in row.values and problem.field != _column_of(item):
                            continue  # another observation's quantity: told at that one
                        name = {"observed_at": "phenomenonTime", _column_of(item): "result"}.get(
                            problem.field, problem.field)  # fmt: skip
                        message = problem.message if name in ("phenomenonTime", "result") else (
                            f"{problem.field} {problem.message}")  # fmt: skip
                        errors.append(_error(item, name, message))
        if keep and not errors:
            # What is stored now, inside this transaction (a concurrent fill of the same empty cell waits on the
            # row's lock, then keeps the first value): a value that is not the one sent is refused, not a 201.
            errors += _stored_conflicts(rows, items)
        if errors or not keep:
            transaction.set_rollback(True)
    return errors


def _stored_pks(rows: dict[tuple[int, int, Any], _Row]) -> dict[Any, int]:
    found: dict[Any, int] = {}
    wanted: dict[tuple[Any, str, int], list[tuple[Any, _Row]]] = defaultdict(list)
    for key, row in rows.items():
        wanted[(_reading_model(row), row.kind.reading_fk, row.thing.pk)].append((key, row))
    for (reading, fk, thing_pk), group in wanted.items():
        stored = dict(
            reading._default_manager.filter(
                **{f"{fk}_id": thing_pk, "observed_at__in": [row.moment for _key, row in group]}
            ).values_list("observed_at", "pk")
        )
        for key, row in group:
            found[key] = stored[row.moment]
    return found
