"""The basemap every map draws: our own public data as labelled layers, optionally over an operator's tiles.

- Layers: the administrative boundaries and their names (this app) plus what each domain app declares in its
  own `apps/<app>/basemap.py` as `BASEMAP_LAYERS` (roads, health facilities, monitoring stations, …): found by
  module name, so a new domain adds its layer without editing this file. Only fields classified PUBLIC go out
  (tests/regions/test_basemap.py checks it against apps/*/classification.py).
- Style: a MapLibre style (version 8) whose sources are those layers as one GeoJSON document, with no `glyphs`
  (MapLibre draws text with the device's own fonts), beneath them the tiles of CITYOPS_BASEMAP_TILES or of the
  local CITYOPS_BASEMAP_FILE when one is set.
- Search: places by name (regions, roads, facilities, stations) and addresses matched against region names,
  the facilities' public addresses and the imported address list (`Address`, manage.py import_addresses).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import CharField, F, Q, Value
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.regions.models import Address, Region
from apps.regions.tiles import TileFileError, TileFileInfo, tile_file_open

Feature = dict[str, Any]


@dataclass(frozen=True)
class BasemapLayer:
    """A layer a domain app adds to the basemap.

    `features` returns GeoJSON Features whose properties hold `code`, `name_zh`, `name_en` and optionally `class`
    (a subtype: a road class, a facility kind) and `address`; every value must be public by classification.
    """

    key: str  # "roads", "facilities", …: unique
    geometry: str  # "line" or "point"
    kind_label: str | Promise  # what one feature is, shown in search results ("Road", "Health facility")
    features: Callable[[], Iterable[Feature]]
    color: str = "#555555"
    label_minzoom: float = 12
    order: int = 50


LEVEL_LABELS: dict[str, Promise] = {
    Region.Level.DISTRICT: _("District"),
    Region.Level.STREET: _("Street"),
    Region.Level.COMMUNITY: _("Community"),
}
LANGUAGES = ("zh-hans", "en")


def basemap_layers() -> list[BasemapLayer]:
    """Every domain app's `BASEMAP_LAYERS`, in their `order`."""
    layers: list[BasemapLayer] = []
    for config in apps.get_app_configs():
        module = f"{config.name}.basemap"
        if config.name.startswith("apps.") and config.name != "apps.regions" and find_spec(module):
            layers.extend(getattr(import_module(module), "BASEMAP_LAYERS", []))
    return sorted(layers, key=lambda layer: (layer.order, layer.key))


# --- Data -----------------------------------------------------------------------------------------------------


def _regions() -> list[Region]:
    return list(Region.objects.exclude(level=Region.Level.CITY).defer("geometry").order_by("depth", "code"))


def _region_properties(region: Region) -> dict[str, Any]:
    return {"code": region.code, "name_zh": region.name_zh, "name_en": region.name_en, "class": region.level}


def basemap_features() -> dict[str, Any]:
    """One FeatureCollection: region boundaries (`layer` "regions"), their label points ("region-labels") and
    every domain layer's features (`layer` its key). Public data only."""
    features: list[Feature] = []
    for region in _regions():
        properties = _region_properties(region)
        features.append(
            {
                "type": "Feature",
                "geometry": region.geometry_simplified,
                "properties": {"layer": "regions", **properties},
            }
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [region.centroid_lon, region.centroid_lat]},
                "properties": {"layer": "region-labels", **properties},
            }
        )
    for layer in basemap_layers():
        for feature in layer.features():
            features.append({**feature, "properties": {**feature["properties"], "layer": layer.key}})
    return {"type": "FeatureCollection", "features": features}


# --- Style ----------------------------------------------------------------------------------------------------


def _name(language: str) -> list[Any]:
    """The label in the page's language, the other name where that one is empty."""
    first, other = ("name_zh", "name_en") if language == "zh-hans" else ("name_en", "name_zh")
    return ["case", ["!=", ["coalesce", ["get", first], ""], ""], ["get", first], ["coalesce", ["get", other], ""]]


def _is(layer: str) -> list[Any]:
    return ["==", ["get", "layer"], layer]


def _region_layers(language: str, *, over_tiles: bool) -> list[dict[str, Any]]:
    fill = 0.0 if over_tiles else 1.0
    return [
        {
            "id": "region-fill",
            "type": "fill",
            "source": "cityops",
            "filter": ["all", _is("regions"), ["==", ["get", "class"], "district"]],
            "paint": {"fill-color": "#fbfaf6", "fill-opacity": fill},
        },
        {
            "id": "community-line",
            "type": "line",
            "source": "cityops",
            "minzoom": 12,
            "filter": ["all", _is("regions"), ["==", ["get", "class"], "community"]],
            "paint": {"line-color": "#9a8c98", "line-width": 1, "line-dasharray": [2, 2]},
        },
        {
            "id": "street-line",
            "type": "line",
            "source": "cityops",
            "minzoom": 10,
            "filter": ["all", _is("regions"), ["==", ["get", "class"], "street"]],
            "paint": {"line-color": "#7d6b7d", "line-width": ["interpolate", ["linear"], ["zoom"], 10, 1, 15, 2]},
        },
        {
            "id": "district-line",
            "type": "line",
            "source": "cityops",
            "filter": ["all", _is("regions"), ["==", ["get", "class"], "district"]],
            "paint": {"line-color": "#4a3b52", "line-width": ["interpolate", ["linear"], ["zoom"], 8, 1.5, 15, 3.5]},
        },
    ]


def _label_layer(layer_id: str, filter_: list[Any], name: list[Any], **options: Any) -> dict[str, Any]:
    size = options.pop("size", 13)
    color = options.pop("color", "#222222")
    layout = {"text-field": name, "text-size": size, **options.pop("layout", {})}
    return {
        "id": layer_id,
        "type": "symbol",
        "source": "cityops",
        "filter": filter_,
        "layout": layout,
        "paint": {"text-color": color, "text-halo-color": "#ffffff", "text-halo-width": 1.6},
        **options,
    }


def _region_label_layers(language: str) -> list[dict[str, Any]]:
    name = _name(language)

    def level(value: str) -> list[Any]:
        return ["all", _is("region-labels"), ["==", ["get", "class"], value]]

    return [
        # A community is named inside its own area, in every tile that holds part of it (MapLibre labels each
        # tile's piece of a polygon): zoomed in to a street, the community's name is on screen wherever one
        # looks, not only where its centre happens to be.
        _label_layer(
            "community-label", ["all", _is("regions"), ["==", ["get", "class"], "community"]], name,
            minzoom=12.5, size=13, color="#5a4a5a",
        ),
        _label_layer("street-label", level("street"), name, minzoom=11, maxzoom=14.5, size=14, color="#3d2f3d"),
        _label_layer(
            "district-label", level("district"), name, maxzoom=13.5, size=17, color="#2b1f33",
            layout={"text-letter-spacing": 0.05},
        ),
    ]  # fmt: skip


def _domain_style_layers(layer: BasemapLayer, language: str) -> list[dict[str, Any]]:
    name = _name(language)
    if layer.geometry == "line":
        return [
            {
                "id": f"{layer.key}-casing",
                "type": "line",
                "source": "cityops",
                "filter": _is(layer.key),
                "layout": {"line-cap": "round", "line-join": "round"},
                "paint": {"line-color": layer.color, "line-width": ["interpolate", ["exponential", 1.6], ["zoom"],
                                                                     10, 2, 14, 7, 18, 26]},
            },
            {
                "id": f"{layer.key}-line",
                "type": "line",
                "source": "cityops",
                "filter": _is(layer.key),
                "layout": {"line-cap": "round", "line-join": "round"},
                "paint": {"line-color": "#ffffff", "line-width": ["interpolate", ["exponential", 1.6], ["zoom"],
                                                                  10, 1, 14, 5, 18, 22]},
            },
            _label_layer(
                f"{layer.key}-label", _is(layer.key), name, minzoom=layer.label_minzoom, size=12,
                color="#333333", layout={"symbol-placement": "line", "text-max-angle": 40},
            ),
        ]  # fmt: skip
    return [
        {
            "id": f"{layer.key}-point",
            "type": "circle",
            "source": "cityops",
            "filter": _is(layer.key),
            "paint": {
                "circle-color": layer.color,
                "circle-radius": ["interpolate", ["linear"], ["zoom"], 10, 3, 16, 7],
                "circle-stroke-color": "#ffffff",
                "circle-stroke-width": 1.5,
            },
        },
        _label_layer(
            f"{layer.key}-label", _is(layer.key), name, minzoom=layer.label_minzoom, size=12, color=layer.color,
            layout={"text-offset": [0, 0.9], "text-anchor": "top", "text-optional": True},
        ),
    ]  # fmt: skip


def _tile_file_info() -> TileFileInfo | None:
    if not settings.CITYOPS_BASEMAP_FILE:
        return None
    try:
        return tile_file_open(settings.CITYOPS_BASEMAP_FILE).info
    except TileFileError:
        return None  # the map still draws our own layers; the tile endpoint says what is wrong


def _tile_source(*, base_url: str) -> tuple[dict[str, Any] | None, str, list[str]]:
    """The tiles beneath our layers: (source, "raster" | "vector", vector layer names), or (None, "", [])."""
    if settings.CITYOPS_BASEMAP_TILES:
        template = settings.CITYOPS_BASEMAP_TILES
        url = template if template.startswith("http") else base_url + template
        kind = settings.CITYOPS_BASEMAP_TILES_KIND
        source = {"type": kind, "tiles": [url], "maxzoom": 18, "attribution": settings.CITYOPS_BASEMAP_ATTRIBUTION}
        if kind == "raster":
            source["tileSize"] = 256
        return source, kind, []
    info = _tile_file_info()
    if info is None:
        return None, "", []
    source = {
        "type": info.kind,
        "tiles": [f"{base_url}/maps/tiles/{{z}}/{{x}}/{{y}}"],
        "minzoom": info.minzoom,
        "maxzoom": info.maxzoom,
        "attribution": settings.CITYOPS_BASEMAP_ATTRIBUTION or info.attribution,
    }
    if info.bounds:
        source["bounds"] = info.bounds
    if info.kind == "raster":
        source["tileSize"] = 256
    return source, info.kind, info.vector_layers


def _vector_tile_layers(names: list[str]) -> list[dict[str, Any]]:
    """A plain generic style for vector tiles whose schema we do not know: areas, lines and points in greys."""
    layers: list[dict[str, Any]] = []
    for name in names:
        base = {"source": "tiles", "source-layer": name}
        layers += [
            {**base, "id": f"tiles-{name}-fill", "type": "fill", "filter": ["==", ["geometry-type"], "Polygon"],
             "paint": {"fill-color": "#e8e4da", "fill-outline-color": "#cfc8b8"}},
            {**base, "id": f"tiles-{name}-line", "type": "line", "filter": ["==", ["geometry-type"], "LineString"],
             "paint": {"line-color": "#c9c2b2", "line-width": 1}},
            {**base, "id": f"tiles-{name}-point", "type": "circle", "filter": ["==", ["geometry-type"], "Point"],
             "paint": {"circle-color": "#b5ad9c", "circle-radius": 2}},
        ]  # fmt: skip
    return layers


def basemap_style(*, language: str, base_url: str) -> dict[str, Any]:
    """The MapLibre style: background, optional tiles, then our labelled layers. `base_url` is this site's origin
    (the style's URLs must be absolute: MapLibre's workers resolve them, not the page)."""
    tiles, kind, vector_layers = _tile_source(base_url=base_url)
    sources: dict[str, Any] = {"cityops": {"type": "geojson", "data": f"{base_url}/maps/features.geojson"}}
    layers: list[dict[str, Any]] = [
        {"id": "background", "type": "background", "paint": {"background-color": "#efece4"}}
    ]
    if tiles is not None:
        sources = {"tiles": tiles, **sources}
        if kind == "raster":
            layers.append({"id": "tiles", "type": "raster", "source": "tiles"})
        else:
            layers += _vector_tile_layers(vector_layers)
    layers += _region_layers(language, over_tiles=tiles is not None)
    domain = basemap_layers()
    for layer in domain:
        if layer.geometry == "line":
            layers += _domain_style_layers(layer, language)
    layers += _region_label_layers(language)[:2]
    for layer in domain:
        if layer.geometry != "line":
            layers += _domain_style_layers(layer, language)
    layers += _region_label_layers(language)[2:]
    return {"version": 8, "name": "CityOps", "sources": sources, "layers": layers}


def basemap_strings() -> dict[str, str]:
    """What basemap.js says, in the active language: sent in the style's `metadata` (one request, no inline JS)."""
    strings = {
        "map_label": _("Map. Drag to move it; pinch, scroll or use + and − to zoom."),
        "search_label": _("Find a street, community, road or place"),
        "search_placeholder": _("Street, community, road or address"),
        "search": _("Search"),
        "searching": _("Searching…"),
        "no_results": _("Nothing found by that name. Try part of it, or move the map yourself."),
        "search_failed": _("The search is not answering. Move the map yourself, or try again."),
        "found": _("%(name)s: now tap the exact spot on the map."),
        "found_view": _("Showing %(name)s."),
        "pin_hint": _("Tap the map where it is. Zoom in to your street first."),
        "pin_center": _("Pin the centre of the map"),
        "looking_up": _("Finding the place…"),
        "pinned_in": _("Location: %(place)s"),
        "outside": _("This spot is outside the city's area: tap inside it."),
        "lookup_failed": _("Pinned. Which area it is in cannot be looked up just now."),
        "map_failed": _("The map cannot be shown on this device. Search for the place or type the address."),
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
        "reset_north": _("Reset bearing to north"),
        "marker": _("Pin"),
    }
    return {key: str(text) for key, text in strings.items()}


# --- Search ---------------------------------------------------------------------------------------------------

QUERY_MAX = 100
RESULTS_MAX = 8
# What names end with that people leave out when they type ("七星" for 七星街道), longest first.
_SUFFIXES = ("街道办事处", "社区居委会", "居委会", "街道", "社区", "村委会", "镇", "乡", "村", "区", "县", "市")


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # district / street / community / a domain layer's key
    kind_label: str
    context: str  # what it lies in ("东湖区 · 七星街道") or its address
    center: tuple[float, float]
    bbox: tuple[float, float, float, float] | None
    score: int  # lower is better


def fold(text: str) -> str:
    """Full-width to half-width, case folded, spaces out: "Qixing  Street" and "ｑｉｘｉｎｇstreet" meet."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _core(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _match(query: str, *names: str) -> int | None:
    """How well a typed query names a place: 0 exact, 1 prefix, 2 inside, 3 the place's name inside the
    query (an address: "七星街道幸福路12号"), None not at all."""
    best: int | None = None
    for raw in names:
        name = fold(raw)
        if not name:
            continue
        if query == name or query == _core(name):
            score = 0
        elif name.startswith(query):
            score = 1
        elif query in name:
            score = 2
        elif len(_core(name)) >= 2 and _core(name) in query:
            score = 3
        else:
            continue
        best = score if best is None else min(best, score)
    return best


def _localized(zh: str, en: str, language: str) -> str:
    return (zh or en) if language == "zh-hans" else (en or zh)


def _region_places(query: str, language: str) -> list[Place]:
    regions = _regions()
    by_code = {r.code: r for r in regions}
    places = []
    for region in regions:
        score = _match(query, region.name_zh, region.name_en)
        if score is None:
            continue
        ancestors = [by_code[c] for c in region.path.strip("/").split("/")[:-1] if c in by_code]
        context = " · ".join(_localized(a.name_zh, a.name_en, language) for a in ancestors)
        # an address names its deepest region best: among places found inside the query, deeper first
        rank = score * 10 + (3 - region.depth if score == 3 else region.depth)
        places.append(
            Place(
                name=_localized(region.name_zh, region.name_en, language),
                kind=region.level,
                kind_label=str(LEVEL_LABELS[region.level]),
                context=context,
                center=(region.centroid_lon, region.centroid_lat),
                bbox=tuple(region.bbox),
                score=rank,
            )
        )
    return places


def _feature_places(query: str, language: str) -> list[Place]:
    places = []
    for layer in basemap_layers():
        for feature in layer.features():
            props = feature["properties"]
            score = _match(query, props.get("name_zh", ""), props.get("name_en", ""))
            address = props.get("address") or ""
            if score is None and address and len(query) >= 2 and query in fold(address):
                score = 2
            if score is None:
                continue
            bbox = _geometry_bbox(feature["geometry"])
            places.append(
                Place(
                    name=_localized(props.get("name_zh", ""), props.get("name_en", ""), language),
                    kind=layer.key,
                    kind_label=str(layer.kind_label),
                    context=address,
                    center=((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2),
                    bbox=bbox if bbox[0] != bbox[2] or bbox[1] != bbox[3] else None,
                    score=score * 10 + 5,
                )
            )
    return places


def _address_places(query: str, language: str) -> list[Place]:
    """Imported addresses (manage.py import_addresses) whose text holds the query (at least two characters),
    or that a longer typed address holds ("七星四社区幸福路12号3单元"): these before the regions it names."""
    if len(query) < 2:
        return []
    typed = Value(query, output_field=CharField())
    found = list(
        Address.objects.alias(typed=typed)
        .filter(Q(search_text__contains=query) | Q(typed__contains=F("text_zh")))
        .select_related("region")
        .order_by("text_zh")[: RESULTS_MAX * 4]
    )
    codes = {code for a in found if a.region for code in a.region.path.strip("/").split("/")}
    named = Region.objects.filter(code__in=codes).exclude(level=Region.Level.CITY).only("code", "name_zh", "name_en")
    regions = {r.code: r for r in named}
    places = []
    for address in found:
        score = _match(query, address.text_zh, address.text_en)
        if score is None:
            continue
        path = address.region.path.strip("/").split("/") if address.region else []
        context = " · ".join(_localized(regions[c].name_zh, regions[c].name_en, language) for c in path if c in regions)
        places.append(
            Place(
                name=_localized(address.text_zh, address.text_en, language),
                kind="address",
                kind_label=str(_("Address")),
                context=context,
                center=(address.lon, address.lat),
                bbox=None,
                score=score * 10 + (-1 if score == 3 else 4),
            )
        )
    return places


def _geometry_bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    points: list[list[float]] = []

    def walk(coordinates: Any) -> None:
        if coordinates and isinstance(coordinates[0], (int, float)):
            points.append(coordinates)
        else:
            for part in coordinates:
                walk(part)

    walk(geometry["coordinates"])
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return (min(lons), min(lats), max(lons), max(lats))


def basemap_search(*, query: str, language: str) -> list[Place]:
    """Places whose name matches the query, or whose name an address holds; best first, at most RESULTS_MAX."""
    folded = fold(query)
    if not folded:
        return []
    places = _merged(
        _region_places(folded, language) + _address_places(folded, language) + _feature_places(folded, language)
    )
    return sorted(places, key=lambda p: (p.score, counted(p.name), p.name))[:RESULTS_MAX]


_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                   "九": 9}  # fmt: skip
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMBER_RUN = re.compile(r"(\d+|[零〇一二两三四五六七八九十百千]+)")


def _chinese_number(run: str) -> int:
    """十一 → 11, 二十 → 20, 一百零五 → 105; a run of bare digits is read digit by digit (一二 → 12)."""
    if not any(ch in _CHINESE_UNITS for ch in run):
        return int("".join(str(_CHINESE_DIGITS[ch]) for ch in run))
    total, current = 0, 0
    for ch in run:
        if ch in _CHINESE_UNITS:
            total += (current or 1) * _CHINESE_UNITS[ch]
            current = 0
        else:
            current = _CHINESE_DIGITS[ch]
    return total + current


def counted(name: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key that counts the way people do: numbers in a name, in digits or Chinese numerals, compare as
    numbers ("七星二社区" before "七星十社区", "3号楼" before "10号楼"); the rest as text."""
    key = []
    for index, part in enumerate(_NUMBER_RUN.split(unicodedata.normalize("NFKC", name))):
        if not part:
            continue
        if index % 2:
            key.append((0, int(part) if part.isdigit() else _chinese_number(part), ""))
        else:
            key.append((1, 0, part.casefold()))
    return tuple(key)


def _merged(places: list[Place]) -> list[Place]:
    """A road measured in several segments is one road: same kind and name, one place spanning them all."""
    by_key: dict[tuple[str, str, str], Place] = {}
    for place in places:
        key = (place.kind, place.name, place.context if place.kind in LEVEL_LABELS else "")
        seen = by_key.get(key)
        if seen is None or seen.bbox is None or place.bbox is None:
            by_key.setdefault(key, place)
            continue
        west, south = min(seen.bbox[0], place.bbox[0]), min(seen.bbox[1], place.bbox[1])
        east, north = max(seen.bbox[2], place.bbox[2]), max(seen.bbox[3], place.bbox[3])
        by_key[key] = Place(
            name=seen.name, kind=seen.kind, kind_label=seen.kind_label, context=seen.context,
            center=((west + east) / 2, (south + north) / 2), bbox=(west, south, east, north),
            score=min(seen.score, place.score),
        )  # fmt: skip
    return list(by_key.values())
