"""A local basemap file (CITYOPS_BASEMAP_FILE) served tile by tile: small .mbtiles and .pmtiles files made here."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

# A tile of each kind the tests serve: a 256 px PNG, and bytes standing in for a vector tile (the server
# hands them out, it does not parse them).
VECTOR_TILE = b"\x1a\x05vector-tile-bytes"


def _png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def make_mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], *, fmt: str = "png", **meta: str) -> Path:
    """An MBTiles 1.3 file: rows counted from the south (TMS), as the specification says."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    rows = {"name": "test", "format": fmt, "minzoom": "0", "maxzoom": "2", "bounds": "117.9,31.9,118.1,32.1", **meta}
    db.executemany("INSERT INTO metadata VALUES (?, ?)", rows.items())
    for (z, x, y), data in tiles.items():
        db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, 2**z - 1 - y, data))
    db.commit()
    db.close()
    return path


def make_pmtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], *, vector: bool = False) -> Path:
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    with path.open("wb") as file:
        writer = Writer(file)
        for (z, x, y), data in sorted(tiles.items(), key=lambda item: zxy_to_tileid(*item[0])):
            writer.write_tile(zxy_to_tileid(z, x, y), gzip.compress(data) if vector else data)
        writer.finalize(
            {
                "tile_type": TileType.MVT if vector else TileType.PNG,
                "tile_compression": Compression.GZIP if vector else Compression.NONE,
                "min_lon_e7": int(117.9e7),
                "min_lat_e7": int(31.9e7),
                "max_lon_e7": int(118.1e7),
                "max_lat_e7": int(32.1e7),
                "center_zoom": 1,
                "center_lon_e7": int(118e7),
                "center_lat_e7": int(32e7),
            },
            {"attribution": "测试底图", "vector_layers": [{"id": "water"}, {"id": "roads"}] if vector else []},
        )
    return path


@pytest.fixture
def raster_tiles() -> dict[tuple[int, int, int], bytes]:
    return {(0, 0, 0): _png("white"), (1, 1, 0): _png("red"), (2, 3, 1): _png("blue")}


@pytest.fixture(params=["mbtiles", "pmtiles"])
def raster_file(request: Any, tmp_path: Path, raster_tiles: dict, settings: Any) -> Path:
    maker = make_mbtiles if request.param == "mbtiles" else make_pmtiles
    path = maker(tmp_path / f"base.{request.param}", raster_tiles)
    settings.CITYOPS_BASEMAP_FILE = str(path)
    return path


def test_a_raster_tile_is_served_with_its_type(client, raster_file, raster_tiles):
    # when
    response = client.get("/maps/tiles/1/1/0")
    # then: z/x/y as in the URL (XYZ), whatever way the file counts rows
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == raster_tiles[(1, 1, 0)]
    assert client.get("/maps/tiles/2/3/1.png").content == raster_tiles[(2, 3, 1)]
    assert "max-age=86400" in response["Cache-Control"]


def test_a_tile_the_file_does_not_have_is_204(client, raster_file):
    response = client.get("/maps/tiles/1/0/0")
    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.parametrize(
    "path",
    [
        "/maps/tiles/1/2/0",  # column beyond 2**z
        "/maps/tiles/1/0/2",  # row beyond 2**z
        "/maps/tiles/25/0/0",  # deeper than any zoom
        "/maps/tiles/-1/0/0",
        "/maps/tiles/a/b/c",
        "/maps/tiles/1/0/0x",
        "/maps/tiles/1/0/0.png.exe",
        "/maps/tiles/99999999999/0/0",
        "/maps/tiles/１/0/0",  # a full-width digit
        "/maps/tiles/%2e%2e/%2e%2e/passwd",
        "/maps/tiles/../../../etc/passwd",
    ],
)
def test_a_bad_tile_address_is_400_or_404_never_a_file(client, raster_file, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert b"root:" not in response.content
    if response.status_code == 400:
        assert response.json()["detail"]


def test_the_style_puts_the_file_beneath_our_layers(client, raster_file):
    style = client.get("/maps/style.json?lang=zh-hans").json()
    tiles = style["sources"]["tiles"]
    assert tiles["type"] == "raster"
    assert tiles["tiles"] == ["http://testserver/maps/tiles/{z}/{x}/{y}"]
    assert (tiles["minzoom"], tiles["maxzoom"]) == (0, 2)
    assert tiles["bounds"] == pytest.approx([117.9, 31.9, 118.1, 32.1])
    assert [layer["id"] for layer in style["layers"]][:3] == ["background", "tiles", "region-fill"]


@pytest.mark.parametrize("kind", ["mbtiles", "pmtiles"])
def test_vector_tiles_are_served_unzipped_with_a_plain_style(client, tmp_path, settings, kind):
    # given: gzip-compressed vector tiles, as tools write them
    if kind == "mbtiles":
        meta = {"json": json.dumps({"vector_layers": [{"id": "water"}, {"id": "roads"}]})}
        path = make_mbtiles(tmp_path / "v.mbtiles", {(0, 0, 0): gzip.compress(VECTOR_TILE)}, fmt="pbf", **meta)
    else:
        path = make_pmtiles(tmp_path / "v.pmtiles", {(0, 0, 0): VECTOR_TILE}, vector=True)
    settings.CITYOPS_BASEMAP_FILE = str(path)
    # when
    response = client.get("/maps/tiles/0/0/0")
    style = client.get("/maps/style.json?lang=en").json()
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response.content == VECTOR_TILE
    assert style["sources"]["tiles"]["type"] == "vector"
    assert [layer["id"] for layer in style["layers"] if layer.get("source") == "tiles"] == [
        "tiles-water-fill",
        "tiles-water-line",
        "tiles-water-point",
        "tiles-roads-fill",
        "tiles-roads-line",
        "tiles-roads-point",
    ]


def test_without_a_file_the_tile_endpoint_is_404_and_the_style_has_no_tiles(client, settings):
    settings.CITYOPS_BASEMAP_FILE = ""
    assert client.get("/maps/tiles/0/0/0").status_code == 404
    assert "tiles" not in client.get("/maps/style.json?lang=en").json()["sources"]


@pytest.mark.parametrize("content", [b"", b"not a tile archive at all" * 10])
@pytest.mark.parametrize("suffix", [".mbtiles", ".pmtiles"])
def test_a_file_that_is_not_an_archive_is_503_and_the_map_still_draws(client, tmp_path, settings, content, suffix):
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(content)
    settings.CITYOPS_BASEMAP_FILE = str(path)
    response = client.get("/maps/tiles/0/0/0")
    assert response.status_code == 503
    assert "tiles" not in client.get("/maps/style.json?lang=en").json()["sources"]


def test_a_missing_file_is_503(client, tmp_path, settings):
    settings.CITYOPS_BASEMAP_FILE = str(tmp_path / "gone.pmtiles")
    assert client.get("/maps/tiles/0/0/0").status_code == 503


def test_a_replaced_file_is_read_again(client, tmp_path, settings, raster_tiles):
    # given
    path = make_mbtiles(tmp_path / "base.mbtiles", raster_tiles)
    settings.CITYOPS_BASEMAP_FILE = str(path)
    assert client.get("/maps/tiles/1/0/0").status_code == 204
    # when
    path.unlink()
    make_mbtiles(path, {**raster_tiles, (1, 0, 0): _png("green")})
    import os

    os.utime(path, (1, 2_000_000_000))
    # then
    assert client.get("/maps/tiles/1/0/0").status_code == 200
