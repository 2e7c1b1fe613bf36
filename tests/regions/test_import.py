"""`manage.py import_regions` on real files written the way data providers write them."""

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from apps.regions import selectors
from apps.regions.models import Region
from apps.regions.services import regions_import
from tests.conftest import feature

# Nanjing-like districts (lon/lat): an irregular one, and one with an island in the river (MultiPolygon).
XUANWU = Polygon([(118.78, 32.03), (118.86, 32.02), (118.90, 32.08), (118.84, 32.12), (118.79, 32.10)])
JIANYE = MultiPolygon(
    [
        Polygon([(118.66, 31.96), (118.76, 31.97), (118.77, 32.04), (118.70, 32.06)]),
        Polygon([(118.62, 32.00), (118.64, 32.00), (118.645, 32.02), (118.625, 32.025)]),
    ]
)
PUKOU = Polygon([(118.40, 31.98), (118.62, 31.95), (118.70, 32.12), (118.55, 32.25), (118.42, 32.18)])
QIXIA = Polygon([(118.85, 32.10), (119.05, 32.05), (119.20, 32.20), (118.95, 32.25)])
# CGCS2000 / Gauss-Kruger zone 20 (114°E–120°E), eastings prefixed with the zone number: 20xxxxxxx m
CGCS2000_GK_ZONE_20 = "EPSG:4498"


def _import(path: Any, *args: str) -> str:
    out = io.StringIO()
    call_command("import_regions", str(path), *args, stdout=out)
    return out.getvalue()


def _write(path: Path, rows: list[dict[str, Any]], geometries: list[BaseGeometry], **options: Any) -> Path:
    crs = options.pop("crs", "EPSG:4326")
    gpd.GeoDataFrame(rows, geometry=geometries, crs=crs).to_file(path, engine="pyogrio", **options)
    return path


def _snapshot() -> dict[str, tuple[Any, ...]]:
    return {
        r.code: (r.id, r.name_zh, r.name_en, r.level, r.parent_id, r.path, r.population, r.geometry, r.updated_at)
        for r in Region.objects.all()
    }


def _shape(region: Region, field: str = "geometry") -> BaseGeometry:
    return shapely.from_geojson(json.dumps(getattr(region, field)))


def _area_km2(geometry: BaseGeometry) -> float:
    return float(gpd.GeoSeries([geometry], crs="EPSG:4326").to_crs("EPSG:6933").area.iloc[0] / 1e6)


def _assert_nothing_changed(before: dict[str, tuple[Any, ...]]) -> None:
    assert Region.objects.count() == 5
    assert Region.objects.get(code="W").name_zh == "西区"
    assert _snapshot() == before


# --- Formats and coordinate systems --------------------------------------------------------------------


def test_geojson_polygons_and_multipolygons_become_one_region_each(db, tmp_path):
    # given a GeoJSON in EPSG:4326 with DataV-like properties, one Polygon and one MultiPolygon feature
    path = _write(
        tmp_path / "320100_full.geojson",
        [
            {"adcode": 320102, "name": "玄武区", "level": "district", "childrenNum": 7},
            {"adcode": 320105, "name": "建邺区", "level": "district", "childrenNum": 6},
        ],
        [XUANWU, JIANYE],
        driver="GeoJSON",
    )

    # when
    output = _import(path, "--level", "district")

    # then the fields were detected and both features imported
    assert "Fields: code=adcode, name=name\n" in output
    assert "Imported 2 new and 0 updated district regions." in output
    regions = {r.code: r for r in Region.objects.all()}
    assert sorted(regions) == ["320102", "320105"]
    assert [(r.name_zh, r.name_en, r.level, r.depth, r.parent_id, r.path) for r in regions.values()] == [
        ("玄武区", "", "district", 1, None, "/320102/"),
        ("建邺区", "", "district", 1, None, "/320105/"),
    ]
    for code, source in (("320102", XUANWU), ("320105", JIANYE)):
        region = regions[code]
        stored = _shape(region)
        assert stored.geom_type == source.geom_type
        assert stored.symmetric_difference(source).area == pytest.approx(0, abs=1e-10)
        assert region.area_km2 == pytest.approx(_area_km2(source), rel=1e-3)
        assert region.bbox == pytest.approx(list(source.bounds), abs=1e-6)
        assert source.contains(Point(region.centroid_lon, region.centroid_lat))
        simplified = _shape(region, "geometry_simplified")
        assert simplified.geom_type == source.geom_type
        assert simplified.is_valid
        assert simplified.area == pytest.approx(source.area, rel=1e-2)
    assert len(_shape(regions["320105"]).geoms) == 2


def test_plausible_area_of_a_known_square(db, tmp_path):
    # given a 0.1° × 0.1° cell at 32°N: 11.1 km × 9.43 km ≈ 104.8 km² on the WGS84 ellipsoid
    path = _write(tmp_path / "cell.geojson", [{"adcode": "990001", "name": "方格区"}], [box(118.7, 32.0, 118.8, 32.1)])

    # when
    _import(path, "--level", "district")

    # then
    assert Region.objects.get(code="990001").area_km2 == pytest.approx(104.8, rel=5e-3)


def _projected_shapefile(folder: Path) -> Path:
    """A Shapefile as a Chinese surveying office ships it: CGCS2000 Gauss-Kruger, XZQDM/XZQMC fields."""
    folder.mkdir()
    frame = gpd.GeoDataFrame(
        {"XZQDM": ["320111", "320113"], "XZQMC": ["浦口区", "栖霞区"], "MJ": [910.5, 395.4]},
        geometry=[PUKOU, QIXIA],
        crs="EPSG:4326",
    ).to_crs(CGCS2000_GK_ZONE_20)
    frame.to_file(folder / "XZQ.shp", driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
    return folder / "XZQ.shp"


def _zip(files: list[Path], target: Path, *, folder: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for file in files:
            archive.write(file, f"{folder}{file.name}")
    return target


@pytest.mark.parametrize("given_as", ["shp", "folder", "zip", "zip with a folder inside"])
def test_projected_shapefile_is_read_as_shp_folder_or_zip_and_ends_up_in_lon_lat(db, tmp_path, given_as):
    # given a Gauss-Kruger Shapefile (.shp/.shx/.dbf/.prj/.cpg) in the chosen packaging
    shp = _projected_shapefile(tmp_path / "XZQ")
    parts = sorted(shp.parent.iterdir())
    assert {p.suffix for p in parts} >= {".shp", ".shx", ".dbf", ".prj"}
    path = {
        "shp": shp,
        "folder": shp.parent,
        "zip": _zip(parts, tmp_path / "XZQ.zip"),
        "zip with a folder inside": _zip(parts, tmp_path / "XZQ_2024.zip", folder="XZQ_2024/"),
    }[given_as]

    # when
    output = _import(path, "--level", "district", "--code-field", "XZQDM", "--name-field", "XZQMC")

    # then the regions are in longitude/latitude where they were drawn
    assert "Imported 2 new and 0 updated district regions." in output
    regions = {r.code: r for r in Region.objects.all()}
    assert sorted(regions) == ["320111", "320113"]
    assert regions["320111"].name_zh == "浦口区"
    assert regions["320113"].name_zh == "栖霞区"
    assert regions["320111"].bbox == pytest.approx([118.40, 31.95, 118.70, 32.25], abs=1e-4)
    assert regions["320113"].bbox == pytest.approx([118.85, 32.05, 119.20, 32.25], abs=1e-4)
    assert regions["320111"].area_km2 == pytest.approx(_area_km2(PUKOU), rel=1e-3)
    assert _shape(regions["320113"]).symmetric_difference(QIXIA).area == pytest.approx(0, abs=1e-8)


def test_geojson_exported_in_web_mercator_is_reprojected(db, tmp_path):
    # given an old-style GeoJSON with a "crs" member naming EPSG:3857 (as desktop GIS used to export)
    frame = gpd.GeoDataFrame({"code": ["320102"], "name": ["玄武区"]}, geometry=[XUANWU], crs="EPSG:4326")
    path = tmp_path / "xuanwu_3857.geojson"
    frame.to_crs("EPSG:3857").to_file(path, driver="GeoJSON", engine="pyogrio")
    assert json.loads(path.read_text())["crs"]["properties"]["name"].endswith("3857")

    # when
    _import(path, "--level", "district")

    # then
    region = Region.objects.get(code="320102")
    assert region.bbox == pytest.approx([118.78, 32.02, 118.90, 32.12], abs=1e-4)


def test_geopackage_with_explicit_fields(db, tmp_path):
    # given a CGCS2000 (EPSG:4490) GeoPackage whose "name" column is pinyin and whose codes are in DIST_CODE
    path = _write(
        tmp_path / "nanjing_districts.gpkg",
        [
            {"OBJECTID": 1, "DIST_CODE": "320102", "DIST_NAME": "玄武区", "DIST_NAME_EN": "Xuanwu", "POP2020": 537825},
            {"OBJECTID": 2, "DIST_CODE": "320105", "DIST_NAME": "建邺区", "DIST_NAME_EN": "Jianye", "POP2020": 534257},
        ],
        [XUANWU, JIANYE],
        crs="EPSG:4490",
        driver="GPKG",
        layer="districts",
    )

    # when
    output = _import(
        path,
        "--level",
        "district",
        "--code-field",
        "DIST_CODE",
        "--name-field",
        "DIST_NAME",
        "--name-en-field",
        "DIST_NAME_EN",
        "--population-field",
        "POP2020",
    )

    # then
    assert "Fields: code=DIST_CODE, name=DIST_NAME, name_en=DIST_NAME_EN, population=POP2020\n" in output
    assert [(r.code, r.name_zh, r.name_en, r.population) for r in Region.objects.all()] == [
        ("320102", "玄武区", "Xuanwu", 537825),
        ("320105", "建邺区", "Jianye", 534257),
    ]
    assert Region.objects.get(code="320102").bbox == pytest.approx(list(XUANWU.bounds), abs=1e-6)


def _two_layer_geopackage(tmp_path: Path) -> Path:
    path = tmp_path / "nanjing.gpkg"
    _write(path, [{"adcode": "320102", "name": "玄武区"}], [XUANWU], driver="GPKG", layer="districts")
    _write(
        path,
        [{"adcode": "320102001", "name": "梅园新村街道"}, {"adcode": "320102002", "name": "新街口街道"}],
        [box(118.79, 32.04, 118.82, 32.07), box(118.82, 32.04, 118.85, 32.07)],
        driver="GPKG",
        layer="streets",
        mode="a",
    )
    return path


def test_geopackage_with_two_layers_needs_layer(db, tmp_path):
    # given
    path = _two_layer_geopackage(tmp_path)

    # when / then the message names both layers and the option
    with pytest.raises(CommandError, match=r"nanjing\.gpkg has layers districts, streets: choose one with --layer"):
        _import(path, "--level", "street")
    assert Region.objects.count() == 0


def test_geopackage_layer_is_chosen_with_layer(db, tmp_path):
    # given
    path = _two_layer_geopackage(tmp_path)

    # when
    output = _import(path, "--level", "street", "--layer", "streets")

    # then only the streets layer was read
    assert "Imported 2 new and 0 updated street regions." in output
    assert [(r.code, r.name_zh, r.level) for r in Region.objects.all()] == [
        ("320102001", "梅园新村街道", "street"),
        ("320102002", "新街口街道", "street"),
    ]


DATAV_BEIJING = """{"type": "FeatureCollection", "features": [
{"type": "Feature", "properties": {"adcode": 110101, "name": "东城区", "center": [116.418757, 39.917544],
  "centroid": [116.416739, 39.912912], "childrenNum": 17, "level": "district", "parent": {"adcode": 110000},
  "subFeatureIndex": 0, "acroutes": [100000, 110000]},
 "geometry": {"type": "MultiPolygon", "coordinates": [[[[116.38, 39.87], [116.45, 39.87], [116.45, 39.96],
  [116.38, 39.96], [116.38, 39.87]]]]}},
{"type": "Feature", "properties": {"adcode": 110102, "name": "西城区", "center": [116.366794, 39.915309],
  "centroid": [116.36046, 39.911169], "childrenNum": 15, "level": "district", "parent": {"adcode": 110000},
  "subFeatureIndex": 1, "acroutes": [100000, 110000]},
 "geometry": {"type": "Polygon", "coordinates": [[[116.32, 39.87], [116.38, 39.87], [116.38, 39.96],
  [116.32, 39.96], [116.32, 39.87]]]}},
{"type": "Feature", "properties": {"adcode": "100000_JD"},
 "geometry": {"type": "MultiLineString", "coordinates": [[[122.51, 23.47], [122.35, 24.65]],
  [[121.85, 25.22], [122.0, 25.5]]]}}
]}"""


def test_datav_file_links_parents_through_a_dotted_field_and_skips_lines(db, tmp_path):
    # given the city (110000) and a DataV "full" file with parent {"adcode": 110000} and a JD line feature
    regions_import(
        features=[feature("110000", "北京市", "Beijing", (115.4, 39.4, 117.5, 41.1), 21_890_000)], level="city"
    )
    path = tmp_path / "110000_full.json"
    path.write_text(DATAV_BEIJING, encoding="utf-8")

    # when
    output = _import(path, "--level", "district", "--parent-field", "parent.adcode")

    # then both districts hang below Beijing, the line was skipped with a note
    assert "Note: 100000_JD: skipped: MultiLineString is not a polygon\n" in output
    assert "Imported 2 new and 0 updated district regions." in output
    assert [(r.code, r.name_zh, r.parent.code, r.path) for r in Region.objects.filter(level="district")] == [
        ("110101", "东城区", "110000", "/110000/110101/"),
        ("110102", "西城区", "110000", "/110000/110102/"),
    ]
    assert not Region.objects.filter(code="100000_JD").exists()


def test_parent_auto_takes_the_containing_district(city, tmp_path):
    # given streets of East drawn by someone else (no parent fields), and one street outside the city
    path = _write(
        tmp_path / "east_streets.geojson",
        [{"code": "E1", "name": "东一街道"}, {"code": "E2", "name": "东二街道"}, {"code": "N1", "name": "飞地街道"}],
        [
            Polygon([(118.02, 32.00), (118.031, 32.00), (118.028, 32.02), (118.02, 32.02)]),
            Polygon([(118.031, 32.00), (118.04, 32.00), (118.04, 32.02), (118.028, 32.02)]),
            box(118.10, 32.00, 118.11, 32.01),
        ],
    )

    # when
    output = _import(path, "--level", "street", "--parent", "auto")

    # then
    assert "Note: no containing parent found for: N1\n" in output
    streets = {r.code: r for r in Region.objects.filter(code__in=["E1", "E2", "N1"])}
    assert [(code, r.parent.code if r.parent else None, r.path) for code, r in sorted(streets.items())] == [
        ("E1", "E", "/C/E/E1/"),
        ("E2", "E", "/C/E/E2/"),
        ("N1", None, "/N1/"),
    ]


def test_self_intersecting_polygon_is_repaired(db, tmp_path):
    # given a "bow-tie" boundary (the ring crosses itself at 118.75, 32.05)
    bow_tie = Polygon([(118.70, 32.00), (118.80, 32.10), (118.80, 32.00), (118.70, 32.10)])
    assert not bow_tie.is_valid
    path = _write(tmp_path / "bowtie.geojson", [{"adcode": "320199", "name": "蝶形区"}], [bow_tie])

    # when
    output = _import(path, "--level", "district")

    # then it is imported as the two valid triangles, and the repair is reported
    assert "Note: 320199: repaired invalid geometry (Self-intersection[118.75 32.05])\n" in output
    region = Region.objects.get(code="320199")
    stored = _shape(region)
    assert stored.is_valid
    assert stored.geom_type == "MultiPolygon"
    assert stored.area == pytest.approx(0.005, rel=1e-6)
    assert _shape(region, "geometry_simplified").is_valid
    assert stored.contains(Point(region.centroid_lon, region.centroid_lat))


def test_reimport_updates_in_place(db, tmp_path):
    # given an imported file
    rows = [{"adcode": "320102", "name": "玄武区"}, {"adcode": "320105", "name": "建邺区"}]
    path = _write(tmp_path / "districts.geojson", rows, [XUANWU, JIANYE])
    _import(path, "--level", "district")
    ids = dict(Region.objects.values_list("code", "id"))

    # when the provider renames one district and the file is imported again
    rows[1]["name"] = "建邺新区"
    _write(path, rows, [XUANWU, JIANYE])
    output = _import(path, "--level", "district")

    # then
    assert "Imported 0 new and 2 updated district regions." in output
    assert dict(Region.objects.values_list("code", "id")) == ids
    assert dict(Region.objects.values_list("code", "name_zh")) == {"320102": "玄武区", "320105": "建邺新区"}


def test_points_inside_imported_districts_find_them(db, tmp_path):
    # given eight irregular districts (Voronoi cells of an irregular outline), imported from a file
    rng = np.random.default_rng(42)
    outline = Polygon([(118.5, 31.8), (119.0, 31.85), (119.1, 32.2), (118.8, 32.35), (118.45, 32.15)])
    seeds = shapely.MultiPoint(rng.uniform([118.55, 31.9], [119.0, 32.25], size=(8, 2)))
    cells = [
        cell.intersection(outline) for cell in shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=outline))
    ]
    codes = [f"3201{i:02d}" for i in range(1, len(cells) + 1)]
    path = _write(tmp_path / "districts.geojson", [{"adcode": c, "name": f"第{c[-2:]}区"} for c in codes], cells)
    _import(path, "--level", "district")
    ids = dict(Region.objects.values_list("code", "id"))

    # when random points well inside each cell (at least ~100 m from its border) are looked up
    lon, lat, expected = [], [], []
    for code, cell in zip(codes, cells, strict=True):
        west, south, east, north = cell.bounds
        candidates = shapely.points(rng.uniform(west, east, 400), rng.uniform(south, north, 400))
        inside = candidates[shapely.contains(cell.buffer(-0.001), candidates)][:25]
        assert len(inside) == 25
        lon += list(shapely.get_x(inside))
        lat += list(shapely.get_y(inside))
        expected += [ids[code]] * 25
    found = selectors.region_ids_for_points(np.array(lon), np.array(lat))

    # then every point finds its district, one by one too
    assert list(found) == expected
    assert [selectors.region_for_point(lon=lon[i], lat=lat[i]).code for i in range(0, len(lon), 25)] == codes
    assert list(selectors.region_ids_for_points(np.array([118.3, 119.5]), np.array([32.0, 32.0]))) == [0, 0]


# --- Bad input: nothing changes --------------------------------------------------------------------------


def test_nonexistent_path_is_refused(city, tmp_path):
    # given
    before = _snapshot()

    # when / then
    with pytest.raises(CommandError, match=r"no_such_file\.geojson: no such file or folder; nothing was imported"):
        _import(tmp_path / "no_such_file.geojson", "--level", "district")
    _assert_nothing_changed(before)


def test_text_file_that_is_not_geodata_is_refused(city, tmp_path):
    # given a note saved with a .geojson name
    path = tmp_path / "districts.geojson"
    path.write_text("南京市行政区划\n玄武区 320102\n建邺区 320105\n", encoding="utf-8")
    before = _snapshot()

    # when / then
    with pytest.raises(CommandError, match=r"districts\.geojson: not a readable GeoJSON, Shapefile or GeoPackage"):
        _import(path, "--level", "district")
    _assert_nothing_changed(before)


def test_table_without_geometry_is_refused(city, tmp_path):
    # given a spreadsheet export of codes and names (GDAL reads CSV, but it has no boundaries)
    path = tmp_path / "districts.csv"
    path.write_text("adcode,name\nW,西城区\n320105,建邺区\n", encoding="utf-8")
    before = _snapshot()

    # when / then the one-line message names the file and the cause
    with pytest.raises(CommandError, match=r"^districts\.csv: .*no geometry.*; nothing was imported$"):
        _import(path, "--level", "district")
    _assert_nothing_changed(before)


def test_file_with_only_lines_is_refused(city, tmp_path):
    # given road centre lines instead of boundaries
    path = _write(
        tmp_path / "roads.geojson",
        [{"code": "W", "name": "中山路"}, {"code": "R2", "name": "北京路"}],
        [shapely.LineString([(118.0, 32.0), (118.02, 32.02)]), shapely.LineString([(118.02, 32.0), (118.04, 32.02)])],
    )
    before = _snapshot()

    # when / then
    with pytest.raises(CommandError, match=r"roads\.geojson: no Polygon or MultiPolygon features to import"):
        _import(path, "--level", "district")
    _assert_nothing_changed(before)


def test_missing_code_field_lists_the_available_fields(city, tmp_path):
    # given
    path = _write(tmp_path / "d.geojson", [{"PAC": "W", "NAME": "西城区", "POP": 1}], [box(118.0, 32.0, 118.02, 32.02)])
    before = _snapshot()

    # when / then
    with pytest.raises(
        CommandError, match=r"field 'XZQDM' \(--code-field\) not found; the file has: PAC, NAME, POP; nothing"
    ):
        _import(path, "--level", "district", "--code-field", "XZQDM")
    _assert_nothing_changed(before)


def test_no_detectable_code_field_names_the_option(city, tmp_path):
    # given a provider's own field names
    path = _write(tmp_path / "d.geojson", [{"PAC": "W", "NAME": "西城区"}], [box(118.0, 32.0, 118.02, 32.02)])
    before = _snapshot()

    # when / then
    with pytest.raises(
        CommandError, match=r"no code field found \(tried .*\); name it with --code-field\. The file has: PAC, NAME"
    ):
        _import(path, "--level", "district")
    _assert_nothing_changed(before)


def _bad_districts(tmp_path: Path, second: dict[str, Any], **options: Any) -> Path:
    """A file that would rename W, with a second feature that breaks a rule."""
    return _write(
        tmp_path / "districts.geojson",
        [{"adcode": "W", "name": "西城区", "population": 5}, second],
        [box(118.00, 32.00, 118.02, 32.02), box(118.02, 32.00, 118.04, 32.02)],
        **options,
    )


def test_duplicate_codes_are_refused(city, tmp_path):
    # given
    path = _write(
        tmp_path / "districts.geojson",
        [{"adcode": "W", "name": "西城区"}, {"adcode": "E", "name": "东城区"}, {"adcode": "W", "name": "西城区"}],
        [box(118.00, 32.00, 118.02, 32.02), box(118.02, 32.00, 118.04, 32.02), box(118.00, 32.00, 118.01, 32.01)],
    )
    before = _snapshot()

    # when / then
    with pytest.raises(CommandError, match=r"duplicate codes: W \(features #1 and #3\); nothing was imported"):
        _import(path, "--level", "district")
    _assert_nothing_changed(before)


def test_empty_code_is_refused(city, tmp_path):
    # given
    path = _bad_districts(tmp_path, {"adcode": None, "name": "东城区", "population": 5})
    before = _snapshot()

    # when / then
    with pytest.raises(CommandError, match=r"feature #2 has an empty code \(field 'adcode'\)"):
        _import(path, "--level", "district")
    _assert_nothing_changed(before)


def test_unknown_parent_code_is_refused(city, tmp_path):
    # given
    path = _bad_districts(tmp_path, {"adcode": "E", "name": "东城区", "population": 5})
    before = _snapshot()

    # when / then
    with pytest.raises(CommandError, match=r"parent region not found: 320100 \(import the parent level first\)"):
        _import(path, "--level", "district", "--parent", "320100")
    _assert_nothing_changed(before)


def test_parent_of_the_same_level_is_refused(city, tmp_path):
    # given
    path = _bad_districts(tmp_path, {"adcode": "E", "name": "东城区", "population": 5})
    before = _snapshot()

    # when / then
    with pytest.raises(CommandError, match=r"parent must be of a higher level than the regions imported: E"):
        _import(path, "--level", "district", "--parent", "E")
    _assert_nothing_changed(before)


def test_code_used_at_another_level_is_refused(city, tmp_path):
    # given the second feature reuses the street code W1 as a district
    path = _bad_districts(tmp_path, {"adcode": "W1", "name": "西一区", "population": 5})
    before = _snapshot()

    # when / then
    with pytest.raises(CommandError, match=r"codes already used by regions of another level: W1 \(street\)"):
        _import(path, "--level", "district", "--parent", "C")
    _assert_nothing_changed(before)


def test_non_numeric_population_is_refused(city, tmp_path):
    # given a population typed by hand as "about 120 thousand"
    path = _bad_districts(tmp_path, {"adcode": "E", "name": "东城区", "population": "约12万"})
    before = _snapshot()

    # when / then
    with pytest.raises(CommandError, match=r"feature #2: population '约12万' is not a number"):
        _import(path, "--level", "district", "--parent", "C")
    _assert_nothing_changed(before)


def test_unknown_parent_in_a_later_feature_imports_nothing(city, tmp_path):
    # given the first feature is fine (parent C), the second names a parent that does not exist
    path = _write(
        tmp_path / "districts.geojson",
        [
            {"adcode": "320102", "name": "玄武区", "PARENT": "C"},
            {"adcode": "320105", "name": "建邺区", "PARENT": "999"},
        ],
        [box(118.04, 32.00, 118.06, 32.02), box(118.06, 32.00, 118.08, 32.02)],
    )
    before = _snapshot()

    # when / then the first feature was not imported either
    with pytest.raises(CommandError, match=r"parent region not found: 999"):
        _import(path, "--level", "district", "--parent-field", "PARENT")
    assert not Region.objects.filter(code="320102").exists()
    _assert_nothing_changed(before)


def _shapefile_without_prj(tmp_path: Path) -> Path:
    shp = _projected_shapefile(tmp_path / "XZQ")
    shp.with_suffix(".prj").unlink()
    return shp


def test_projected_file_without_crs_asks_for_source_crs(city, tmp_path):
    # given a Gauss-Kruger Shapefile whose .prj got lost
    path = _shapefile_without_prj(tmp_path)
    before = _snapshot()

    # when / then
    with pytest.raises(CommandError, match=r"not longitude/latitude: give it with --source-crs \(for example EPSG:"):
        _import(path, "--level", "district", "--code-field", "XZQDM", "--name-field", "XZQMC")
    _assert_nothing_changed(before)


def test_projected_file_without_crs_imports_with_source_crs(db, tmp_path):
    # given
    path = _shapefile_without_prj(tmp_path)

    # when
    fields = ["--code-field", "XZQDM", "--name-field", "XZQMC"]
    output = _import(path, "--level", "district", *fields, "--source-crs", CGCS2000_GK_ZONE_20)

    # then
    assert "Imported 2 new and 0 updated district regions." in output
    assert Region.objects.get(code="320111").bbox == pytest.approx([118.40, 31.95, 118.70, 32.25], abs=1e-4)
    assert Region.objects.get(code="320113").bbox == pytest.approx([118.85, 32.05, 119.20, 32.25], abs=1e-4)


def test_lon_lat_file_without_crs_is_assumed_wgs84_with_a_note(db, tmp_path):
    # given a Shapefile in degrees without its .prj
    path = _write(tmp_path / "xuanwu.shp", [{"adcode": "320102", "name": "玄武区"}], [XUANWU])
    path.with_suffix(".prj").unlink()

    # when
    output = _import(path, "--level", "district")

    # then
    assert "Note: no coordinate system in the file; coordinates look like longitude/latitude (EPSG:4326)\n" in output
    assert Region.objects.get(code="320102").bbox == pytest.approx(list(XUANWU.bounds), abs=1e-6)


def test_gadm_level_3_fields_are_detected_and_linked_by_gid(db, tmp_path):
    # given Nanjing imported from the GADM level-2 file, and a GADM level-3 file (GID_2 is the parent)
    regions_import(
        features=[feature("CHN.15.1_1", "南京市", "Nanjing", (118.3, 31.2, 119.3, 32.7), 9_310_000)], level="city"
    )
    path = _write(
        tmp_path / "gadm41_CHN_3.shp",
        [
            {
                "GID_3": "CHN.15.1.10_1",
                "GID_0": "CHN",
                "COUNTRY": "China",
                "GID_1": "CHN.15_1",
                "NAME_1": "Jiangsu",
                "NL_NAME_1": "江苏",
                "GID_2": "CHN.15.1_1",
                "NAME_2": "Nanjing",
                "NL_NAME_2": "南京市",
                "NAME_3": "Xuanwu",
                "NL_NAME_3": "玄武区",
                "TYPE_3": "Qu",
                "ENGTYPE_3": "District",
            }
        ],
        [XUANWU],
    )

    # when
    output = _import(path, "--level", "district", "--parent-field", "GID_2")

    # then the level-3 code and Chinese name were chosen, not the level-2 ones
    assert "Fields: code=GID_3, name=NL_NAME_3, parent=GID_2\n" in output
    region = Region.objects.get(code="CHN.15.1.10_1")
    assert (region.name_zh, region.parent.code, region.path) == ("玄武区", "CHN.15.1_1", "/CHN.15.1_1/CHN.15.1.10_1/")


def test_3d_boundaries_are_stored_in_2d(db, tmp_path):
    # given a survey export with heights on every vertex
    xuanwu_3d = shapely.force_3d(XUANWU, 12.5)
    path = _write(tmp_path / "survey.gpkg", [{"code": "320102", "name": "玄武区"}], [xuanwu_3d], driver="GPKG")

    # when
    _import(path, "--level", "district")

    # then
    region = Region.objects.get(code="320102")
    assert {len(position) for position in region.geometry["coordinates"][0]} == {2}
    assert _shape(region).equals(XUANWU)


def test_reimport_under_a_new_parent_moves_the_paths_below(db, tmp_path):
    # given districts imported before their city, with streets below them
    districts = _write(tmp_path / "districts.geojson", [{"adcode": "320102", "name": "玄武区"}], [XUANWU])
    _import(districts, "--level", "district")
    streets = _write(
        tmp_path / "streets.geojson",
        [{"adcode": "320102001", "name": "梅园新村街道"}],
        [box(118.80, 32.04, 118.82, 32.06)],
    )
    _import(streets, "--level", "street", "--parent", "auto")
    nanjing = feature("320100", "南京市", "Nanjing", (118.3, 31.2, 119.3, 32.7), 9_310_000)
    regions_import(features=[nanjing], level="city")

    # when the districts are imported again below the city
    _import(districts, "--level", "district", "--parent", "320100")

    # then the street's path follows
    assert dict(Region.objects.values_list("code", "path")) == {
        "320100": "/320100/",
        "320102": "/320100/320102/",
        "320102001": "/320100/320102/320102001/",
    }
    city = Region.objects.get(code="320100")
    assert selectors.region_descendant_ids(region_ids=[city.id]) == set(Region.objects.values_list("id", flat=True))


def test_name_longer_than_the_column_is_refused(city, tmp_path):
    # given a file where the "name" column holds a long description
    path = _bad_districts(tmp_path, {"adcode": "E", "name": "东区" * 60, "population": 5})
    before = _snapshot()

    # when / then
    with pytest.raises(CommandError, match=r"longer than 100 characters"):
        _import(path, "--level", "district", "--parent", "C")
    _assert_nothing_changed(before)
