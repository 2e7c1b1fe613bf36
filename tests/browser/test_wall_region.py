"""The region page at a command-center desk (1920×1080), in both languages: the table of the areas below keeps each
area's name on one line."""

from __future__ import annotations

import pytest

from tests.conftest import feature

pytestmark = pytest.mark.browser

# Areas of the test city with names as long as the demo city's longest ("Jinqiao No. 2 Community") and longer.
LONG_NAMES = [
    ("D1", "高新技术产业开发区", "Gaoxin Development Zone"),
    ("D2", "江心洲街道", "Jiangxinzhou Subdistrict"),
]

# For each name cell of the table: the name, how many lines it takes, and whether it runs out of its cell.
NAME_CELLS = """
() => [...document.querySelectorAll('table.table tbody tr td:first-child')].map((td) => {
  const range = document.createRange();
  range.selectNodeContents(td);
  const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
  return { name: td.textContent.trim(), lines: tops.size, overflows: td.scrollWidth > td.clientWidth + 1 };
})
"""

HEADERS_ON_ONE_LINE = """
() => [...document.querySelectorAll('table.table thead th:not(:last-child)')].filter((th) => {
  const range = document.createRange();
  range.selectNodeContents(th);
  return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size !== 1;
}).map((th) => th.textContent)
"""

INDICATOR_HEADER_LINES = """
() => { const range = document.createRange();
        range.selectNodeContents(document.querySelector('table.table thead th:last-child'));
        return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size; }
"""

TABLE_FITS = """
() => { const box = document.querySelector('table.table').parentElement;
        return box.scrollWidth <= box.clientWidth + 1; }
"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_region_pages_area_names_keep_one_line_at_1080p(asgi_server, city, cast, open_page, lang):
    from apps.regions.services import regions_import

    # given a city with two districts of long names besides West and East
    regions_import(
        features=[
            feature(code, zh, en, (118.04 + i * 0.01, 32.00, 118.05 + i * 0.01, 32.02), 50_000)
            for i, (code, zh, en) in enumerate(LONG_NAMES)
        ],
        level="district",
        parent="C",
    )
    base = f"http://{asgi_server}"
    probe = open_page(width=1920, height=1080, locale="zh-CN" if lang == "zh" else "en-US")
    probe.sign_in(base, "command")

    # when the city's page opens with an indicator column
    probe.page.goto(f"{base}/regions/C/?indicator=traffic.congestion")
    probe.page.wait_for_selector("table.table tbody tr")
    probe.page.evaluate("document.fonts.ready.then(() => true)")
    cells = probe.page.evaluate(NAME_CELLS)
    probe.screenshot(f"region-table-{lang}-1080p")

    # then every area's name is on one line, whole, the table fits its panel (no sideways scrolling at a desk)
    # and the page does not scroll sideways
    names = {cell["name"] for cell in cells}
    assert {zh if lang == "zh" else en for _code, zh, en in LONG_NAMES} <= names
    assert [cell for cell in cells if cell["lines"] != 1 or cell["overflows"]] == []
    # and so do the column headers but the indicator's (a name of any length)
    assert probe.page.evaluate(HEADERS_ON_ONE_LINE) == []
    assert probe.page.evaluate(INDICATOR_HEADER_LINES) <= 2
    assert probe.page.evaluate(TABLE_FITS)
    assert probe.page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
