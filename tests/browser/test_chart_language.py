"""Charts in the page's language: every page that draws charts loads Plotly through templates/includes/plotly.html,
which puts Plotly's words and the dates of time axes in Chinese on a Chinese page."""

from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.browser

DRAW = """() => {
  const div = document.createElement("div");
  div.style.width = "800px"; div.style.height = "300px";
  document.body.appendChild(div);
  const x = Array.from({length: 48}, (_v, i) => new Date(Date.UTC(2026, 11, 4, i)).toISOString());
  return window.Plotly.newPlot(div, [{x, y: x.map((_v, i) => i), type: "scatter"}], {}).then(
    () => Array.from(div.querySelectorAll(".xtick text")).map((t) => t.textContent));
}"""


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_time_axis_reads_in_the_pages_language(asgi_server, stations, cast, open_page, locale):
    # given a signed-in page that draws charts, in the browser's language
    base = f"http://{asgi_server}"
    probe = open_page(width=1440, height=1000, locale=locale)
    probe.sign_in(base, "command")
    probe.page.goto(f"{base}/environment/")
    probe.page.wait_for_function("() => window.Plotly !== undefined")

    # when a chart of two days by the hour is drawn there

    ticks = probe.page.evaluate(DRAW)

    # then its dates read in that language
    text = " ".join(ticks)
    if locale == "zh-CN":
        assert "月" in text, ticks
        assert "Dec" not in text, ticks
    else:
        assert "Dec" in text, ticks
        assert "月" not in text, ticks
    assert probe.console_errors == []


def test_every_template_that_draws_charts_loads_plotly_through_the_one_include():
    # a page loading plotly.js by itself would draw English dates on a Chinese page
    templates = Path(settings.BASE_DIR) / "templates"
    direct = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if "plotly_js" in path.read_text(encoding="utf-8") and path.name != "plotly.html"
    ]
    assert direct == []
