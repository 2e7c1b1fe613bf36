"""How CityOps' own tables are SensorThings entities: nothing is copied, every entity is read from the domain rows.

Things are the devices and places the domains already register: environment stations (air or noise), traffic
sensors (loops, cameras, probe vehicles) and health facilities. Each Thing has one Location (its point), which is
also the FeatureOfInterest of all its observations. A Datastream is one measured quantity of one Thing (a station's
PM2.5 is the `pm25` column of its AirReading rows); an Observation is one non-empty cell of a raw reading row.

**@iot.id encoding** (integers, stable as long as the rows are; see README "SensorThings API"):

- Thing, Location, FeatureOfInterest: `pk × 10 + kind`, kind 1 a station, 2 a traffic sensor, 3 a facility
  (Location and FeatureOfInterest share the Thing's id: one point per thing);
- ObservedProperty: the quantity's code `q` (QUANTITIES, 1–99);
- Datastream: `thing pk × 100 + q` (q says which table, hence which kind of thing);
- Observation: `reading row pk × 100 + q` (q says which table and column);
- Sensor: the instrument kind (SENSORS, 1–6).

**Who sees what**: a kind of thing is public when every field its entities show — the thing's code, names and
point and its readings — is labelled public as it is (apps/core/classification.py): environment stations are.
Other kinds (traffic sensors: internal; facilities: their capacity snapshots are important data) are shown only to
a signed-in person with the kind's view permission, narrowed to the regions of their scope
(apps/accounts/selectors.py); to everyone else they do not exist (absent from collections, 404 by id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.selectors import regions_scope
from apps.core.classification import Public, label_for
from apps.core.i18n import localized
from apps.environment.models import AirReading, NoiseReading, Station
from apps.healthcare.models import CapacitySnapshot, Facility
from apps.traffic.models import TrafficReading, TrafficSensor

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
UCUM = "http://unitsofmeasure.org/ucum.html#"
EEA = "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/"  # the EEA's air-pollutant vocabulary
OWN = "urn:cityops:def:observed-property:"  # quantities no public vocabulary names as we measure them


@dataclass(frozen=True)
class ThingKind:
    """One table of things: its model, its readings' model and foreign key, and the view permission staff need."""

    code: int  # the last digit of the Thing's @iot.id
    key: str
    model: type[models.Model]
    reading: type[models.Model]
    reading_fk: str  # the reading's foreign key to the thing ("station")
    permission: str
    thing_fields: tuple[str, ...]  # the thing's fields the entities show

    def is_public(self) -> bool:
        """Whether everything the entities of this kind show may leave for the public as it is (the labels)."""
        shown = [(self.model, f) for f in self.thing_fields]
        for q in QUANTITIES.values():
            if q.kind is self:
                shown += [(q.reading, "observed_at"), (q.reading, q.column)]
        return all((label := label_for(m, f)) is not None and label.public == Public.AS_IS for m, f in shown)


STATION = ThingKind(1, "station", Station, AirReading, "station", "environment.view_station",
                    ("code", "name_zh", "name_en", "kind", "lon", "lat", "region", "operator", "zone"))  # fmt: skip
TRAFFIC = ThingKind(2, "traffic", TrafficSensor, TrafficReading, "sensor", "traffic.view_trafficsensor",
                    ("code", "kind", "lon", "lat", "segment", "region"))  # fmt: skip
FACILITY = ThingKind(3, "facility", Facility, CapacitySnapshot, "facility", "healthcare.view_capacitysnapshot",
                     ("code", "name_zh", "name_en", "kind", "lon", "lat", "region"))  # fmt: skip
KINDS = {k.code: k for k in (STATION, TRAFFIC, FACILITY)}


@dataclass(frozen=True)
class Quantity:
    """One Datastream per thing for each quantity it measures: a column of the kind's reading table."""

    code: int  # ObservedProperty @iot.id, the last two digits of Datastream and Observation ids
    kind: ThingKind
    reading: type[models.Model]  # AirReading and NoiseReading are both a station's
    column: str
    name: Any  # a word, or its lazy translation (the response's language)
    definition: str
    unit: tuple[str, str, str]  # name, symbol, definition
    count: bool = False  # a whole count (OM_CountObservation), else a measurement
    needs: Callable[[Any], bool] = lambda thing: True  # whether a given thing measures it
    description: Any = ""  # what kind of value, not naming the quantity again ("hourly mean")

    @property
    def fk(self) -> str:
        return self.kind.reading_fk

    @property
    def observation_type(self) -> str:
        return COUNT if self.count else MEASUREMENT


def _air(station: Any) -> bool:
    return bool(station.kind == Station.Kind.AIR)


def _ugm3(code: int, column: str, name: str, definition: str) -> Quantity:
    return Quantity(code, STATION, AirReading, column, name, definition, ("microgram per cubic metre", "µg/m³",
                    UCUM + "ug/m3"), needs=_air, description=gettext_lazy("hourly mean"))  # fmt: skip


QUANTITIES: dict[int, Quantity] = {
    q.code: q
    for q in (
        _ugm3(1, "pm25", "PM2.5", EEA + "6001"),
        _ugm3(2, "pm10", "PM10", EEA + "5"),
        _ugm3(3, "so2", "SO2", EEA + "1"),
        _ugm3(4, "no2", "NO2", EEA + "8"),
        _ugm3(5, "o3", "O3", EEA + "7"),
        Quantity(
            6,
            STATION,
            AirReading,
            "co",
            "CO",
            EEA + "10",
            ("milligram per cubic metre", "mg/m³", UCUM + "mg/m3"),
            needs=_air,
            description=gettext_lazy("hourly mean"),
        ),  # fmt: skip
        Quantity(
            7,
            STATION,
            NoiseReading,
            "leq",
            "Leq",
            OWN + "leq",
            ("decibel (A-weighted)", "dB(A)", UCUM + "dB"),
            needs=lambda s: s.kind == Station.Kind.NOISE,
            description=gettext_lazy("equivalent continuous sound level over the hour"),
        ),  # fmt: skip
        Quantity(
            11,
            TRAFFIC,
            TrafficReading,
            "speed_kmh",
            gettext_lazy("speed"),
            OWN + "traffic-speed",
            ("kilometre per hour", "km/h", UCUM + "km/h"),
            description=gettext_lazy("mean over the reporting interval"),
        ),
        Quantity(
            12,
            TRAFFIC,
            TrafficReading,
            "volume",
            gettext_lazy("volume"),
            OWN + "traffic-volume",
            ("vehicles", "{vehicle}", UCUM + "{vehicle}"),
            count=True,
            description=gettext_lazy("vehicles over the reporting interval"),
        ),  # fmt: skip
        Quantity(
            13,
            TRAFFIC,
            TrafficReading,
            "occupancy",
            gettext_lazy("occupancy"),
            OWN + "traffic-occupancy",
            ("percent", "%", UCUM + "%"),
            description=gettext_lazy("share of the interval the detector was occupied"),
        ),
        Quantity(
            21,
            FACILITY,
            CapacitySnapshot,
            "beds_occupied",
            gettext_lazy("beds occupied"),
            OWN + "beds-occupied",
            ("beds", "{bed}", UCUM + "{bed}"),
            count=True,
        ),  # fmt: skip
        Quantity(
            22,
            FACILITY,
            CapacitySnapshot,
            "icu_occupied",
            gettext_lazy("ICU beds occupied"),
            OWN + "icu-occupied",
            ("beds", "{bed}", UCUM + "{bed}"),
            count=True,
            needs=lambda f: f.icu_beds > 0,
        ),  # fmt: skip
        Quantity(
            23,
            FACILITY,
            CapacitySnapshot,
            "er_waiting",
            gettext_lazy("waiting in the emergency room"),
            OWN + "er-waiting",
            ("people", "{person}", UCUM + "{person}"),
            count=True,
            needs=lambda f: f.emergency,
        ),  # fmt: skip
        Quantity(
            24,
            FACILITY,
            CapacitySnapshot,
            "er_wait_minutes",
            gettext_lazy("emergency wait"),
            OWN + "er-wait",
            ("minute", "min", UCUM + "min"),
            count=True,
            needs=lambda f: f.emergency,
        ),  # fmt: skip
        Quantity(
            25,
            FACILITY,
            CapacitySnapshot,
            "fever_clinic_visits",
            gettext_lazy("fever clinic visits today"),
            OWN + "fever-clinic-visits",
            ("visits", "{visit}", UCUM + "{visit}"),
            count=True,
            needs=lambda f: f.fever_clinic,
            description=gettext_lazy("the local day's visits so far"),
        ),  # fmt: skip
    )
}


@dataclass(frozen=True)
class SensorKind:
    code: int
    kind: ThingKind
    name: Any  # lazily translated
    description: Any
    matches: Callable[[Any], bool]


SENSORS: dict[int, SensorKind] = {
    s.code: s
    for s in (
        SensorKind(
            1,
            STATION,
            gettext_lazy("air quality analyser"),
            gettext_lazy("automatic analysers of an air monitoring station, hourly means (HJ 193)"),
            _air,
        ),  # fmt: skip
        SensorKind(
            2,
            STATION,
            gettext_lazy("sound level meter"),
            gettext_lazy("class 1 sound level meter of a noise monitoring station"),
            lambda s: s.kind == Station.Kind.NOISE,
        ),  # fmt: skip
        SensorKind(
            3,
            TRAFFIC,
            gettext_lazy("induction loop"),
            gettext_lazy("inductive loop detector"),
            lambda s: s.kind == TrafficSensor.Kind.LOOP,
        ),
        SensorKind(
            4,
            TRAFFIC,
            gettext_lazy("traffic camera"),
            gettext_lazy("video detector"),
            lambda s: s.kind == TrafficSensor.Kind.CAMERA,
        ),
        SensorKind(
            5,
            TRAFFIC,
            gettext_lazy("probe vehicles"),
            gettext_lazy("speeds of probe vehicles on the segment"),
            lambda s: s.kind == TrafficSensor.Kind.PROBE,
        ),  # fmt: skip
        SensorKind(
            6,
            FACILITY,
            gettext_lazy("capacity report"),
            gettext_lazy("the facility's information system reporting capacity counts"),
            lambda f: True,
        ),  # fmt: skip
    )
}


# --- ids ---------------------------------------------------------------------------------------------------------

MAX_ID = 10**15  # no row's id comes near; a larger one names nothing (and would overflow a database integer)


def thing_id(kind: ThingKind, pk: int) -> int:
    return pk * 10 + kind.code


def thing_of(iot_id: int) -> tuple[ThingKind, int] | None:
    kind = KINDS.get(iot_id % 10)
    return (kind, iot_id // 10) if kind and 0 < iot_id <= MAX_ID else None


def datastream_id(quantity: Quantity, thing_pk: int) -> int:
    return thing_pk * 100 + quantity.code


def datastream_of(iot_id: int) -> tuple[Quantity, int] | None:
    quantity = QUANTITIES.get(iot_id % 100)
    return (quantity, iot_id // 100) if quantity and 0 < iot_id <= MAX_ID else None


def observation_id(quantity: Quantity, row_pk: int) -> int:
    return row_pk * 100 + quantity.code


observation_of = datastream_of  # the same split: (quantity, row pk)


# --- The entities a caller may see --------------------------------------------------------------------------------


@dataclass
class Rec:
    """One entity: its set, @iot.id, JSON properties, and what navigation needs."""

    entity_set: str
    id: int
    props: dict[str, Any]
    thing: Any = None  # the model row of the Thing it belongs to (Thing, Location, FOI, Datastream)
    kind: ThingKind | None = None
    quantity: Quantity | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def visible_kinds(user: Any) -> dict[ThingKind, bool]:
    """{kind: narrowed to the user's regions} for the kinds the caller may read (public ones whole)."""
    seen: dict[ThingKind, bool] = {}
    for kind in KINDS.values():
        if kind.is_public():
            seen[kind] = False
        elif getattr(user, "is_authenticated", False) and user.has_perm(kind.permission):
            seen[kind] = True
    return seen


class Catalog:
    """The things (and all that hangs on them) one caller may see, read once per request."""

    def __init__(self, user: Any, *, site: str = "/") -> None:
        self.user = user
        self.site = site  # this server's root URL, for the Sensors' metadata pages
        self.kinds = visible_kinds(user)

    @cached_property
    def things(self) -> dict[int, Rec]:
        found: dict[int, Rec] = {}
        for kind, scoped in self.kinds.items():
            rows = kind.model._default_manager.select_related("region").order_by("pk")
            if scoped:
                rows = regions_scope(rows, user=self.user)
            for row in rows:
                rec = _thing_rec(kind, row)
                found[rec.id] = rec
        return found

    @cached_property
    def datastreams(self) -> dict[int, Rec]:
        found: dict[int, Rec] = {}
        for thing in self.things.values():
            for quantity in QUANTITIES.values():
                if quantity.kind is thing.kind and quantity.needs(thing.thing):
                    rec = _datastream_rec(quantity, thing)
                    found[rec.id] = rec
        return found

    def datastreams_of(self, thing: Rec) -> list[Rec]:
        return [_datastream_rec(q, thing) for q in QUANTITIES.values() if q.kind is thing.kind and q.needs(thing.thing)]

    @cached_property
    def locations(self) -> dict[int, Rec]:
        return {t.id: _location_rec(t) for t in self.things.values()}

    @cached_property
    def features(self) -> dict[int, Rec]:
        return {t.id: _feature_rec(t) for t in self.things.values()}

    @cached_property
    def sensors(self) -> dict[int, Rec]:
        return {s.code: _sensor_rec(s, self.site) for s in SENSORS.values() if s.kind in self.kinds}

    @cached_property
    def observed_properties(self) -> dict[int, Rec]:
        return {q.code: _observed_property_rec(q) for q in QUANTITIES.values() if q.kind in self.kinds}

    def collection(self, entity_set: str) -> dict[int, Rec]:
        return {
            "Things": lambda: self.things,
            "Locations": lambda: self.locations,
            "HistoricalLocations": dict,
            "Datastreams": lambda: self.datastreams,
            "Sensors": lambda: self.sensors,
            "ObservedProperties": lambda: self.observed_properties,
            "FeaturesOfInterest": lambda: self.features,
        }[entity_set]()

    def one(self, entity_set: str, iot_id: int) -> Rec | None:
        """One entity by id, reading only its thing's row (not the whole catalog) unless it is read already."""
        if entity_set in ("Things", "Locations", "FeaturesOfInterest"):
            thing = self._thing(iot_id)
            if thing is None or entity_set == "Things":
                return thing
            return _location_rec(thing) if entity_set == "Locations" else _feature_rec(thing)
        if entity_set == "Datastreams":
            found = datastream_of(iot_id)
            if found is None:
                return None
            quantity, thing_pk = found
            thing = self._thing(thing_id(quantity.kind, thing_pk))
            return _datastream_rec(quantity, thing) if thing and quantity.needs(thing.thing) else None
        return self.collection(entity_set).get(iot_id)

    def _thing(self, iot_id: int) -> Rec | None:
        if "things" in self.__dict__:  # already read whole
            return self.things.get(iot_id)
        found = thing_of(iot_id)
        if found is None or found[0] not in self.kinds:
            return None
        kind, pk = found
        rows = kind.model._default_manager.select_related("region").filter(pk=pk)
        if self.kinds[kind]:
            rows = regions_scope(rows, user=self.user)
        row = rows.first()
        return _thing_rec(kind, row) if row is not None else None

    def scoped_thing_pks(self, kind: ThingKind) -> set[int] | None:
        """The pks of the kind's things the caller sees, or None when the kind is public whole (no SQL filter)."""
        if kind not in self.kinds:
            return set()
        if not self.kinds[kind]:
            return None
        return {t.thing.pk for t in self.things.values() if t.kind is kind}

    def sensor_of(self, datastream: Rec) -> Rec | None:
        for sensor in SENSORS.values():
            if sensor.kind is datastream.kind and sensor.matches(datastream.thing):
                return self.sensors.get(sensor.code)
        return None


def _thing_rec(kind: ThingKind, row: Any) -> Rec:
    region = row.region.code if row.region_id else None
    if kind is STATION:
        name = localized(row)
        description = _("%(kind)s monitoring station %(code)s") % {"kind": row.get_kind_display(), "code": row.code}
        props = {"code": row.code, "kind": row.kind, "region": region, "operator": row.operator, "zone": row.zone}
    elif kind is TRAFFIC:
        name = row.code
        description = _("%(kind)s traffic sensor %(code)s") % {"kind": row.get_kind_display(), "code": row.code}
        props = {"code": row.code, "kind": row.kind, "region": region, "segment_id": row.segment_id}
    else:
        name = localized(row)
        description = _("%(kind)s %(code)s") % {"kind": row.get_kind_display(), "code": row.code}
        props = {"code": row.code, "kind": row.kind, "region": region}
    return Rec("Things", thing_id(kind, row.pk), {"name": name, "description": str(description), "properties": props},
               thing=row, kind=kind)  # fmt: skip


def _point(thing: Rec) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [thing.thing.lon, thing.thing.lat]}


def _location_rec(thing: Rec) -> Rec:
    props = {
        "name": thing.props["name"],
        "description": _("where %(name)s stands") % {"name": thing.props["name"]},
        "encodingType": "application/geo+json",
        "location": _point(thing),
    }
    return Rec("Locations", thing.id, props, thing=thing.thing, kind=thing.kind)


def _feature_rec(thing: Rec) -> Rec:
    props = {
        "name": thing.props["name"],
        "description": _("the point observed by %(name)s") % {"name": thing.props["name"]},
        "encodingType": "application/geo+json",
        "feature": _point(thing),
    }
    return Rec("FeaturesOfInterest", thing.id, props, thing=thing.thing, kind=thing.kind)


def _datastream_rec(quantity: Quantity, thing: Rec) -> Rec:
    name, symbol, definition = quantity.unit
    what = _quantity_text(quantity)
    props = {
        "name": f"{thing.props['name']} {quantity.name}",
        "description": _("%(what)s (%(thing)s)") % {"what": what, "thing": thing.props["name"]},
        "unitOfMeasurement": {"name": name, "symbol": symbol, "definition": definition},
        "observationType": quantity.observation_type,
        "observedArea": _point(thing),
        "properties": {"column": quantity.column},
    }
    return Rec("Datastreams", datastream_id(quantity, thing.thing.pk), props, thing=thing.thing, kind=thing.kind,
               quantity=quantity, extra={"thing_id": thing.id})  # fmt: skip


SENSOR_PAGES = {1: "environment:public-aqi", 2: "environment:index", 3: "traffic:index", 4: "traffic:index",
                5: "traffic:index", 6: "healthcare:index"}  # fmt: skip


def _quantity_text(quantity: Quantity) -> str:
    if not quantity.description:
        return str(quantity.name)
    return _("%(quantity)s: %(description)s") % {"quantity": quantity.name, "description": quantity.description}


def _sensor_rec(sensor: SensorKind, site: str) -> Rec:
    """encodingType text/html (one of 18-088's three for a Sensor): metadata is the URL of this server's page
    showing what the instruments of the kind report (the public AQI page for the air analysers; staff pages, which
    ask to sign in, for the others)."""
    page = site.rstrip("/") + reverse(SENSOR_PAGES[sensor.code])
    props = {"name": str(sensor.name), "description": str(sensor.description), "encodingType": "text/html",
             "metadata": page}  # fmt: skip
    return Rec("Sensors", sensor.code, props, kind=sensor.kind, extra={"sensor": sensor})


def _observed_property_rec(quantity: Quantity) -> Rec:
    what = _quantity_text(quantity)
    props = {"name": str(quantity.name), "definition": quantity.definition, "description": what}
    return Rec("ObservedProperties", quantity.code, props, kind=quantity.kind, quantity=quantity)
