"""Region pages: grey areas have a legend entry, and names read above the coloured areas."""

import pytest

pytestmark = pytest.mark.browser

_LAYER_ORDER = """(() => {
  const map = document.getElementById('region-map')._fullLayout.map._subplot.map;
  const ids = map.getStyle().layers.map((layer) => layer.id);
  const fills = ids.map((id, i) => [id, i])
    .filter(([id]) => id.startsWith('plotly-trace-layer') && id.endsWith('-fill'));
  return { fills: fills.map(([, i]) => i), label: ids.indexOf('street-label') };
})()"""


def _open_west(probe, base: str) -> None:
    probe.sign_in(base, "command")
    probe.page.goto(f"{base}/regions/W/?indicator=test.load")
    probe.page.wait_for_selector("#region-map .maplibregl-canvas", timeout=15000)
    probe.wait_for("document.getElementById('region-map')._fullLayout?.map?._subplot?.map?.isStyleLoaded()")


@pytest.mark.parametrize(("locale", "words"), [("zh-CN", "无数据"), ("en-US", "No data")])
def test_grey_areas_have_a_legend_entry_and_names_sit_above_the_fills(
    asgi_server, cast, observe, open_page, locale, words
):
    from tests.browser.test_wall_layout import in_thread

    # given West, whose street W1 has a value (80 %, warning: orange) and W2 none (grey)
    in_thread(lambda: observe("W1", 80))
    base = f"http://{asgi_server}"
    probe = open_page(width=1366, height=900, locale=locale)

    # when West's page opens on that indicator
    _open_west(probe, base)
    probe.screenshot(f"region-no-data-legend-{locale}")

    # then the legend names the grey, in the page's language
    legend = probe.page.locator('[data-role="no-data-legend"]')
    assert legend.is_visible()
    assert legend.inner_text().strip() == words
    # and the streets' names are drawn above every coloured area (under an orange fill they read orange)
    order = probe.page.evaluate(_LAYER_ORDER)
    assert order["label"] >= 0
    assert order["fills"]
    assert max(order["fills"]) < order["label"]
    assert probe.console_errors == []


def test_no_legend_entry_when_every_area_has_a_value(asgi_server, cast, observe, open_page):
    from tests.browser.test_wall_layout import in_thread

    # given both of West's streets with a value
    in_thread(lambda: (observe("W1", 80), observe("W2", 40)))
    base = f"http://{asgi_server}"
    probe = open_page(width=1366, height=900)

    # when West's page opens
    _open_west(probe, base)

    # then nothing is grey, and the legend does not claim there is
    assert not probe.page.locator('[data-role="no-data-legend"]').is_visible()
