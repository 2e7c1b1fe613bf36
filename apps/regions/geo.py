"""Geometry work for regions: reading boundary files (geopandas) and the point → region index (shapely).

Nothing here touches the database; services and selectors call it.
"""

from __future__ import annotations

import json
import math
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, overload

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from apps.core.errors import ApplicationError

# Douglas-Peucker tolerance (degrees) for map layers: about 200 m for a city outline, 10 m for a community.
SIMPLIFY_TOLERANCE_DEG = {"city": 0.002, "district": 0.001, "street": 0.0003, "community": 0.0001}
STORED_DECIMALS = 6  # ~0.1 m: more digits only add bytes
SIMPLIFIED_DECIMALS = 5
EQUAL_AREA_CRS = "EPSG:6933"
MAX_CODE_LENGTH = 32  # Region.code
MAX_NAME_LENGTH = 100  # Region.name_zh / name_en  # WGS 84 / NSIDC EASE-Grid 2.0 Global: areas in m²

CODE_FIELD_CANDIDATES = ("code", "adcode", "CODE", "ADCODE", "GID_4", "GID_3", "GID_2", "GID_1", "id", "ID")
NAME_FIELD_CANDIDATES = (
    "name_zh",
    "name",
    "NAME",
    "NAME_ZH",
    "名称",
    "NL_NAME_3",
    "NL_NAME_2",
    "NAME_3",
    "NAME_2",
)
NAME_EN_FIELD_CANDIDATES = ("name_en", "NAME_EN", "ENGLISH", "NAME_ENG")
POPULATION_FIELD_CANDIDATES = ("population", "POPULATION", "POP", "pop")


class BoundaryFileError(ApplicationError):
    """The boundary file cannot be imported; the message says why in one line."""


@dataclass(frozen=True)
class BoundaryFeature:
    number: int  # 1-based position in the file, for messages
    code: str
    name_zh: str
    name_en: str
    parent_code: str | None
    population: int | None
    geometry: BaseGeometry  # Polygon or MultiPolygon, WGS84, valid


@dataclass(frozen=True)
class BoundaryOptions:
    """How to read a boundary file: the fields holding each role (None: the usual names are tried; dotted names
    reach into JSON objects), the layer of a file with several, and the CRS of a file that names none."""

    code_field: str | None = None
    name_field: str | None = None
    name_en_field: str | None = None
    parent_field: str | None = None
    population_field: str | None = None
    layer: str | None = None
    source_crs: str | None = None


@dataclass
class BoundaryFile:
    features: list[BoundaryFeature]
    fields: dict[str, str]  # role -> field name used
    notes: list[str] = field(default_factory=list)  # repairs, skipped features, assumed CRS


# --- Reading -----------------------------------------------------------------------------------------


def read_boundary_file(path: str | Path, options: BoundaryOptions = BoundaryOptions()) -> BoundaryFile:
    """Read GeoJSON, Shapefile (.shp, a folder or a .zip) or GeoPackage in any CRS as WGS84 polygons.

    Field names may be dotted to reach into JSON objects ("parent.adcode"). Without a field name the
    usual names are tried (adcode, code, name, NAME_2, …). Invalid geometry is repaired and noted;
    features that are not polygons are skipped and noted. Raises BoundaryFileError when the file cannot
    be read, a field is missing, a code is empty or repeated, or no polygon is left.
    """
    frame = _read_frame(Path(path), layer=options.layer)
    notes: list[str] = []
    frame = _to_wgs84(frame, source_crs=options.source_crs, notes=notes)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    fields = {
        "code": _pick_field(columns, options.code_field, CODE_FIELD_CANDIDATES, role="code", option="--code-field"),
        "name": _pick_field(columns, options.name_field, NAME_FIELD_CANDIDATES, role="name", option="--name-field"),
    }
    optional = {
        "name_en": (options.name_en_field, NAME_EN_FIELD_CANDIDATES, "--name-en-field"),
        "parent": (options.parent_field, (), "--parent-field"),
        "population": (options.population_field, POPULATION_FIELD_CANDIDATES, "--population-field"),
    }
    for role, (given, candidates, option) in optional.items():
        chosen = _pick_field(columns, given, candidates, role=role, option=option, required=False)
        if chosen:
            fields[role] = chosen
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    features = _features(records, list(frame.geometry), fields, notes)
    _check_codes(features)
    if not features:
        raise BoundaryFileError(f"{Path(path).name}: no Polygon or MultiPolygon features to import")
    return BoundaryFile(features=features, fields=fields, notes=notes)


def _read_frame(path: Path, *, layer: str | None) -> Any:
    import geopandas
    import pyogrio

    if not path.exists():
        raise BoundaryFileError(f"{path}: no such file or folder")
    source = _zip_source(path) if path.suffix.lower() == ".zip" else str(path)
    try:
        layers = [str(name) for name, _geom in pyogrio.list_layers(source)]
        if layer is None and len(layers) > 1:
            raise BoundaryFileError(f"{path.name} has layers {', '.join(layers)}: choose one with --layer")
        with warnings.catch_warnings():
            # GDAL's notes on non-standard files, and geopandas' on JSON-looking text columns.
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            frame = geopandas.read_file(source, layer=layer, engine="pyogrio")
    except BoundaryFileError:
        raise
    except Exception as exc:  # pyogrio raises several types; all mean "cannot read this file"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BoundaryFileError(f"{path.name}: not a readable GeoJSON, Shapefile or GeoPackage ({reason})") from None
    if not isinstance(frame, geopandas.GeoDataFrame):
        raise BoundaryFileError(f"{path.name}: no geometry (a table, not boundaries)")
    return frame


def _zip_source(path: Path) -> str:
    """A GDAL path into a zip: its root, or the one folder holding the .shp files (zipped folders)."""
    try:
        with zipfile.ZipFile(path) as archive:
            folders = {str(PurePosixPath(name).parent) for name in archive.namelist() if name.lower().endswith(".shp")}
    except zipfile.BadZipFile:
        raise BoundaryFileError(f"{path.name}: not a readable zip archive") from None
    if len(folders) == 1 and (folder := folders.pop()) != ".":
        return f"/vsizip/{path}/{folder}"
    return str(path)


def _to_wgs84(frame: Any, *, source_crs: str | None, notes: list[str]) -> Any:
    try:
        if source_crs:
            frame = frame.set_crs(source_crs, allow_override=True)
        elif frame.crs is None:
            west, south, east, north = frame.total_bounds
            if not all(math.isfinite(v) for v in (west, south, east, north)):
                raise BoundaryFileError("the file has no geometry with coordinates")
            if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
                raise BoundaryFileError(
                    "the file names no coordinate system and its coordinates are not longitude/latitude: "
                    "give it with --source-crs (for example EPSG:4547)"
                )
            notes.append("no coordinate system in the file; coordinates look like longitude/latitude (EPSG:4326)")
            frame = frame.set_crs("EPSG:4326")
        return frame.to_crs("EPSG:4326")
    except BoundaryFileError:
        raise
    except Exception as exc:  # pyproj errors for unknown or impossible CRS
        raise BoundaryFileError(f"cannot reproject to WGS84: {str(exc).splitlines()[0]}") from None


@overload
def _pick_field(columns: list[str], given: str | None, candidates: Sequence[str], *, role: str, option: str) -> str: ...
@overload
def _pick_field(
    columns: list[str], given: str | None, candidates: Sequence[str], *, role: str, option: str, required: bool
) -> str | None: ...
def _pick_field(
    columns: list[str],
    given: str | None,
    candidates: Sequence[str],
    *,
    role: str,
    option: str,
    required: bool = True,
) -> str | None:
    """The field holding `role`: the one given, else the first candidate the file has; BoundaryFileError when
    none is found and it is required (so a required field always comes back), None when it is optional."""
    if given:
        if given.split(".", 1)[0] not in columns:
            raise BoundaryFileError(f"field {given!r} ({option}) not found; the file has: {', '.join(columns)}")
        return given
    for candidate in candidates:
        if candidate in columns:
            return candidate
    if required:
        raise BoundaryFileError(
            f"no {role} field found (tried {', '.join(candidates)}); name it with {option}. "
            f"The file has: {', '.join(columns)}"
        )
    return None


def _field_value(record: dict[str, Any], path: str) -> Any:
    head, _dot, rest = path.partition(".")
    value = record.get(head)
    for key in rest.split(".") if rest else []:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return None
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _text(value: Any) -> str:
    """A field value as clean text: None/NaN → "", 110101.0 → "110101"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value).strip()


def _population(value: Any, *, number: int) -> int | None:
    text = _text(value)
    if not text:
        return None
    try:
        population = int(float(text))
    except ValueError:
        raise BoundaryFileError(f"feature #{number}: population {text!r} is not a number") from None
    if population < 0:
        raise BoundaryFileError(f"feature #{number}: population {population} is negative")
    return population


def _features(
    records: list[dict[str, Any]], geometries: list[Any], fields: dict[str, str], notes: list[str]
) -> list[BoundaryFeature]:
    features = []
    for number, (record, geometry) in enumerate(zip(records, geometries, strict=True), start=1):
        code = _text(_field_value(record, fields["code"]))
        if not code:
            raise BoundaryFileError(f"feature #{number} has an empty code (field {fields['code']!r})")
        polygon, note = normalize_polygonal(geometry)
        if note:
            notes.append(f"{code}: {note}")
        if polygon is None:
            continue
        name = _text(_field_value(record, fields["name"]))
        if not name:
            raise BoundaryFileError(f"feature {code} has an empty name (field {fields['name']!r})")
        features.append(
            BoundaryFeature(
                number=number,
                code=code,
                name_zh=name,
                name_en=_text(_field_value(record, fields["name_en"])) if "name_en" in fields else "",
                parent_code=_text(_field_value(record, fields["parent"])) or None if "parent" in fields else None,
                population=_population(_field_value(record, fields["population"]), number=number)
                if "population" in fields
                else None,
                geometry=polygon,
            )
        )
    return features


def _check_codes(features: list[BoundaryFeature]) -> None:
    seen: dict[str, int] = {}
    duplicates = []
    for feature in features:
        if feature.code in seen:
            duplicates.append(f"{feature.code} (features #{seen[feature.code]} and #{feature.number})")
        seen.setdefault(feature.code, feature.number)
    if duplicates:
        raise BoundaryFileError(f"duplicate codes: {', '.join(duplicates[:5])}" + (" …" if len(duplicates) > 5 else ""))
    for feature in features:
        if len(feature.code) > MAX_CODE_LENGTH:
            raise BoundaryFileError(f"code {feature.code[:40]!r} is longer than {MAX_CODE_LENGTH} characters")
        for name in (feature.name_zh, feature.name_en):
            if len(name) > MAX_NAME_LENGTH:
                raise BoundaryFileError(
                    f"feature {feature.code}: name {name[:20]!r}… is longer than {MAX_NAME_LENGTH} characters"
                )


def normalize_polygonal(geometry: Any) -> tuple[BaseGeometry | None, str]:
    """A valid 2D Polygon/MultiPolygon from any geometry, and a note of what was repaired or skipped."""
    if geometry is None or geometry.is_empty:
        return None, "skipped: no geometry"
    geometry = shapely.force_2d(geometry)
    note = ""
    if not geometry.is_valid:
        note = f"repaired invalid geometry ({shapely.is_valid_reason(geometry)})"
        geometry = shapely.make_valid(geometry)
    polygons = [part for part in shapely.get_parts(geometry) if part.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        return None, f"skipped: {geometry.geom_type} is not a polygon"
    result = polygons[0] if len(polygons) == 1 else shapely.union_all(polygons)
    if result.geom_type not in ("Polygon", "MultiPolygon"):
        result = shapely.MultiPolygon([p for p in shapely.get_parts(result) if p.geom_type == "Polygon"])
    return result, note


# --- Derived attributes --------------------------------------------------------------------------------


def to_geojson(geometry: BaseGeometry, *, decimals: int = STORED_DECIMALS) -> dict[str, Any]:
    rounded = shapely.transform(geometry, lambda coords: np.round(coords, decimals))
    return json.loads(shapely.to_geojson(rounded))


def from_geojson(data: dict[str, Any]) -> BaseGeometry:
    return shapely.from_geojson(json.dumps(data))


@dataclass(frozen=True)
class GeometryAttributes:
    geometry: dict[str, Any]
    geometry_simplified: dict[str, Any]
    centroid_lon: float
    centroid_lat: float
    bbox: list[float]
    area_km2: float


def geometry_attributes(geometries: Sequence[BaseGeometry], *, level: str) -> list[GeometryAttributes]:
    """Stored GeoJSON, map-simplified GeoJSON, label point, bbox and area for each geometry."""
    import geopandas

    series = geopandas.GeoSeries(list(geometries), crs="EPSG:4326")
    areas = series.to_crs(EQUAL_AREA_CRS).area.to_numpy() / 1e6
    tolerance = SIMPLIFY_TOLERANCE_DEG[level]
    result = []
    for geometry, area in zip(geometries, areas, strict=True):
        centroid = geometry.centroid
        if not geometry.contains(centroid):  # a crescent's centroid lies outside: label inside instead
            centroid = geometry.representative_point()
        simplified = geometry.simplify(tolerance, preserve_topology=True)
        result.append(
            GeometryAttributes(
                geometry=to_geojson(geometry),
                geometry_simplified=to_geojson(simplified, decimals=SIMPLIFIED_DECIMALS),
                centroid_lon=round(centroid.x, STORED_DECIMALS),
                centroid_lat=round(centroid.y, STORED_DECIMALS),
                bbox=[round(v, STORED_DECIMALS) for v in geometry.bounds],
                area_km2=round(float(area), 3),
            )
        )
    return result


# --- Point → region index ------------------------------------------------------------------------------


class RegionIndex:
    """Answers "the deepest region containing each point" for arrays of points, fast.

    Built once per change of the regions: an STRtree over the boundaries finds, for every cell of a
    regular grid over their extent, the regions that touch the cell and those that cover it whole.
    A lookup then needs only arithmetic for most points (their cell lies inside one region) and a
    prepared point-in-polygon test near borders. Candidates are tried best first: deeper regions
    before shallower, then the smaller code, so a point on a shared border (which touches both
    neighbours) always goes to the same one. Points outside every region get 0.
    """

    # Grid cells per region, capped: ~50k cells (about 200 m) for a city of 200 regions, built in < 1 s.
    CELLS_PER_REGION = 256
    MIN_CELLS, MAX_CELLS = 1 << 12, 1 << 17

    def __init__(self, rows: Iterable[tuple[int, str, int, dict[str, Any]]]) -> None:
        ordered = sorted(rows, key=lambda row: row[1])  # by code: the tie-break order
        self.size = len(ordered)
        self._ids = np.array([row[0] for row in ordered], dtype=np.int64)
        self._geometries = np.array([from_geojson(row[3]) for row in ordered], dtype=object)
        if self.size == 0:
            return
        depths = np.array([row[2] for row in ordered], dtype=np.int64)
        # One integer per region, smallest = best: deeper first, then smaller code.
        priority = (depths.max() - depths) * self.size + np.arange(self.size, dtype=np.int64)
        self._build_grid(priority)
        shapely.prepare(self._geometries)

    def _build_grid(self, priority: np.ndarray) -> None:
        west, south, east, north = shapely.total_bounds(self._geometries)
        width, height = max(east - west, 1e-9), max(north - south, 1e-9)
        target = min(max(self.CELLS_PER_REGION * self.size, self.MIN_CELLS), self.MAX_CELLS)
        self._nx = max(1, round(math.sqrt(target * width / height)))
        self._ny = max(1, round(target / self._nx))
        self._x0, self._y0 = west, south
        self._dx, self._dy = width / self._nx, height / self._ny
        ix, iy = (a.ravel() for a in np.meshgrid(np.arange(self._nx), np.arange(self._ny)))
        cells = iy * self._nx + ix
        boxes = shapely.box(
            west + ix * self._dx, south + iy * self._dy, west + (ix + 1) * self._dx, south + (iy + 1) * self._dy
        )
        tree = shapely.STRtree(self._geometries)
        box_idx, region_idx = tree.query(boxes, predicate="intersects")
        covered_box, covered_region = tree.query(boxes, predicate="covered_by")
        pair = cells[box_idx] * self.size + region_idx
        covered = np.isin(pair, cells[covered_box] * self.size + covered_region)
        order = np.lexsort((priority[region_idx], cells[box_idx]))  # by cell, then best region first
        self._candidates = region_idx[order]
        self._covered = covered[order]
        counts = np.bincount(cells[box_idx], minlength=self._nx * self._ny)
        self._cell_start = np.concatenate([[0], np.cumsum(counts)])

    def lookup(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Region ids (0 for none) for arrays of longitudes and latitudes."""
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        result = np.zeros(len(lon), dtype=np.int64)
        if self.size == 0 or len(lon) == 0:
            return result
        fx, fy = (lon - self._x0) / self._dx, (lat - self._y0) / self._dy
        inside = np.isfinite(fx) & np.isfinite(fy) & (fx >= 0) & (fy >= 0) & (fx <= self._nx) & (fy <= self._ny)
        pending = np.flatnonzero(inside)
        cell = np.minimum(fy[pending].astype(np.int64), self._ny - 1) * self._nx + np.minimum(
            fx[pending].astype(np.int64), self._nx - 1
        )
        start, count = self._cell_start[cell], self._cell_start[cell + 1] - self._cell_start[cell]
        rank = 0
        while pending.size:  # round k tries each pending point's k-th best candidate
            keep = count > rank
            pending, start, count = pending[keep], start[keep], count[keep]
            if not pending.size:
                break
            region = self._candidates[start + rank]
            hit = self._covered[start + rank].copy()
            self._test_points(np.flatnonzero(~hit), region, pending, lon, lat, hit)
            result[pending[hit]] = self._ids[region[hit]]
            miss = ~hit
            pending, start, count = pending[miss], start[miss], count[miss]
            rank += 1
        return result

    def _test_points(
        self,
        todo: np.ndarray,
        region: np.ndarray,
        pending: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        hit: np.ndarray,
    ) -> None:
        """Point-in-polygon (boundary included) for the points near borders, one call per region."""
        if not todo.size:
            return
        todo = todo[np.argsort(region[todo], kind="stable")]
        regions = region[todo]
        bounds = np.flatnonzero(np.concatenate([[True], regions[1:] != regions[:-1], [True]]))
        for first, end in zip(bounds[:-1], bounds[1:], strict=True):
            group = todo[first:end]
            points = pending[group]
            hit[group] = shapely.intersects_xy(self._geometries[regions[first]], lon[points], lat[points])


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS84 points (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))
