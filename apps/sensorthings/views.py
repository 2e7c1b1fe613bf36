"""OGC SensorThings API 1.1, Part 1: Sensing (../shared/standards/SENSORTHINGS.md) under /sta/v1.1/.

Read: the service root (entity sets and the conformance classes implemented), `Collection`, `Collection(id)`,
`…/property`, `…/property/$value`, `…/NavProperty`, `…/$ref`, with $filter, $count, $orderby, $skip, $top,
$select and $expand (nested) in the standard's order. Pages hold `$top` entities (default 100, at most 1,000), and
`@iot.nextLink` gives the next one. Create: Observations only (`POST Observations`, `POST Datastreams(id)/
Observations`, `POST CreateObservations`), with an ingest token, through the domains' feeds (create.py).

Errors are `{"code", "type": "error", "message"}` (as FROST-Server answers them), 400 for a malformed or unsupported
query naming what, 404 for an entity the caller may not see or that does not exist; never a 500 for input.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.db.models import Max, Min
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.sensorthings.access import STA_THROTTLES, StaTokenAuthentication
from apps.sensorthings.mapping import (
    KINDS,
    QUANTITIES,
    Catalog,
    Rec,
    datastream_id,
    datastream_of,
    observation_of,
    thing_id,
    thing_of,
)
from apps.sensorthings.observations import Source, observation_get, observations_page
from apps.sensorthings.query import (
    MAX_TOP,
    Options,
    StaError,
    _true,
    bad,
    evaluate,
    options_parse,
    sort_key,
)
from apps.sensorthings.times import iso

JSON_TYPE = "application/json; charset=utf-8"
CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
]
ENTITY_SETS = ["Things", "Locations", "HistoricalLocations", "Datastreams", "Sensors", "ObservedProperties",
               "Observations", "FeaturesOfInterest"]  # fmt: skip
# {set: {navigation property: (target set, to many)}}
NAV: dict[str, dict[str, tuple[str, bool]]] = {
    "Things": {"Locations": ("Locations", True), "HistoricalLocations": ("HistoricalLocations", True),
               "Datastreams": ("Datastreams", True)},  # fmt: skip
    "Locations": {"Things": ("Things", True), "HistoricalLocations": ("HistoricalLocations", True)},
    "HistoricalLocations": {"Thing": ("Things", False), "Locations": ("Locations", True)},
    "Datastreams": {"Thing": ("Things", False), "Sensor": ("Sensors", False),
                    "ObservedProperty": ("ObservedProperties", False), "Observations": ("Observations", True)},
    "Sensors": {"Datastreams": ("Datastreams", True)},
    "ObservedProperties": {"Datastreams": ("Datastreams", True)},
    "Observations": {"Datastream": ("Datastreams", False), "FeatureOfInterest": ("FeaturesOfInterest", False)},
    "FeaturesOfInterest": {"Observations": ("Observations", True)},
}  # fmt: skip
PROPERTIES: dict[str, list[str]] = {
    "Things": ["name", "description", "properties"],
    "Locations": ["name", "description", "encodingType", "location", "properties"],
    "HistoricalLocations": ["time"],
    "Datastreams": [
        "name",
        "description",
        "unitOfMeasurement",
        "observationType",
        "observedArea",
        "phenomenonTime",
        "resultTime",
        "properties",
    ],  # fmt: skip
    "Sensors": ["name", "description", "encodingType", "metadata", "properties"],
    "ObservedProperties": ["name", "definition", "description", "properties"],
    "Observations": ["phenomenonTime", "result", "resultTime", "resultQuality", "validTime", "parameters"],
    "FeaturesOfInterest": ["name", "description", "encodingType", "feature", "properties"],
}
CONTROL = ["@iot.id", "@iot.selfLink"]
# What one request may cost, whatever its $expand: entities in the answer, and pages of Observations read (one SQL
# statement each). Every station's latest values with $expand=Datastreams/Observations($top=1) is ~600 pages.
MAX_ENTITIES = 20_000
MAX_PAGES = 1_000


def sta_error(status: int, message: str, *, errors: list[dict[str, Any]] | None = None,
              headers: dict[str, str] | None = None) -> HttpResponse:  # fmt: skip
    body: dict[str, Any] = {"code": status, "type": "error", "message": message}
    if errors is not None:
        body["errors"] = errors
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=JSON_TYPE, headers=headers)


def sta_error_body(request: HttpRequest, status: int, detail: str, extra: dict[str, Any]) -> tuple[bytes, str]:
    """An error answered outside the view (no such URL, a refused body) in the same format (apps.core.errors)."""
    body: dict[str, Any] = {"code": status, "type": "error", "message": detail}
    if extra.get("limit_bytes"):
        body["limit_bytes"] = extra["limit_bytes"]
    return json.dumps(body, ensure_ascii=False).encode(), JSON_TYPE


def is_sta_answer(response: HttpResponse) -> bool:
    return response.get("Content-Type", "") == JSON_TYPE


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=JSON_TYPE, headers=headers)


# --- Collections and navigation -----------------------------------------------------------------------------------


class Collection:
    """What a path names when it names many: entities in memory, or Observations read by SQL."""

    def __init__(self, entity_set: str, path: str, *, recs: list[Rec] | None = None,
                 sources: list[Source] | None = None, default_time: bool = False) -> None:  # fmt: skip
        self.entity_set = entity_set
        self.path = path  # relative to the service root, e.g. "Datastreams(101)/Observations"
        self.recs = recs
        self.sources = sources
        self.default_time = default_time


class Service:
    """One request's view of the service: the caller's catalog, the base URL, navigation and rendering."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.catalog = Catalog(request.user, site=request.build_absolute_uri("/"))
        self._intervals: dict[tuple[Any, int], str | None] = {}
        self.rendered = 0  # entities in the answer so far, and SQL pages read: bounded (MAX_ENTITIES, MAX_PAGES)
        self.pages_read = 0
        self.base = request.build_absolute_uri(reverse("sensorthings:root"))

    # --- entities by id

    def entity(self, entity_set: str, iot_id: int) -> Rec | None:
        if entity_set == "Observations":
            found = observation_of(iot_id)
            if found is None:
                return None
            quantity, row_pk = found
            pks = self.catalog.scoped_thing_pks(quantity.kind)
            if quantity.kind not in self.catalog.kinds:
                return None
            return observation_get(Source(quantity, frozenset(pks) if pks is not None else None), row_pk)
        return self.catalog.one(entity_set, iot_id)

    def collection(self, entity_set: str) -> Collection:
        if entity_set == "Observations":
            sources = [self._source(q, None) for q in QUANTITIES.values() if q.kind in self.catalog.kinds]
            return Collection("Observations", "Observations", sources=sources)
        return Collection(entity_set, entity_set, recs=list(self.catalog.collection(entity_set).values()))

    def _source(self, quantity: Any, thing_pk: int | None) -> Source:
        if thing_pk is not None:
            return Source(quantity, frozenset({thing_pk}))
        pks = self.catalog.scoped_thing_pks(quantity.kind)
        return Source(quantity, frozenset(pks) if pks is not None else None)

    @property
    def datastreams_by_thing(self) -> dict[int, list[Rec]]:
        if not hasattr(self, "_by_thing"):
            self._by_thing: dict[int, list[Rec]] = {}
            for ds in self.catalog.datastreams.values():
                self._by_thing.setdefault(ds.extra["thing_id"], []).append(ds)
        return self._by_thing

    def navigate(self, rec: Rec, nav: str) -> Rec | Collection | None:
        if nav not in NAV[rec.entity_set]:
            raise StaError(404, f"{rec.entity_set} have no navigation property {nav}")
        target, many = NAV[rec.entity_set][nav]
        path = f"{rec.entity_set}({rec.id})/{nav}"
        c = self.catalog
        if rec.entity_set == "Things":
            if nav == "Datastreams" and "datastreams" not in c.__dict__:  # one thing's: not the whole catalog's
                return Collection(target, path, recs=c.datastreams_of(rec))
            if nav == "Datastreams":
                return Collection(target, path, recs=self.datastreams_by_thing.get(rec.id, []))
            location = c.one("Locations", rec.id)
            return Collection(target, path, recs=[location] if nav == "Locations" and location else [])
        if rec.entity_set == "Locations":
            found = c.one("Things", rec.id)
            return Collection(target, path, recs=[found] if nav == "Things" and found else [])
        if rec.entity_set == "Datastreams":
            if nav == "Thing":
                return c.one("Things", rec.extra["thing_id"])
            if nav == "Sensor":
                return c.sensor_of(rec)
            if nav == "ObservedProperty":
                return c.observed_properties.get(rec.quantity.code)  # type: ignore[union-attr]
            return Collection(target, path, sources=[self._source(rec.quantity, rec.thing.pk)], default_time=True)
        if rec.entity_set == "Sensors":
            recs = [ds for ds in c.datastreams.values() if (s := c.sensor_of(ds)) is not None and s.id == rec.id]
            return Collection(target, path, recs=recs)
        if rec.entity_set == "ObservedProperties":
            recs = [ds for ds in c.datastreams.values() if ds.quantity.code == rec.id]  # type: ignore[union-attr]
            return Collection(target, path, recs=recs)
        if rec.entity_set == "Observations":
            quantity, thing_pk = rec.quantity, rec.extra["thing_pk"]
            if nav == "Datastream":
                return c.one("Datastreams", datastream_id(quantity, thing_pk))  # type: ignore[arg-type]
            return c.one("FeaturesOfInterest", thing_id(quantity.kind, thing_pk))  # type: ignore[union-attr]
        if rec.entity_set == "FeaturesOfInterest":
            thing = c.one("Things", rec.id)
            sources = [self._source(ds.quantity, rec.thing.pk) for ds in (c.datastreams_of(thing) if thing else [])]
            return Collection(target, path, sources=sources, default_time=True)
        if rec.entity_set == "HistoricalLocations":  # none are kept (see README)
            return None if not many else Collection(target, path, recs=[])
        raise StaError(404, f"no navigation {nav}")

    # --- $filter in Python

    def resolve(self, rec: Rec, path: list[str]) -> list[Any]:
        head, rest = path[0], path[1:]
        if head == "@iot.id" and not rest:
            return [rec.id]
        if head in PROPERTIES[rec.entity_set]:
            values: list[Any] = [rec.props.get(head)]
            for part in rest:
                values = [v.get(part) if isinstance(v, dict) else None for v in values]
            return values
        if head in NAV[rec.entity_set]:
            if not rest:
                raise bad(f"$filter: {'/'.join(path)} names entities, not a value")
            found = self.navigate(rec, head)
            if isinstance(found, Collection):
                if found.recs is None:
                    raise bad(f"$filter: a path through {head} is not supported")
                targets = found.recs
            else:
                targets = [found] if found is not None else []
            return [v for target in targets for v in self.resolve(target, rest)] or [None]
        raise bad(f"$filter/$orderby: {rec.entity_set} have no property {'/'.join(path)}")

    def holds(self, node: Any, rec: Rec) -> bool:
        return _true(evaluate(node, lambda path: self.resolve(rec, path)))

    def things_where(self, node: Any, source: Source) -> set[int]:
        """The things of a source for which an expression over Datastream/… and FeatureOfInterest/… holds."""
        found = set()
        for ds in self.catalog.datastreams.values():
            if ds.quantity is not source.quantity:
                continue
            if source.thing_pks is not None and ds.thing.pk not in source.thing_pks:
                continue

            def resolve(path: list[str], ds: Rec = ds) -> list[Any]:
                if path[0] == "Datastream":
                    return self.resolve(ds, path[1:]) if path[1:] else [ds.id]
                return self.resolve(self.catalog.features[ds.extra["thing_id"]], path[1:])

            if _true(evaluate(node, resolve)):
                found.add(ds.thing.pk)
        return found

    # --- pages

    def page(self, collection: Collection, options: Options, *, ref: bool = False) -> tuple[list[Rec], int | None,
                                                                                           str | None]:  # fmt: skip
        """The entities of one page, the count when asked, and the next page's link (to /$ref pages when `ref`)."""
        link_path = f"{collection.path}/$ref" if ref else collection.path
        if collection.sources is not None:
            self.pages_read += len(collection.sources)
            if self.pages_read > MAX_PAGES:
                raise bad(f"this request reads more than {MAX_PAGES:,} pages of Observations (one per Datastream "
                          "expanded): expand fewer, or page with @iot.nextLink")  # fmt: skip
            page = observations_page(collection.sources, options, self.things_where,
                                     default_time=collection.default_time)  # fmt: skip
            link = None
            if page.next_token:
                params = {k: v for k, v in options.raw.items() if k not in ("$skip", "$skiptoken")}
                link = self._link(link_path, {**params, "$skiptoken": page.next_token})
            return page.recs, page.count, link
        recs = list(collection.recs or [])
        if options.filter is not None:
            node = options.filter
            recs = [r for r in recs if self.holds(node, r)]
        count = len(recs) if options.count else None
        recs.sort(key=lambda r: r.id)
        for path, descending in reversed(options.orderby):  # stable sorts, the last key first
            keys = {r.id: sort_key(self.resolve(r, path)[:1]) for r in recs}
            recs.sort(key=lambda r: keys[r.id], reverse=descending)
        end = options.skip + options.top
        link = None
        if len(recs) > end and options.top:
            params = {k: v for k, v in options.raw.items() if k != "$skip"}
            link = self._link(link_path, {**params, "$skip": str(end), "$top": str(options.top)})
        return recs[options.skip : end], count, link

    def _link(self, path: str, params: dict[str, str]) -> str:
        return f"{self.base}{path}?{urlencode(params, safe='$')}"

    # --- rendering

    def self_link(self, rec: Rec) -> str:
        return f"{self.base}{rec.entity_set}({rec.id})"

    def render(self, rec: Rec, options: Options) -> dict[str, Any]:
        self.rendered += 1
        if self.rendered > MAX_ENTITIES:
            raise bad(f"this request answers more than {MAX_ENTITIES:,} entities: lower $top inside $expand, or page "
                      "with @iot.nextLink")  # fmt: skip
        link = self.self_link(rec)
        if rec.entity_set == "Datastreams" and (options.select is None or "phenomenonTime" in options.select):
            interval = self.interval(rec)
            if interval is not None:
                rec.props["phenomenonTime"] = interval
        out: dict[str, Any] = {"@iot.id": rec.id, "@iot.selfLink": link}
        for name in PROPERTIES[rec.entity_set]:
            if name in rec.props:
                out[name] = rec.props[name]
        for nav in NAV[rec.entity_set]:
            if rec.entity_set != "HistoricalLocations":
                out[f"{nav}@iot.navigationLink"] = f"{link}/{nav}"
        if options.select is not None:
            known = set(PROPERTIES[rec.entity_set]) | set(NAV[rec.entity_set]) | set(CONTROL)
            unknown = [n for n in options.select if n not in known]
            if unknown:
                raise bad(f"$select: {rec.entity_set} have no property {', '.join(unknown)}")
            keep = set(options.select) | {f"{n}@iot.navigationLink" for n in options.select}
            out = {k: v for k, v in out.items() if k in keep}
        for expand in options.expand:
            if expand.nav not in NAV[rec.entity_set]:
                raise bad(f"$expand: {rec.entity_set} have no navigation property {expand.nav}")
            found = self.navigate(rec, expand.nav)
            if isinstance(found, Collection):
                recs, count, next_link = self.page(found, expand.options)
                if count is not None:
                    out[f"{expand.nav}@iot.count"] = count
                out[expand.nav] = [self.render(r, expand.options) for r in recs]
                if next_link:
                    out[f"{expand.nav}@iot.nextLink"] = next_link
            else:
                out[expand.nav] = self.render(found, expand.options) if found is not None else None
        return out

    def interval(self, datastream: Rec) -> str | None:
        """A Datastream's phenomenonTime: the first and last reading of its thing in its table, "first/last" — the
        (thing, observed_at) index answers both ends at once per thing (a quantity the thing leaves empty in some
        readings is not told apart: exact per quantity it would scan the thing's history). None without readings."""
        q = datastream.quantity
        key = (q.reading, datastream.thing.pk)  # type: ignore[union-attr]
        if key not in self._intervals:
            ends = q.reading._default_manager.filter(**{f"{q.fk}_id": datastream.thing.pk}).aggregate(  # type: ignore[union-attr]
                first=Min("observed_at"), last=Max("observed_at")
            )
            found = ends["first"] is not None
            self._intervals[key] = f"{iso(ends['first'])}/{iso(ends['last'])}" if found else None
        return self._intervals[key]

    def render_page(self, collection: Collection, options: Options, *, ref: bool = False) -> dict[str, Any]:
        recs, count, next_link = self.page(collection, options, ref=ref)
        body: dict[str, Any] = {}
        if count is not None:
            body["@iot.count"] = count
        if ref:
            body["value"] = [{"@iot.selfLink": self.self_link(r)} for r in recs]
        else:
            body["value"] = [self.render(r, options) for r in recs]
        if next_link:
            body["@iot.nextLink"] = next_link
        return body


# --- Paths --------------------------------------------------------------------------------------------------------


def _segment(text: str) -> tuple[str, int | None]:
    name, paren, rest = text.partition("(")
    if not paren:
        return name, None
    raw = rest.removesuffix(")")
    if not rest.endswith(")") or not raw:
        raise bad(f"malformed path segment {text!r}")
    raw = raw.strip("'") if raw.startswith("'") and raw.endswith("'") else raw
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise StaError(404, f"no {name} with @iot.id {raw}")
    return name, int(raw)


def root_document(base: str) -> dict[str, Any]:
    from apps.sensorthings.query import DEFAULT_TOP

    return {
        "value": [{"name": name, "url": f"{base}{name}"} for name in ENTITY_SETS],
        "serverSettings": {
            "conformance": CONFORMANCE,
            # What this service does beyond and short of the classes above (not a conformance class).
            "cityops": {
                "pageSize": {"default": DEFAULT_TOP, "max": MAX_TOP},
                "create": f"{base}CreateObservations, {base}Observations and Datastreams(id)/Observations only, "
                "with an ingest token of the thing's data source: Authorization: Bearer <token>, or HTTP Basic with "
                "the token as the password (any user name). Send a time's quantities together in one "
                "CreateObservations; one POST per Datastream also works for a station (the first stores the "
                "reading, the next fill its empty pollutants, a stored value is never changed), not for a traffic "
                "reading (speed, volume and occupancy together) or a capacity snapshot (its counts together). "
                "Without phenomenonTime: the server's current time",
                "filter": "every built-in function of 18-088 on the entities; on Observations' own properties "
                "(phenomenonTime, result, @iot.id) comparisons, add sub mul div mod, and year month day hour minute "
                "second of phenomenonTime, in SQL; an expression of no property (now() sub duration'P1D', "
                "mindatetime()) is computed first; other functions of an Observation's own properties are refused "
                "(400). Times need a zone. Times are answered in UTC",
                "readRate": "anonymous reads are limited per client address (429 with Retry-After); an ingest token "
                "reads at the signed-in rate, per token",
                "ids": "Thing/Location/FeatureOfInterest pk×10+kind (1 station, 2 traffic sensor, 3 facility); "
                "Datastream thing pk×100+q; Observation reading row pk×100+q; ObservedProperty q; Sensor 1–6",
                "historicalLocations": "none are kept: a thing's location is its current point",
            },
        },
    }


class StaApi(APIView):
    """The whole service: GET for reads (public where the labels allow, throttled like the other public APIs),
    POST for creating Observations with an ingest token."""

    authentication_classes = [StaTokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]
    schema = None  # documented by its own landing page (the service root), as the standard has it

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Messages in English whatever Accept-Language says (as FROST-Server's are: machines and their logs read
        them); the entities' names and descriptions in the negotiated language (get)."""
        self.language = translation.get_language() or "zh-hans"
        with translation.override("en"):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[return-value]

    def get_throttles(self) -> list[Any]:
        if self.request.method in ("GET", "HEAD"):
            return [throttle() for throttle in STA_THROTTLES]
        return []

    def handle_exception(self, exc: Exception) -> HttpResponse:  # type: ignore[override]
        if isinstance(exc, StaError):
            return sta_error(exc.status, exc.message, errors=exc.errors)
        if isinstance(exc, RecursionError):  # a backstop: the parser bounds terms and nesting (query.py)
            return sta_error(400, "the request is nested too deeply")
        response = super().handle_exception(exc)
        data = getattr(response, "data", None) or {}
        message = str(data.get("detail", "")) if isinstance(data, dict) else str(data)
        if isinstance(exc, Throttled):
            wait = getattr(exc, "wait", None) or 1
            message = (
                f"too many requests from this client: try again in {wait:.0f} s (Retry-After); anonymous reads are "
                "limited per address, an ingest token reads at the signed-in rate"
            )
        headers = {h: response[h] for h in ("WWW-Authenticate", "Retry-After", "Allow") if response.has_header(h)}
        return sta_error(response.status_code, message or "error", headers=headers)

    def get(self, request: Request, resource: str = "") -> HttpResponse:
        with translation.override(self.language):
            service = Service(request)
            if not resource.strip("/"):
                return _json(root_document(service.base))
            params = {k: request.query_params.get(k, "") for k in request.query_params}
            options = options_parse(params)
            target, tail = _walk(service, resource)
            return _answer(service, target, tail, options)

    def post(self, request: Request, resource: str = "") -> HttpResponse:
        from apps.sensorthings.create import create_view

        return create_view(request, resource, Service(request))

    def put(self, request: Request, resource: str = "") -> HttpResponse:
        return _read_only(request)

    patch = delete = put


def _read_only(request: Request) -> HttpResponse:
    message = f"{request.method} is not supported: this service creates Observations only (POST)"
    return sta_error(405, message, headers={"Allow": "GET, HEAD, POST"})


def _walk(service: Service, resource: str) -> tuple[Rec | Collection | None, list[str]]:
    """Follow the path's entity segments; the rest (a property, $value, $ref) is returned as the tail."""
    parts = resource.strip("/").split("/")
    name, iot_id = _segment(parts[0])
    if name not in ENTITY_SETS:
        raise StaError(404, f"no entity set {name}: one of {', '.join(ENTITY_SETS)}")
    target: Rec | Collection | None
    if iot_id is None:
        target = service.collection(name)
    else:
        target = service.entity(name, iot_id)
        if target is None:
            raise StaError(404, f"no {name}({iot_id})")
    index = 1
    while index < len(parts):
        part = parts[index]
        if isinstance(target, Rec):
            nav, nav_id = _segment(part)
            if nav in NAV[target.entity_set]:
                found = service.navigate(target, nav)
                if found is None:
                    raise StaError(404, f"{target.entity_set}({target.id}) has no {nav}")
                if nav_id is not None:
                    if not isinstance(found, Collection):
                        raise bad(f"{nav} is one entity: no id after it")
                    member = service.entity(found.entity_set, nav_id)
                    if member is None or not _member(service, found, member):
                        raise StaError(404, f"no {nav}({nav_id}) of {target.entity_set}({target.id})")
                    found = member
                target = found
                index += 1
                continue
        break
    return target, parts[index:]


def _member(service: Service, collection: Collection, rec: Rec) -> bool:
    if collection.recs is not None:
        return any(r.id == rec.id for r in collection.recs)
    return any(s.quantity is rec.quantity and (s.thing_pks is None or rec.extra["thing_pk"] in s.thing_pks)
               for s in collection.sources or [])  # fmt: skip


def _answer(service: Service, target: Rec | Collection | None, tail: list[str], options: Options) -> HttpResponse:
    if isinstance(target, Collection):
        if tail == ["$ref"]:
            return _json(service.render_page(target, options, ref=True))
        if tail:
            raise StaError(404, f"{target.entity_set} is a collection: {'/'.join(tail)} is not a path in it")
        return _json(service.render_page(target, options))
    if target is None:
        raise StaError(404, "no such entity")
    if not tail:
        return _json(service.render(target, options))
    if tail == ["$ref"]:
        return _json({"@iot.selfLink": service.self_link(target)})
    prop, rest = tail[0], tail[1:]
    if prop not in PROPERTIES[target.entity_set]:
        raise StaError(404, f"{target.entity_set} have no property or navigation {prop}")
    if rest not in ([], ["$value"]):
        raise StaError(404, f"no path {'/'.join(tail)}")
    value = target.props.get(prop)
    if value is None:
        return HttpResponse(status=204)
    if rest == ["$value"]:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return HttpResponse(text, content_type="text/plain; charset=utf-8")
    return _json({prop: value})


__all__ = ["KINDS", "StaApi", "datastream_of", "is_sta_answer", "sta_error_body", "thing_of"]
