"""The command wall and the live region pages."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from apps.core.simulation import Simulator, simulator_registry
from apps.indicators.alerting import alert_raise

BANNER = 'class="simulated-banner"'


def json_script(html: str, element_id: str) -> Any:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no json_script #{element_id}"
    return json.loads(match.group(1))


def body_class(html: str) -> str:
    match = re.search(r'<body class="([^"]*)"', html)
    assert match
    return match.group(1)


# --- The wall ------------------------------------------------------------------------------------------


def test_the_wall_for_the_command_center(client, cast, load_indicator):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get("/wall/")

    # then the page carries the map figure (districts, then alert markers) and the script's config
    assert response.status_code == 200
    html = response.content.decode()
    figure = json_script(html, "wall-figure")
    config = json_script(html, "wall-config")
    # the no-data base layer, the indicator's values, the alert markers
    assert [trace["type"] for trace in figure["data"]] == ["choroplethmap", "choroplethmap", "scattermap"]
    assert figure["data"][0]["locations"] == ["E", "W"]
    assert figure["data"][1]["locations"] == ["E", "W"]
    assert config["kiosk"] is False
    assert (config["can_acknowledge"], config["can_dispatch"]) == (True, True)
    assert {"acknowledge", "send_for_verification", "not_verified"} <= set(config["strings"])
    assert "kiosk" not in body_class(html).split()


def test_the_wall_map_marks_alerts_at_their_regions(client, cast, city, load_indicator):
    # given an open alert on E
    alert, _created = alert_raise(
        kind="threshold", severity="critical", region=city["E"], indicator="test.load", title_zh="东区", title_en="E"
    )
    client.force_login(cast["command"])

    # when
    figure = json_script(client.get("/wall/").content.decode(), "wall-figure")

    # then
    markers = figure["data"][2]
    assert markers["customdata"] == [alert.id]
    assert (markers["lon"], markers["lat"]) == ([city["E"].centroid_lon], [city["E"].centroid_lat])
    assert markers["text"] == ["东区"]


def test_kiosk_mode_marks_the_body(client, cast):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get("/wall/", {"kiosk": "1"})

    # then
    html = response.content.decode()
    assert "kiosk" in body_class(html).split()
    assert json_script(html, "wall-config")["kiosk"] is True


def test_an_officer_may_not_open_the_wall(client, cast):
    # given
    client.force_login(cast["officer"])

    # when
    response = client.get("/wall/")

    # then
    assert response.status_code == 403


def test_a_visitor_is_sent_to_sign_in(client, city):
    # when
    response = client.get("/wall/")

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/wall/"


@pytest.mark.parametrize(
    ("simulate", "registered", "shown"),
    [(True, True, True), (True, False, False), (False, True, False)],
    ids=["simulating", "no-simulator", "switched-off"],
)
def test_the_simulated_data_banner(client, cast, settings, monkeypatch, simulate, registered, shown):
    # given only the test's simulator (the apps' own are set aside)
    settings.CITYOPS_SIMULATE = simulate
    client.force_login(cast["command"])
    test_sims = [Simulator(name="test-sim", every=timedelta(seconds=2), step=lambda now: 0)] if registered else []

    # when
    with simulator_registry.override(*test_sims, replace=True):
        response = client.get("/wall/")

    # then
    assert response.status_code == 200
    assert (BANNER in response.content.decode()) is shown


# --- Region pages --------------------------------------------------------------------------------------


def test_a_region_page_with_indicator_chips_and_a_cell_per_child(client, cast, load_indicator):
    # given
    client.force_login(cast["officer"])

    # when
    response = client.get("/regions/W/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'class="chip-link"[^>]*href="\?indicator=([^"&]+)"', html) == ["test.load"]
    assert re.findall(r'data-child="([^"]+)"', html) == ["W1", "W2"]
    figure = json_script(html, "region-map-figure")
    assert figure["data"][0]["type"] == "choroplethmap"
    assert figure["data"][0]["locations"] == ["W1", "W2"]


def test_a_region_page_without_indicators_has_no_chips_or_cells(client, cast, city, monkeypatch):
    # given no indicator registered
    from apps.indicators.registry import indicator_registry

    client.force_login(cast["officer"])

    # when
    with indicator_registry.override(replace=True):
        response = client.get("/regions/W/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="chip-link"' not in html
    assert "data-child=" not in html


def test_other_districts_and_the_city_above_are_not_an_officers_pages(client, cast, load_indicator):
    # given an officer of W
    client.force_login(cast["officer"])

    # when
    other, city, own = client.get("/regions/E/"), client.get("/regions/C/"), client.get("/regions/W/")

    # then: the city's figures would be made of E's too
    assert (other.status_code, city.status_code, own.status_code) == (404, 404, 200)
    assert 'data-region="W"' in own.content.decode()


def test_an_unknown_region_is_404(client, cast, city):
    # given
    client.force_login(cast["officer"])

    # when
    response = client.get("/regions/ZZ/")

    # then
    assert response.status_code == 404


def test_regions_index_opens_the_city_for_the_command_center_and_the_own_district_for_an_officer(client, cast, city):
    client.force_login(cast["command"])
    command = client.get("/regions/")
    client.force_login(cast["officer"])
    officer = client.get("/regions/")

    assert (command.status_code, command["Location"]) == (302, "/regions/C/")
    assert (officer.status_code, officer["Location"]) == (302, "/regions/W/")
