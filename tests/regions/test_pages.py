"""The /regions/ map page, the region admin, and the Plotly figures behind the page."""

import json
import math
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from apps.regions import charts, selectors
from apps.regions.models import Region


@pytest.fixture(autouse=True)
def _no_indicators():
    """These tests are about the administrative map: domain indicators (traffic, …) are set aside."""
    from apps.indicators.registry import indicator_registry

    with indicator_registry.override(replace=True):
        yield


def _figure(response):
    match = re.search(
        r'<script id="region-map-figure" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "no json_script figure on the page"
    return json.loads(match.group(1))


def _table_codes(response):
    return re.findall(r'<td class="mono[^"]*">([^<]+)</td>', response.content.decode())


# --- /regions/ -------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(city, client):
    # when
    response = client.get("/regions/")

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/regions/"


def test_the_command_center_sees_the_city_with_its_districts(cast, client):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get("/regions/", follow=True)

    # then the index opens the top of the hierarchy
    assert response.redirect_chain == [("/regions/C/", 302)]
    assert response.status_code == 200
    assert response.context["current"].code == "C"
    assert [c.code for c in response.context["children"]] == ["E", "W"]
    assert _table_codes(response) == ["E", "W"]
    html = response.content.decode()
    assert '<a href="/regions/W/">西区</a>' in html
    assert '<a href="/regions/E/">东区</a>' in html
    data = _figure(response)["data"]
    assert len(data) == 1
    assert data[0]["type"] == "choroplethmap"
    assert data[0]["locations"] == ["E", "W"]
    areas = dict(Region.objects.values_list("code", "area_km2"))
    assert data[0]["z"] == pytest.approx([100_000 / areas["E"], 200_000 / areas["W"]])


def test_a_district_shows_its_streets(cast, client):
    # given
    client.force_login(cast["officer"])

    # when
    response = client.get("/regions/W/")

    # then
    assert response.status_code == 200
    assert response.context["current"].code == "W"
    # the city above is named, not linked: its figures include the other district
    assert [(a.code, linked) for a, linked in response.context["ancestors"]] == [("C", False)]
    assert '<a href="/regions/C/">' not in response.content.decode()
    assert _table_codes(response) == ["W1", "W2"]
    assert _figure(response)["data"][0]["locations"] == ["W1", "W2"]


def test_a_leaf_shows_its_own_outline(cast, client):
    # given
    client.force_login(cast["officer"])

    # when
    response = client.get("/regions/W1/")

    # then
    assert response.status_code == 200
    assert _table_codes(response) == []
    assert _figure(response)["data"][0]["locations"] == ["W1"]


def test_an_unknown_code_is_404(cast, client):
    # given
    client.force_login(cast["officer"])

    # when
    response = client.get("/regions/NOPE/")

    # then
    assert response.status_code == 404


def test_page_loads_nothing_from_outside_and_plotly_locally(cast, client):
    # given
    client.force_login(cast["command"])

    # when
    html = client.get("/regions/C/").content.decode()

    # then
    sources = re.findall(r'<script[^>]*\ssrc="([^"]*)"', html) + re.findall(r'<link[^>]*\shref="([^"]*)"', html)
    assert sources
    assert [s for s in sources if s.startswith(("http://", "https://", "//"))] == []
    plotly = [s for s in sources if s.startswith("/static/vendor/plotly-") and s.endswith("/plotly.min.js")]
    assert len(plotly) == 1
    assert finders.find(plotly[0].removeprefix("/static/"))


# --- Admin -----------------------------------------------------------------------------------------------


def test_admin_list_draws_thumbnails(cast, client):
    # given
    client.force_login(cast["admin"])

    # when
    response = client.get("/admin/regions/region/")

    # then
    assert response.status_code == 200
    assert [r.code for r in response.context["cl"].result_list] == ["C", "E", "W", "W1", "W2"]
    assert response.content.decode().count('role="img" class="region-svg"><path') == 5


def test_admin_change_page_draws_the_boundary(cast, client):
    # given
    client.force_login(cast["admin"])
    region = Region.objects.get(code="W")

    # when
    response = client.get(reverse("admin:regions_region_change", args=[region.pk]))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img" class="region-svg"><path') == 1
    assert '<svg xmlns="http://www.w3.org/2000/svg" width="320"' in html
    assert 'fill="#eef2f7"' in html  # the parent C drawn behind W


def test_admin_list_filters_by_level(cast, client):
    # given
    client.force_login(cast["admin"])

    # when
    response = client.get("/admin/regions/region/?level=street")

    # then
    assert response.status_code == 200
    assert [r.code for r in response.context["cl"].result_list] == ["W1", "W2"]


def test_admin_list_filters_by_parent(cast, client):
    # given
    client.force_login(cast["admin"])

    # when
    response = client.get("/admin/regions/region/?parent=C")

    # then
    assert response.status_code == 200
    assert [r.code for r in response.context["cl"].result_list] == ["E", "W"]


# --- Figures ---------------------------------------------------------------------------------------------


def test_map_view_centers_the_box():
    # given
    west, south, east, north = 118.0, 32.0, 118.04, 32.02

    # when
    view = charts.map_view([west, south, east, north])

    # then
    assert view["center"] == {"lon": (west + east) / 2, "lat": (south + north) / 2}
    assert 10 < view["zoom"] < 16


def test_map_view_zooms_out_for_a_bigger_box():
    # when
    street = charts.map_view([118.0, 32.0, 118.01, 32.02])
    district = charts.map_view([118.0, 32.0, 118.04, 32.02])
    city = charts.map_view([118.4, 31.6, 119.2, 32.6])

    # then
    assert street["zoom"] > district["zoom"] > city["zoom"]


def test_map_view_of_a_point_is_finite():
    # when
    view = charts.map_view([118.0, 32.0, 118.0, 32.0])

    # then
    assert view["center"] == {"lon": 118.0, "lat": 32.0}
    assert math.isfinite(view["zoom"])


def _properties(code, population, area_km2):
    return {"code": code, "name": code, "population": population, "area_km2": area_km2}


def test_density_map_colours_population_per_km2_and_nan_when_unknown():
    # given a region with population, one without, and one without area
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": None, "properties": _properties("A", 1000, 2.0)},
            {"type": "Feature", "geometry": None, "properties": _properties("B", None, 3.0)},
            {"type": "Feature", "geometry": None, "properties": _properties("C", 50, 0.0)},
        ],
    }

    # when
    figure = charts.region_density_map(
        collection, bbox=[118.0, 32.0, 118.04, 32.02], colorbar_title="", hover_template="", no_data_label="no data"
    )

    # then
    trace = figure.data[0]
    assert trace.type == "choroplethmap"
    assert list(trace.locations) == ["A", "B", "C"]
    assert trace.z[0] == 500.0
    assert math.isnan(trace.z[1])
    assert math.isnan(trace.z[2])
    assert [list(row) for row in trace.customdata] == [["A", 1000, 500], ["B", 0, 0], ["C", 50, 0]]
    # the places without a density are grey under a legend entry of their own
    unknown = figure.data[1]
    assert (list(unknown.locations), unknown.name, unknown.showlegend) == (["B", "C"], "no data", True)
    assert list(unknown.text) == ["B: no data", "C: no data"]
    assert (figure.layout.map.center.lon, figure.layout.map.center.lat) == pytest.approx((118.02, 32.01))


def test_density_map_of_the_test_city(city):
    # given
    collection = selectors.region_feature_collection(parent_code="W")

    # when
    figure = charts.region_density_map(collection, bbox=city["W"].bbox, colorbar_title="", hover_template="")

    # then
    assert list(figure.data[0].z) == [
        120_000 / city["W1"].area_km2,
        80_000 / city["W2"].area_km2,
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_large_numbers_are_grouped_in_both_languages(cast, client, language):
    # given the test city of 300,000 residents
    client.force_login(cast["command"])

    # when the page is shown in either language
    response = client.get("/regions/C/", HTTP_ACCEPT_LANGUAGE=language)

    # then the population reads with thousands separators
    assert "300,000" in response.content.decode()


def test_old_code_links_still_open_the_region(cast, client):
    client.force_login(cast["officer"])

    response = client.get("/regions/?code=W")

    assert (response.status_code, response["Location"]) == (302, "/regions/W/")
