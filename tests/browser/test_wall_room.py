"""What the room must be able to read on the wall, at 1920×1080, in both languages: which alerts were already sent
for someone to verify on site (kiosk too), the screen-only regions on one line however many there are, and an
empty trend that says so instead of showing bare axes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from tests.browser.test_wall_layout import (
    MEASURE,
    observe_headlines,
    open_1080p,
    open_wall,
    raise_alert,
    satisfaction_alerts,
)
from tests.conftest import feature

pytestmark = pytest.mark.browser

# Five more districts of the test city (codes sort before E and W), each with an alert and nobody on site.
MORE_DISTRICTS = [
    ("D1", "高新技术产业开发区", "Gaoxin District"),
    ("D2", "经济技术开发区", "Jingji Jishu District"),
    ("D3", "北区", "North District"),
    ("D4", "南区", "South District"),
    ("D5", "江心洲区", "Jiangxinzhou District"),
]


def send_for_verification(alert: Any) -> None:
    from apps.indicators.models import Alert

    Alert.objects.filter(pk=alert.pk).update(status="verification_requested", verification_requested_at=timezone.now())


@pytest.mark.parametrize("kiosk", [True, False])
def test_alerts_sent_for_verification_say_so_on_the_kiosk_and_at_the_desk(asgi_server, city, cast, browser, kiosk):
    # given a critical alert sent for someone to verify on site, and two of one cause, one of them sent
    observe_headlines(city)
    single = raise_alert(
        city["W1"], "traffic.congestion", "critical", "拥堵指数严重超标", "Congestion index above critical", 8.5, 8
    )
    send_for_verification(single)
    send_for_verification(satisfaction_alerts(city)[0])

    # when the wall opens, unattended or at a desk
    probe = open_1080p(browser, asgi_server, kiosk="every=300" if kiosk else "")
    probe.page.wait_for_selector("#alert-feed li.alert-group", timeout=15000)

    # then the single card says it was sent instead of "unverified", and the group card counts the one sent and
    # still says the other is unverified; the kiosk shows no buttons
    card = probe.page.locator(f'#alert-feed li[data-id="{single.pk}"]')
    assert card.locator(".badge.status-verification_requested").inner_text() == "已派发核实"
    assert card.locator(".badge.unverified").count() == 0
    group = probe.page.locator("#alert-feed li.alert-group")
    assert group.locator(".badge.status-verification_requested").inner_text() == "1 条已派发核实"
    assert group.locator(".badge.unverified").inner_text() == "未核实"
    if kiosk:
        assert probe.page.locator("#alert-feed button").count() == 0
    probe.screenshot(f"wall-sent-for-verification-{'kiosk' if kiosk else 'desk'}-1080p")


# The screen-only line: its text, how many lines it takes, whether it runs out of its box.
SCREEN_ONLY_LINE = """
() => {
  const line = document.querySelector('[data-role="screen-only"]');
  const range = document.createRange();
  range.selectNodeContents(line);
  const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
  return { text: line.textContent, lines: tops.size, overflows: line.scrollWidth > line.clientWidth + 1,
           title: line.title, hidden: line.hidden };
}
"""


@pytest.mark.parametrize(
    ("lang", "prefix", "more", "names"),
    [
        ("zh", "7 个地区仅凭屏幕：", " 等", [zh for _code, zh, _en in MORE_DISTRICTS]),
        ("en", "7 areas screen-only: ", " …", [en.removesuffix(" District") for _code, _zh, en in MORE_DISTRICTS]),
    ],
)
def test_many_screen_only_regions_are_counted_on_one_line_with_the_first_names_that_fit(
    asgi_server, city, cast, browser, lang, prefix, more, names
):
    from apps.regions.models import Region
    from apps.regions.services import regions_import

    # given seven districts with alerts in the last 30 days and nobody on site in any of them
    regions_import(
        features=[
            feature(code, zh, en, (118.04 + i * 0.01, 32.00, 118.05 + i * 0.01, 32.02), 50_000)
            for i, (code, zh, en) in enumerate(MORE_DISTRICTS)
        ],
        level="district",
        parent="C",
    )
    observe_headlines(city)
    for code in [code for code, _zh, _en in MORE_DISTRICTS] + ["E", "W"]:
        raise_alert(
            Region.objects.get(code=code), "healthcare.er_wait", "warning", "急诊候诊超过预警值", "ER wait", 75, 60
        )

    # when the wall opens at 1080p
    probe, _switch = open_wall(browser, f"http://{asgi_server}", width=1920, height=1080, lang=lang, kiosk=False)
    probe.wait_for("!document.querySelector('[data-role=\"screen-only\"]').hidden")
    probe.page.evaluate("document.fonts.ready.then(() => true)")
    line = probe.page.evaluate(SCREEN_ONLY_LINE)
    probe.screenshot(f"wall-screen-only-{lang}-1080p")

    # then one line, not run out of its box, says how many and names the first of them (at most three), in order,
    # in English without the "District" they all share (as the map names them)
    assert line["lines"] == 1, line
    assert not line["overflows"], line
    assert line["text"].startswith(prefix), line
    assert line["text"].endswith(more), line
    shown = line["text"][len(prefix) : -len(more)].split(" · ")
    assert 1 <= len(shown) <= 3, line
    assert shown == names[: len(shown)], line
    # and every name is still there, in full, for whoever points at it
    assert line["title"].split(" · ")[:5] == [zh if lang == "zh" else en for _code, zh, en in MORE_DISTRICTS]
    assert len(line["title"].split(" · ")) == 7


@pytest.mark.parametrize(("lang", "message"), [("zh", "近 1 小时无数据"), ("en", "No data in the last hour")])
def test_an_indicator_without_data_in_the_trends_window_says_so_instead_of_bare_axes(
    asgi_server, city, cast, browser, lang, message
):
    # given the headline indicators observed for ten minutes, and the ER wait never
    observe_headlines(city)
    probe, _switch = open_wall(browser, f"http://{asgi_server}", width=1920, height=1080, lang=lang, kiosk=False)
    empty = probe.page.locator('[data-role="trend-empty"]')
    assert empty.is_hidden()  # the first tile has its hour of data

    # when the ER wait is chosen
    probe.page.select_option("#indicator-switch", "healthcare.er_wait")
    empty.wait_for(state="visible", timeout=5000)

    # then the trend panel says there is nothing in its window, in the page's language, with no plot, and fits
    assert empty.inner_text() == message
    assert probe.page.locator("#trend").is_hidden()
    assert probe.page.evaluate(MEASURE)["problems"] == []
    probe.screenshot(f"wall-trend-empty-{lang}-1080p")

    # and when an indicator with data is chosen again, the plot is back and the message gone
    probe.page.select_option("#indicator-switch", "environment.aqi")
    empty.wait_for(state="hidden", timeout=5000)
    assert probe.page.locator("#trend .main-svg").first.is_visible()
