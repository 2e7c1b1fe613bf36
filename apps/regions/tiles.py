"""A local basemap file (CITYOPS_BASEMAP_FILE), read tile by tile: MBTiles (SQLite, TMS rows) or PMTiles v3.

The file's path comes from the settings only, never from a request: a request names z/x/y, checked as numbers.
Vector tiles are handed out uncompressed (gzip inside the archive is undone here), so any client reads them and
the response middleware may compress them again.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import Compression, TileType

MAX_ZOOM = 24

# MBTiles' metadata "format" (and PMTiles' tile type) → (media type, raster or vector)
FORMATS: dict[str, tuple[str, str]] = {
    "png": ("image/png", "raster"),
    "jpg": ("image/jpeg", "raster"),
    "jpeg": ("image/jpeg", "raster"),
    "webp": ("image/webp", "raster"),
    "avif": ("image/avif", "raster"),
    "pbf": ("application/vnd.mapbox-vector-tile", "vector"),
    "mvt": ("application/vnd.mapbox-vector-tile", "vector"),
}
PMTILES_FORMATS = {
    TileType.PNG: "png",
    TileType.JPEG: "jpg",
    TileType.WEBP: "webp",
    TileType.AVIF: "avif",
    TileType.MVT: "pbf",
}


class TileFileError(Exception):
    """The configured file cannot be read as a basemap (missing, not a tile archive, an unsupported format)."""


@dataclass(frozen=True)
class TileFileInfo:
    """What a style needs to know about the file."""

    format: str  # a key of FORMATS
    minzoom: int
    maxzoom: int
    bounds: list[float] | None  # [west, south, east, north]
    vector_layers: list[str] = field(default_factory=list)
    attribution: str = ""

    @property
    def media_type(self) -> str:
        return FORMATS[self.format][0]

    @property
    def kind(self) -> str:
        return FORMATS[self.format][1]


def tile_address_valid(*, z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def _ungzip(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


class MBTiles:
    """Read-only SQLite: one short-lived connection per read (threads of the ASGI server never share one)."""

    def __init__(self, path: Path) -> None:
        self.uri = f"{path.resolve().as_uri()}?mode=ro"
        try:
            with self._connect() as db:
                meta = dict(db.execute("SELECT name, value FROM metadata").fetchall())
        except sqlite3.Error as exc:
            raise TileFileError(f"{path}: not an MBTiles file ({exc})") from exc
        fmt = str(meta.get("format", "png")).lower()
        if fmt not in FORMATS:
            raise TileFileError(f"{path}: tile format {fmt!r} is not one of {', '.join(FORMATS)}")
        layers = []
        if fmt in ("pbf", "mvt") and meta.get("json"):
            try:
                layers = [str(layer["id"]) for layer in json.loads(meta["json"]).get("vector_layers", [])]
            except (ValueError, TypeError, KeyError) as exc:
                raise TileFileError(f"{path}: metadata 'json' is not valid ({exc})") from exc
        self.info = TileFileInfo(
            format=fmt,
            minzoom=_int(meta.get("minzoom"), 0),
            maxzoom=_int(meta.get("maxzoom"), MAX_ZOOM),
            bounds=_bounds(meta.get("bounds")),
            vector_layers=layers,
            attribution=str(meta.get("attribution", "")),
        )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.uri, uri=True, check_same_thread=False)

    def tile(self, *, z: int, x: int, y: int) -> bytes | None:
        row_tms = 2**z - 1 - y  # MBTiles counts rows from the south (TMS)
        try:
            db = self._connect()
            try:
                row = db.execute(
                    "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                    (z, x, row_tms),
                ).fetchone()
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise TileFileError(f"{self.uri}: {exc}") from exc
        if not row or not row[0]:
            return None
        data = bytes(row[0])
        return _ungzip(data) if self.info.kind == "vector" else data


class PMTiles:
    """PMTiles v3 through the `pmtiles` package's reader, over a read-only memory map of the file."""

    def __init__(self, path: Path) -> None:
        try:
            # The memory map keeps its own descriptor: the file object can close at once (left open, it would be
            # closed only by the garbage collector, with a ResourceWarning).
            with path.open("rb") as file:
                self._reader = Reader(MmapSource(file))
            header = self._reader.header()
            metadata = self._reader.metadata()
        except Exception as exc:  # the reader raises whatever a short or foreign file makes it raise
            raise TileFileError(f"{path}: not a PMTiles v3 file ({exc})") from exc
        fmt = PMTILES_FORMATS.get(header["tile_type"])
        if fmt is None:
            raise TileFileError(f"{path}: tile type {header['tile_type']} is not supported")
        if header["tile_compression"] not in (Compression.NONE, Compression.GZIP, Compression.UNKNOWN):
            raise TileFileError(f"{path}: tiles compressed with {header['tile_compression'].name}: use gzip or none")
        self._lock = threading.Lock()
        self.info = TileFileInfo(
            format=fmt,
            minzoom=int(header["min_zoom"]),
            maxzoom=int(header["max_zoom"]),
            bounds=[
                header["min_lon_e7"] / 1e7,
                header["min_lat_e7"] / 1e7,
                header["max_lon_e7"] / 1e7,
                header["max_lat_e7"] / 1e7,
            ],
            vector_layers=[str(layer.get("id")) for layer in metadata.get("vector_layers", []) if layer.get("id")],
            attribution=str(metadata.get("attribution", "")),
        )

    def tile(self, *, z: int, x: int, y: int) -> bytes | None:
        with self._lock:
            try:
                data = self._reader.get(z, x, y)
            except Exception as exc:  # a damaged directory: whatever the reader's parsing raises
                raise TileFileError(f"tile {z}/{x}/{y}: {exc}") from exc
        if not data:
            return None
        return _ungzip(bytes(data))


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _bounds(value: Any) -> list[float] | None:
    try:
        bounds = [float(v) for v in str(value).split(",")]
    except ValueError:
        return None
    return bounds if len(bounds) == 4 else None


_open_lock = threading.Lock()
_opened: dict[tuple[str, float], MBTiles | PMTiles] = {}


def tile_file_open(path: str) -> MBTiles | PMTiles:
    """The archive at `path`, opened once per version of the file (a replaced file is opened again).

    Raises TileFileError when it cannot be read.
    """
    file = Path(path)
    try:
        stamp = file.stat().st_mtime
    except OSError as exc:
        raise TileFileError(f"{path}: {exc.strerror}") from exc
    key = (str(file), stamp)
    with _open_lock:
        if key not in _opened:
            _opened.clear()
            _opened[key] = PMTiles(file) if file.suffix == ".pmtiles" else MBTiles(file)
        return _opened[key]
