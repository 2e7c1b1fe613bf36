"""The public region API: lists, GeoJSON, point lookup. Anonymous and signed-in callers alike."""

import pytest
import shapely
from django.core.cache import cache
from shapely.geometry import Polygon

from apps.regions.geo import BoundaryFeature
from apps.regions.models import Region
from apps.regions.services import regions_import

CALLERS = ["anonymous", "officer"]


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """The throttle counts live in the (process-wide) cache: start every test with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(client, cast, request):
    """The test client as the caller named by the test's `caller` parameter."""
    if request.param == "officer":
        client.force_login(cast["officer"])
    return client


def _codes(response):
    return [row["code"] for row in response.json()["results"]]


# --- List ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", CALLERS, indirect=True)
def test_list_is_paginated_in_hierarchy_order(api):
    # when
    response = api.get("/api/v1/regions/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert _codes(response) == ["C", "E", "W", "W1", "W2"]
    assert body["results"][2] == {
        "code": "W",
        "name": "西区",
        "name_zh": "西区",
        "name_en": "West District",
        "level": "district",
        "parent": "C",
        "population": 200_000,
        "area_km2": Region.objects.get(code="W").area_km2,
        "centroid": [118.01, 32.01],
        "bbox": [118.0, 32.0, 118.02, 32.02],
    }


@pytest.mark.parametrize("api", CALLERS, indirect=True)
@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("level=district", ["E", "W"]),
        ("level=street", ["W1", "W2"]),
        ("parent=W", ["W1", "W2"]),
        ("parent=C", ["E", "W"]),
        ("parent=E", []),
        ("parent=", ["C"]),
        ("level=street&parent=W", ["W1", "W2"]),
        ("level=district&parent=W", []),
    ],
)
def test_list_filters(api, query, codes):
    # when
    response = api.get(f"/api/v1/regions/?{query}")

    # then
    assert response.status_code == 200
    assert _codes(response) == codes


@pytest.mark.parametrize("api", CALLERS, indirect=True)
def test_list_rejects_an_unknown_level(api):
    # when
    response = api.get("/api/v1/regions/?level=bogus")

    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["level"]


def test_list_pages_hold_100_regions(db, client):
    # given 105 communities
    regions_import(
        features=[
            BoundaryFeature(
                number=i,
                code=f"K{i:03d}",
                name_zh=f"社区{i}",
                name_en="",
                parent_code=None,
                population=None,
                geometry=shapely.box(118 + i * 0.001, 32.0, 118.001 + i * 0.001, 32.001),
            )
            for i in range(105)
        ],
        level="community",
    )

    # when
    first = client.get("/api/v1/regions/")
    second = client.get("/api/v1/regions/?page=2")

    # then
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["count"] == 105
    assert len(first.json()["results"]) == 100
    assert _codes(second) == ["K100", "K101", "K102", "K103", "K104"]
    assert second.json()["next"] is None


# --- Detail and GeoJSON ----------------------------------------------------------------------------------


@pytest.mark.parametrize("api", CALLERS, indirect=True)
def test_detail_is_a_geojson_feature(api, city):
    # when
    response = api.get("/api/v1/regions/W/")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "Feature"
    assert body["id"] == "W"
    assert body["geometry"] == city["W"].geometry
    assert shapely.from_geojson(response.content.decode()).equals(shapely.box(118.0, 32.0, 118.02, 32.02))
    properties = body["properties"]
    assert (properties["code"], properties["name"], properties["level"], properties["parent"]) == (
        "W",
        "西区",
        "district",
        "C",
    )
    assert properties["population"] == 200_000


@pytest.mark.parametrize("api", CALLERS, indirect=True)
def test_detail_of_an_unknown_code_is_404(api):
    # when
    response = api.get("/api/v1/regions/NOPE/")

    # then
    assert response.status_code == 404


@pytest.mark.parametrize("api", CALLERS, indirect=True)
def test_geojson_layer_has_the_simplified_boundaries(api):
    # given a street whose boundary has many small wiggles (a river bank)
    wiggly = Polygon(
        [(118.02 + 0.0002 * i, 32.0 + 0.00005 * (i % 2)) for i in range(51)] + [(118.03, 32.01), (118.02, 32.01)]
    )
    regions_import(
        features=[
            BoundaryFeature(
                number=1,
                code="E1",
                name_zh="东一街道",
                name_en="East 1 Subdistrict",
                parent_code=None,
                population=None,
                geometry=wiggly,
            )
        ],
        level="street",
        parent="E",
    )

    # when
    response = api.get("/api/v1/regions.geojson?level=street")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in body["features"]] == ["E1", "W1", "W2"]
    stored = {r.code: r for r in Region.objects.filter(level="street")}
    assert [f["geometry"] for f in body["features"]] == [stored[c].geometry_simplified for c in ("E1", "W1", "W2")]
    e1 = body["features"][0]["geometry"]["coordinates"][0]
    assert len(e1) < len(stored["E1"].geometry["coordinates"][0]) / 5


@pytest.mark.parametrize("api", CALLERS, indirect=True)
def test_geojson_layer_rejects_an_unknown_level(api):
    # when
    response = api.get("/api/v1/regions.geojson?level=bogus")

    # then
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["level"]


# --- Lookup ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", CALLERS, indirect=True)
def test_lookup_returns_the_deepest_region_with_its_ancestors(api):
    # when
    response = api.get("/api/v1/regions/lookup?lat=32.01&lon=118.005")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["level"], body["parent"]) == ("W1", "street", "W")
    assert [a["code"] for a in body["ancestors"]] == ["C", "W"]


@pytest.mark.parametrize("api", CALLERS, indirect=True)
def test_lookup_of_a_point_outside_every_region_is_404(api):
    # when
    response = api.get("/api/v1/regions/lookup?lat=32.01&lon=117.5")

    # then
    assert response.status_code == 404
    assert response.json() == {"detail": "No region contains this point."}


@pytest.mark.parametrize("api", CALLERS, indirect=True)
@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("lat=abc&lon=118.005", ["lat"]),
        ("lat=95&lon=118.005", ["lat"]),
        ("lat=-90.5&lon=118.005", ["lat"]),
        ("lat=32.01&lon=181", ["lon"]),
        ("lat=32.01", ["lon"]),
        ("lon=118.005", ["lat"]),
        ("", ["lat", "lon"]),
        ("lat=nan&lon=118.005", ["lat"]),
        ("lat=32.01&lon=inf", ["lon"]),
        ("lat=1e400&lon=118.005", ["lat"]),
        ("lat=32.01&lon=118.005" + "0" * 1000, ["lon"]),
    ],
)
def test_lookup_rejects_bad_coordinates_with_400(api, query, fields):
    # when
    response = api.get(f"/api/v1/regions/lookup?{query}")

    # then
    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == fields


def test_lookup_with_a_trailing_slash_works_too(city, client):
    # when
    response = client.get("/api/v1/regions/lookup/?lat=32.01&lon=118.035")

    # then
    assert response.status_code == 200
    assert response.json()["code"] == "E"


# --- Language ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "names"),
    [("en", ["Test City", "West District", "West 1 Subdistrict"]), ("zh-hans", ["测试市", "西区", "西一街道"])],
)
def test_names_follow_the_accept_language(city, client, language, names):
    # when
    detail = client.get("/api/v1/regions/W/", HTTP_ACCEPT_LANGUAGE=language)
    lookup = client.get("/api/v1/regions/lookup?lat=32.01&lon=118.005", HTTP_ACCEPT_LANGUAGE=language)

    # then
    assert detail.json()["properties"]["name"] == names[1]
    assert [a["name"] for a in lookup.json()["ancestors"]] + [lookup.json()["name"]] == names


@pytest.mark.parametrize(("language", "name"), [("en", "Test City"), ("zh-hans", "测试市")])
def test_list_names_follow_the_accept_language(city, client, language, name):
    # when
    response = client.get("/api/v1/regions/?level=city", HTTP_ACCEPT_LANGUAGE=language)

    # then
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == [name]


# --- Schema ----------------------------------------------------------------------------------------------


def test_schema_documents_the_region_paths(db, client, django_user_model):
    # when (the schema is for signed-in staff)
    client.force_login(django_user_model.objects.create_user("reader"))
    response = client.get("/api/schema/?format=json")

    # then
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/regions/", "/api/v1/regions/{code}/", "/api/v1/regions.geojson", "/api/v1/regions/lookup"} <= set(
        paths
    )
    assert {p["name"] for p in paths["/api/v1/regions/lookup"]["get"]["parameters"]} == {"lat", "lon"}
