"""The portal's pin map on a phone, in Chinese: find the street by name, zoom in, tap, read the place, send."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import new_context
from tests.regions.basemap_world import basemap_world

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser: Any) -> Any:
    from tests.browser.conftest import PageProbe

    context = new_context(
        browser,
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
    )
    yield PageProbe(context.new_page())
    context.close()


def _map_ready(probe: Any) -> None:
    probe.wait_for("!!document.querySelector('#pick .maplibregl-canvas')")
    probe.wait_for("document.querySelector('#pick .basemap-status').textContent.length > 0")


def test_a_citizen_finds_the_street_pins_the_community_and_sends(asgi_server, categories, city, phone):
    from apps.grievances.models import Grievance

    # given
    basemap_world(city)
    base = f"http://{asgi_server}"
    page = phone.page
    page.goto(f"{base}/grievances/")
    page.select_option("#id_category", "pothole")
    page.select_option("select[name='attribute[size]']:not([disabled])", "large")
    page.fill("#id_description", "路面有个大坑，电动车差点摔倒")
    _map_ready(phone)
    page.locator("#pick").scroll_into_view_if_needed()
    phone.screenshot("portal-map-phone-city")

    # when: the street is searched by name and chosen
    page.fill("#pick input[type=search]", "西一")
    page.wait_for_selector("#pick .basemap-result")
    phone.screenshot("portal-map-phone-search")
    page.locator("#pick .basemap-result", has_text="西一街道").first.click()
    phone.wait_for("document.querySelector('#pick .basemap-status').textContent.includes('西一街道')")
    # the chosen street is outlined and named on the map until the pin
    chosen = page.evaluate("""() => {
        const map = document.getElementById('pick').basemap.map;
        return [JSON.stringify(map.getFilter('chosen-line')), map.getLayoutProperty('chosen-label', 'text-field'),
                document.querySelector('#pick [data-role=map-place]').textContent];
    }""")
    assert '"西一街道"' in chosen[0]
    assert '"street"' in chosen[0]
    assert chosen[1] == "西一街道"
    assert chosen[2] == "西区 · 西一街道"  # top-down, as a pin reads
    page.wait_for_timeout(900)  # the map's 600 ms fly to the street: a screenshot mid-flight shows nothing useful
    # and zoomed in further with the + button (street level)
    page.locator("#pick .maplibregl-ctrl-zoom-in").click()
    page.wait_for_timeout(400)
    phone.screenshot("portal-map-phone-street")

    # when: a tap in the east half of street W1 (community 七星四社区, 118.005–118.010)
    box = page.locator("#pick .maplibregl-canvas").bounding_box()
    target = _screen_point(page, 118.0085, 32.0085)
    assert box["x"] < target["x"] < box["x"] + box["width"]
    assert box["y"] < target["y"] < box["y"] + box["height"]
    _tap(page, target["x"], target["y"])
    phone.wait_for("document.querySelector('#pick .basemap-status').textContent.includes('七星四社区')")
    confirmation = page.locator("#pick .basemap-status").inner_text()
    phone.wait_for("document.querySelector('#pick [data-role=map-place]').textContent.includes('七星四社区')")
    on_map = page.locator("#pick [data-role=map-place]")
    bar, map_box = on_map.bounding_box(), page.locator("#pick .basemap-map").bounding_box()
    on_map_text = on_map.inner_text()
    lon = float(page.input_value("#id_lon"))
    lat = float(page.input_value("#id_lat"))
    phone.screenshot("portal-map-phone-pinned")
    with page.expect_navigation():
        page.click("#report-form button[type=submit]")
    phone.screenshot("portal-map-phone-sent")

    # then
    assert confirmation == "位置：西区 · 西一街道 · 七星四社区"
    # said on the map too, inside it and on the phone's screen (the form's line is below the fold)
    assert on_map_text == "位置：西区 · 西一街道 · 七星四社区"
    assert map_box["y"] <= bar["y"]
    assert bar["y"] + bar["height"] <= map_box["y"] + map_box["height"]
    assert bar["y"] + bar["height"] <= 844
    assert lon == pytest.approx(118.0085, abs=0.0003)
    assert lat == pytest.approx(32.0085, abs=0.0003)
    grievance = Grievance.objects.get()
    assert grievance.region.code == "W1B"
    assert (grievance.lon, grievance.lat) == (pytest.approx(lon, abs=1e-6), pytest.approx(lat, abs=1e-6))
    assert phone.console_errors == []
    assert phone.failed_requests == []
    assert phone.external_requests == []


def _tap(page: Any, x: float, y: float) -> None:
    """A finger's tap as the phone's browser makes it (Chromium's own tap gesture: touch events and whatever
    follows them), not a mouse click."""
    session = page.context.new_cdp_session(page)
    session.send("Input.synthesizeTapGesture", {"x": x, "y": y, "gestureSourceType": "touch"})
    session.detach()


def _screen_point(page: Any, lon: float, lat: float) -> dict[str, float]:
    """Where a place is on screen, by MapLibre's own projection (basemap.js leaves its handle on the container)."""
    return page.evaluate(
        """([lon, lat]) => {
            const map = document.getElementById('pick').basemap.map;
            const p = map.project([lon, lat]);
            const r = map.getCanvas().getBoundingClientRect();
            return { x: r.left + p.x, y: r.top + p.y };
        }""",
        [lon, lat],
    )


def test_without_javascript_the_coordinates_are_typed_and_bad_ones_are_refused(asgi_server, categories, browser):
    from apps.grievances.models import Grievance

    # given: a phone browser with JavaScript off
    context = new_context(browser, viewport={"width": 390, "height": 844}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    base = f"http://{asgi_server}"
    page.goto(f"{base}/grievances/")
    page.select_option("#id_category", "leak")
    page.fill("#id_description", "消防栓漏水")

    # when: coordinates that are not numbers
    page.click("details[data-role=coords] summary")
    page.fill("#id_lon", "东经118度")
    page.fill("#id_lat", "32.01")
    with page.expect_navigation() as answer:
        page.click("#report-form button[type=submit]")
    status = answer.value.status
    refused = page.locator("details[data-role=coords] .form-error").all_inner_texts()
    still_open = page.locator("details[data-role=coords]").get_attribute("open")

    # then: the form says so, keeps what was typed and takes nothing
    assert status == 400
    assert refused
    assert still_open is not None
    assert page.input_value("#id_lat") == "32.01"
    assert Grievance.objects.count() == 0

    # when: typed right
    page.fill("#id_lon", "118.015")
    with page.expect_navigation():
        page.click("#report-form button[type=submit]")
    context.close()

    # then
    grievance = Grievance.objects.get()
    assert (grievance.lon, grievance.lat, grievance.region.code) == (118.015, 32.01, "W2")


def test_a_local_tile_file_draws_beneath_the_labels_in_english(
    asgi_server, categories, city, browser, settings, tmp_path
):
    import math

    from tests.regions.test_basemap_tiles import _png, make_mbtiles

    # given: a small raster .mbtiles covering the test city from zoom 10 to 16
    def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
        n = 2**z
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
        return z, int((lon + 180) / 360 * n), int(y)

    tiles = {}
    for z in range(10, 17):
        (_, x0, y0), (_, x1, y1) = tile_of(118.0, 32.02, z), tile_of(118.04, 32.0, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                tiles[(z, x, y)] = _png("#b9d7f0" if (x + y) % 2 else "#cfe6c8")
    settings.CITYOPS_BASEMAP_FILE = str(make_mbtiles(tmp_path / "city.mbtiles", tiles, maxzoom="16"))
    basemap_world(city)
    context = new_context(browser, viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    from tests.browser.conftest import PageProbe

    probe = PageProbe(page)
    served = []
    page.on("response", lambda r: served.append(r.status) if "/maps/tiles/" in r.url else None)

    # when
    page.goto(f"http://{asgi_server}/grievances/")
    probe.wait_for("!!document.getElementById('pick').basemap?.map?.loaded()")
    page.fill("#pick input[type=search]", "Qixing 4")
    page.keyboard.press("Enter")
    probe.wait_for("document.querySelector('#pick .basemap-status').textContent.includes('Qixing 4 Community')")
    probe.wait_for("document.getElementById('pick').basemap.map.areTilesLoaded()")
    page.locator("#pick").scroll_into_view_if_needed()
    probe.screenshot("portal-map-phone-tiles-en")
    context.close()

    # then
    assert 200 in served
    assert set(served) <= {200, 204}
    assert probe.console_errors == []
    assert probe.external_requests == []


def test_a_place_found_reads_top_down_and_its_name_gives_way_to_the_names_beneath(asgi_server, city, browser):
    from apps.regions.addresses import AddressRow
    from apps.regions.services import addresses_import
    from tests.browser.conftest import PageProbe

    # given the basemap's world with an imported address, on the portal in English
    basemap_world(city)
    addresses_import(rows=[AddressRow(2, "幸福路12号", "12 Xingfu Road", 118.0075, 32.006)])
    context = new_context(browser, viewport={"width": 1024, "height": 800}, locale="en-GB")
    probe = PageProbe(context.new_page())
    page = probe.page
    page.goto(f"http://{asgi_server}/grievances/")
    probe.wait_for("!!document.getElementById('pick').basemap?.map?.loaded()")

    # when a community is found by name, then the address, then the street W1, and the map is shown where the
    # street is named
    page.fill("#pick input[type=search]", "Qixing 4")
    page.keyboard.press("Enter")
    probe.wait_for("document.querySelector('#pick [data-role=map-place]').textContent.includes('Qixing 4')")
    community_bar = page.locator("#pick [data-role=map-place]").inner_text()
    page.fill("#pick input[type=search]", "12 Xingfu")
    page.keyboard.press("Enter")
    probe.wait_for("document.querySelector('#pick [data-role=map-place]').textContent.includes('Xingfu Road')")
    address_bar = page.locator("#pick [data-role=map-place]").inner_text()
    page.fill("#pick input[type=search]", "West 1 Subdistrict")
    page.keyboard.press("Enter")
    probe.wait_for("document.querySelector('#pick [data-role=map-place]').textContent.includes('West 1')")
    drawn = page.evaluate("""async () => {
        const map = document.getElementById('pick').basemap.map;
        map.jumpTo({ center: [118.005, 32.01], zoom: 14 });  // street names, no district's
        await new Promise((done) => map.once('idle', done));
        const names = (layer) => map.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties.name_en);
        return { street: names('street-label'), chosen: names('chosen-label'),
                 overlap: map.getLayoutProperty('chosen-label', 'text-allow-overlap') || false,
                 ignore: map.getLayoutProperty('chosen-label', 'text-ignore-placement') || false };
    }""")
    page.locator("#pick .basemap-map").scroll_into_view_if_needed()
    probe.screenshot("portal-map-chosen-label-en")
    context.close()

    # then the bar reads district → street → community, as a pin does
    assert community_bar == "West District · West 1 Subdistrict · Qixing 4 Community"
    assert address_bar == "West District · West 1 Subdistrict · Qixing 4 Community · 12 Xingfu Road"
    # and the chosen name takes part in placement: it and the street's own name are both drawn, side by side
    assert (drawn["overlap"], drawn["ignore"]) == (False, False)
    assert "West 1 Subdistrict" in drawn["chosen"]
    assert "West 1 Subdistrict" in drawn["street"]
    assert probe.console_errors == []


def test_an_address_chosen_from_the_search_is_ringed_and_named_at_its_point(
    asgi_server, categories, city, phone, tmp_path
):
    from django.core.management import call_command

    # given an imported address list
    basemap_world(city)
    path = tmp_path / "addresses.csv"
    path.write_text("address,lon,lat,address_en\n幸福路12号,118.0075,32.006,12 Xingfu Road\n", encoding="utf-8")
    call_command("import_addresses", str(path), stdout=None)
    page = phone.page
    page.goto(f"http://{asgi_server}/grievances/")
    _map_ready(phone)

    # when the address is searched and chosen
    page.fill("#pick input[type=search]", "幸福路12")
    page.locator("#pick .basemap-result", has_text="幸福路12号").first.click()
    phone.wait_for("document.querySelector('#pick [data-role=map-place]').textContent.includes('幸福路12号')")
    phone.wait_for("""document.getElementById('pick').basemap.map
        .queryRenderedFeatures({ layers: ['chosen-point-label'] }).length > 0""")
    page.locator("#pick .basemap-map").scroll_into_view_if_needed()
    page.wait_for_timeout(700)  # the 600 ms flight to it, for the screenshot
    phone.screenshot("portal-map-chosen-address")
    drawn = page.evaluate("""() => {
        const map = document.getElementById('pick').basemap.map;
        const rendered = map.queryRenderedFeatures({ layers: ['chosen-point', 'chosen-point-label'] });
        return rendered.map((f) => [f.layer.id, f.properties.name, f.geometry.coordinates]);
    }""")

    # then a ring at the address's point, named, and nothing ringed once the search is typed into again
    rounded = [[layer, name, [round(c, 4) for c in xy]] for layer, name, xy in drawn]
    assert ["chosen-point", "幸福路12号", [118.0075, 32.006]] in rounded
    assert "chosen-point-label" in {layer for layer, _, _ in drawn}
    page.fill("#pick input[type=search]", "幸福")
    phone.wait_for("""document.getElementById('pick').basemap.map
        .queryRenderedFeatures({ layers: ['chosen-point'] }).length === 0""")
    assert phone.console_errors == []
