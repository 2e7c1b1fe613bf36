"""The basemap's style, layers and search (apps/regions/basemap.py, apps/regions/views.py)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.core.classification import PUBLIC, label_for
from tests.regions.basemap_world import basemap_world


@pytest.fixture
def world(city: dict[str, Any]) -> dict[str, Any]:
    return basemap_world(city)


def _by_layer(collection: dict[str, Any], layer: str) -> list[dict[str, Any]]:
    return [f for f in collection["features"] if f["properties"]["layer"] == layer]


def test_features_hold_regions_labels_roads_facilities_and_stations(client, world):
    # when
    response = client.get("/maps/features.geojson")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    regions = _by_layer(body, "regions")
    assert {f["properties"]["code"] for f in regions} == {"W", "E", "W1", "W2", "W1A", "W1B"}  # no city outline
    labels = _by_layer(body, "region-labels")
    qixing = next(f for f in labels if f["properties"]["code"] == "W1B")
    assert qixing["geometry"] == {"type": "Point", "coordinates": [pytest.approx(118.0075), pytest.approx(32.01)]}
    assert qixing["properties"] == {
        "layer": "region-labels",
        "code": "W1B",
        "name_zh": "七星四社区",
        "name_en": "Qixing 4 Community",
        "class": "community",
    }
    assert [f["properties"]["code"] for f in _by_layer(body, "roads")] == ["R1", "R2"]
    assert _by_layer(body, "facilities")[0]["properties"] == {
        "layer": "facilities",
        "code": "F1",
        "name_zh": "七星社区卫生服务中心",
        "name_en": "Qixing Health Center",
        "class": "community",
        "address": "西一街道幸福路12号",
    }
    assert _by_layer(body, "stations")[0]["geometry"]["coordinates"] == [118.015, 32.015]


def test_features_carry_only_public_fields(client, world):
    """Every property comes from a field labelled PUBLIC (no beds, no sensors, nothing personal)."""
    fields = {
        "regions": ("regions.Region", {"code": "code", "name_zh": "name_zh", "name_en": "name_en", "class": "level"}),
        "region-labels": (
            "regions.Region",
            {"code": "code", "name_zh": "name_zh", "name_en": "name_en", "class": "level"},
        ),
        "roads": (
            "traffic.RoadSegment",
            {"code": "code", "name_zh": "name_zh", "name_en": "name_en", "class": "road_class"},
        ),
        "facilities": (
            "healthcare.Facility",
            {"code": "code", "name_zh": "name_zh", "name_en": "name_en", "class": "kind", "address": "address"},
        ),
        "stations": (
            "environment.Station",
            {"code": "code", "name_zh": "name_zh", "name_en": "name_en", "class": "kind"},
        ),
    }
    from django.apps import apps

    body = client.get("/maps/features.geojson").json()
    for item in body["features"]:
        model_label, names = fields[item["properties"]["layer"]]
        model = apps.get_model(model_label)
        for key in item["properties"]:
            if key == "layer":
                continue
            assert label_for(model, names[key]) == PUBLIC, (model_label, key)


def test_style_has_no_glyphs_and_labels_in_the_page_language(client, world):
    # when
    zh = client.get("/maps/style.json?lang=zh-hans").json()
    en = client.get("/maps/style.json?lang=en").json()
    # then
    assert "glyphs" not in zh
    assert zh["version"] == 8
    assert zh["sources"] == {"cityops": {"type": "geojson", "data": "http://testserver/maps/features.geojson"}}
    ids = [layer["id"] for layer in zh["layers"]]
    assert ids[0] == "background"
    for needed in (
        "district-line",
        "street-line",
        "community-line",
        "roads-line",
        "roads-label",
        "facilities-label",
        "stations-label",
        "district-label",
        "street-label",
        "community-label",
    ):
        assert needed in ids
    label = next(layer for layer in zh["layers"] if layer["id"] == "street-label")
    assert label["layout"]["text-field"][2] == ["get", "name_zh"]
    label = next(layer for layer in en["layers"] if layer["id"] == "street-label")
    assert label["layout"]["text-field"][2] == ["get", "name_en"]
    assert zh["metadata"]["cityops:strings"]["pin_center"] == "把图钉放在地图中心"
    assert en["metadata"]["cityops:strings"]["pin_center"] == "Pin the centre of the map"


def test_style_refuses_an_unknown_language(client, world):
    response = client.get("/maps/style.json?lang=klingon")
    assert response.status_code == 400
    assert "zh-hans, en" in response.json()["detail"]


def test_style_puts_an_intranet_tile_server_beneath_and_the_csp_allows_it(client, world, settings):
    # given
    settings.CITYOPS_BASEMAP_TILES = "https://tiles.intra.example/vec/{z}/{x}/{y}.png"
    settings.CITYOPS_BASEMAP_ATTRIBUTION = "内网底图"
    # when
    response = client.get("/maps/style.json?lang=en")
    # then
    style = response.json()
    assert style["sources"]["tiles"] == {
        "type": "raster",
        "tiles": ["https://tiles.intra.example/vec/{z}/{x}/{y}.png"],
        "maxzoom": 18,
        "attribution": "内网底图",
        "tileSize": 256,
    }
    assert [layer["id"] for layer in style["layers"]][:2] == ["background", "tiles"]
    region_fill = next(layer for layer in style["layers"] if layer["id"] == "region-fill")
    assert region_fill["paint"]["fill-opacity"] == 0.0  # the tiles show through
    policy = client.get("/grievances/")["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://tiles.intra.example;" in policy
    assert "connect-src 'self' https://tiles.intra.example " in policy


def test_without_tile_settings_the_csp_names_no_other_origin(client, world):
    policy = client.get("/grievances/")["Content-Security-Policy"]
    assert "img-src 'self' data: blob:;" in policy


@pytest.mark.parametrize(
    ("query", "first", "kind"),
    [
        ("西一街道", "西一街道", "street"),
        ("西一", "西一街道", "street"),
        ("七星四", "七星四社区", "community"),
        ("解放路", "解放路", "roads"),
        ("卫生服务中心", "七星社区卫生服务中心", "facilities"),
        ("监测站", "西区监测站", "stations"),
        ("西区西一街道七星四社区5栋", "七星四社区", "community"),  # an address: its deepest region first
        ("幸福路12号", "七星社区卫生服务中心", "facilities"),  # a facility's public address
        ("ｗｅｓｔ　１", "West 1 Subdistrict", "street"),  # full-width, spaced, another case
    ],
)
def test_search_finds_places_by_name_and_address(client, world, query, first, kind):
    lang = "en" if query.startswith("ｗ") else "zh-hans"
    # when
    response = client.get("/maps/search", {"q": query, "lang": lang})
    # then
    assert response.status_code == 200
    results = response.json()["results"]
    assert (results[0]["name"], results[0]["kind"]) == (first, kind)


def test_search_result_says_where_a_place_is_and_a_road_is_one_place(client, world):
    # when
    community = client.get("/maps/search", {"q": "七星四社区", "lang": "zh-hans"}).json()["results"][0]
    roads = [r for r in client.get("/maps/search", {"q": "解放路"}).json()["results"] if r["kind"] == "roads"]
    # then
    assert community == {
        "name": "七星四社区",
        "kind": "community",
        "kind_label": "社区",
        "context": "西区 · 西一街道",
        "center": [pytest.approx(118.0075), pytest.approx(32.01)],
        "bbox": [118.005, 32.0, 118.01, 32.02],
    }
    assert len(roads) == 1
    assert roads[0]["bbox"] == [118.001, 32.012, 118.035, 32.012]


def test_search_says_what_a_place_is_in_the_language_asked_for(client, world):
    # when a Chinese page's visitor (the page's language) asks in English
    client.cookies["django_language"] = "zh-hans"
    found = client.get("/maps/search", {"q": "七星四社区", "lang": "en"}).json()["results"][0]
    # then the kind reads in English too, like the name
    assert (found["name"], found["kind_label"]) == ("Qixing 4 Community", "Community")


def test_search_with_nothing_typed_finds_nothing(client, world):
    assert client.get("/maps/search", {"q": "  "}).json() == {"results": []}
    assert client.get("/maps/search").json() == {"results": []}
    assert client.get("/maps/search", {"q": "火星"}).json() == {"results": []}


def test_search_refuses_a_long_query_and_an_unknown_language(client, world):
    assert client.get("/maps/search", {"q": "路" * 101}).status_code == 400
    assert client.get("/maps/search", {"q": "路", "lang": "fr"}).status_code == 400


def test_search_is_rate_limited(client, world, monkeypatch):
    from apps.regions import views

    monkeypatch.setattr(views, "SEARCHES_PER_MINUTE", 2)
    codes = [client.get("/maps/search", {"q": "西"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_basemap_endpoints_answer_get_only(client, world):
    assert client.post("/maps/style.json").status_code == 405
    assert client.post("/maps/search").status_code == 405
