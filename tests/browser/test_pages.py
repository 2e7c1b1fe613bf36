import pytest

pytestmark = pytest.mark.browser


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize(("width", "height", "name"), [(1920, 1080, "desktop"), (390, 844, "phone")])
def test_regions_page_draws_the_offline_map(asgi_server, cast, open_page, width, height, name):
    # given a command-center user on a closed network (no request may leave the machine)
    base = f"http://{asgi_server}"
    probe = open_page(width=width, height=height)
    probe.sign_in(base, "command")

    # when the regions page opens
    probe.page.goto(f"{base}/regions/C/")
    probe.page.wait_for_selector("#region-map .maplibregl-canvas", timeout=15000)
    probe.wait_for("document.querySelectorAll('#region-map path, #region-map canvas').length > 0")
    probe.screenshot(f"regions-{name}")

    # then the map and the table are drawn, in Chinese, with no errors and nothing fetched from outside
    assert probe.page.locator("table.table tbody tr").count() == 2
    assert probe.page.locator("h1").inner_text().startswith("测试市")
    # beneath the values, the city's labelled basemap (its own GeoJSON sources and label layers)
    basemap = probe.page.evaluate(
        "(() => { const s = document.getElementById('region-map').layout.map.style;"
        " return typeof s === 'object' ? [Object.keys(s.sources), s.layers.filter((l) => l.type === 'symbol').length]"
        " : null; })()"
    )
    assert basemap is not None
    assert basemap[0]
    assert basemap[1] > 0
    assert probe.console_errors == []
    assert probe.failed_requests == []
    assert probe.external_requests == []
    assert _no_horizontal_scroll(probe.page)


def test_drill_down_from_the_table_and_back_up(asgi_server, cast, open_page):
    base = f"http://{asgi_server}"
    probe = open_page(width=1366, height=768, locale="en-US")
    probe.sign_in(base, "command")
    probe.page.goto(f"{base}/regions/C/")

    # when the user opens West District, then goes back to the city from the breadcrumb
    probe.page.click("text=West District")
    probe.page.wait_for_selector("#region-map .maplibregl-canvas")
    streets = probe.page.locator("table.table tbody tr td:first-child").all_inner_texts()
    probe.page.click("nav.breadcrumb >> text=Test City")

    # then the streets were listed and the city is shown again
    assert streets == ["West 1 Subdistrict", "West 2 Subdistrict"]
    assert probe.page.locator("h1").inner_text().startswith("Test City")
    assert probe.console_errors == []


def test_home_page_in_both_languages(asgi_server, cast, open_page):
    base = f"http://{asgi_server}"
    probe = open_page(width=1280, height=800, locale="zh-CN")

    probe.page.goto(f"{base}/")
    chinese = probe.page.locator("h1").inner_text()
    probe.page.click("button[value=en]")
    probe.page.wait_for_load_state()
    english = probe.page.locator("h1").inner_text()
    probe.screenshot("home-en")

    assert chinese == "城市运行中心"
    assert english == "City Operations Center"
    assert probe.console_errors == []


def test_a_region_page_shows_a_partly_verdict_as_found(asgi_server, cast, city, open_page):
    from apps.indicators.alerting import alert_raise, alert_record_verdict
    from apps.indicators.models import Alert
    from tests.browser.test_wall_layout import in_thread

    # given an alert in West that a field visit found partly true
    def verified() -> None:
        alert, _created = alert_raise(
            kind=Alert.Kind.THRESHOLD,
            severity="warning",
            region=city["W"],
            title_zh="西区：床位使用率超过预警值",
            title_en="West: Bed occupancy above warning",
            indicator="healthcare.bed_occupancy",
            value=90,
            threshold=85,
        )
        alert_record_verdict(alert=alert, verdict="partly")

    in_thread(verified)
    base = f"http://{asgi_server}"
    probe = open_page(width=1366, height=768)
    probe.sign_in(base, "command")

    # when West's page opens
    probe.page.goto(f"{base}/regions/W/")
    badge = probe.page.locator('#region-alerts [data-verdict="partly"]')
    badge.wait_for(timeout=15000)

    # then it says partly, as on the wall, not "confirmed on site"
    assert badge.inner_text() == "部分属实"
    assert "现场属实" not in probe.page.locator("#region-alerts").inner_text()
