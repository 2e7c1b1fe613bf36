"""The wall as the room sees it, measured in the browser (bounding boxes and computed styles, not by eye).

At 1920×1080, 2560×1440 and 3840×2160, in Chinese and English, kiosk and not, before and after the connection
drops: no text is cut off or overflows its box, every text a person reads is at least 22 px at 1080p (scaled with
the screen), the map and the trend take their panels' sizes with the colour bar inside the plot, the map names
its regions and has a legend for its marks. Then one test per behaviour of issue 19: the standards' palettes
(AQI 58 is yellow, 良), grouped alerts in the indicator's direction, the storm banner, inhibition, the four
verdicts, and the kiosk outlining a community the district map does not draw.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import feature

pytestmark = pytest.mark.browser

# The headline indicators (the wall's tiles) and a value each for West 1, West 2 and East.
HEADLINE_VALUES = {
    "traffic.congestion": (6.5, 3.0, 2.0),
    "traffic.open_incidents": (2, 1, 0),
    "environment.aqi": (58, 58, 58),
    "environment.polluted_hours": (1, 0, 0),
    "healthcare.bed_occupancy": (80.0, 70.0, 60.0),
    "healthcare.fever_signal": (1.2, 0.4, 0.1),
    "grievances.open": (120, 80, 40),
    "grievances.overdue": (4, 2, 1),
}

# What is wrong with the layout, measured in one call (tests/browser/wall_measure.js).
MEASURE = (Path(__file__).parent / "wall_measure.js").read_text()


def in_thread(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Server-side work off the main thread (Playwright's event loop runs there), its connection closed after."""

    def run() -> Any:
        from django.db import connection

        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def tick() -> None:
    from apps.dashboards.services import live_tick

    in_thread(live_tick)


def observe_headlines(city: dict[str, Any]) -> None:
    """Ten minutes of every headline indicator in the leaf regions, then the tick that rolls them up."""
    from apps.indicators.services import Observation, indicator_observations_record

    now = timezone.now()
    observations = [
        Observation(code, city[region].id, now - timedelta(minutes=minutes), value)
        for code, values in HEADLINE_VALUES.items()
        for region, value in zip(("W1", "W2", "E"), values, strict=True)
        for minutes in range(10, -1, -1)
    ]
    indicator_observations_record(observations=observations)
    tick()


def raise_alert(region: Any, indicator: str, severity: str, zh: str, en: str, value: float, threshold: float) -> Any:
    from apps.indicators.alerting import alert_raise
    from apps.indicators.models import Alert

    alert, _created = in_thread(
        alert_raise,
        kind=Alert.Kind.THRESHOLD,
        severity=severity,
        title_zh=f"{region.name_zh}：{zh}",
        title_en=f"{region.name_en}: {en}",
        region=region,
        indicator=indicator,
        value=value,
        threshold=threshold,
    )
    return alert


# Alerts of different causes, more than the feed can hold at 1080p, and two that share a cause.
SINGLE_ALERTS = [
    ("W1", "traffic.congestion", "critical", "拥堵指数严重超标", "Congestion index above critical", 8.5, 8),
    ("E", "environment.noise_over_limit", "warning", "噪声超标", "Noise over the limit above warning", 3.0, 0.1),
    ("W", "healthcare.bed_occupancy", "critical", "床位使用率严重超标", "Bed occupancy above critical", 97, 95),
    ("E", "healthcare.er_wait", "warning", "急诊候诊超过预警值", "Longest emergency wait above warning", 75, 60),
    (
        "W2",
        "traffic.open_incidents",
        "warning",
        "未处置交通事件超过预警值",
        "Open traffic incidents above warning",
        4,
        3,
    ),
    ("E", "environment.pm25", "warning", "PM2.5 超过预警值", "PM2.5 above warning", 90, 75),
    ("W1", "healthcare.fever_signal", "critical", "发热门诊预警严重超标", "Fever-clinic alarm above critical", 6, 5),
    ("W2", "grievances.resolve_hours", "warning", "办结时长超过预警值", "Median time to resolve above warning", 60, 48),
]


def satisfaction_alerts(city: dict[str, Any]) -> list[Any]:
    """Satisfaction below its warning level in both streets of West: one cause, two regions."""
    return [
        raise_alert(
            city[code], "grievances.satisfaction", "warning", "满意度低于预警值", "Satisfaction below warning", 3.3, 3.5
        )
        for code in ("W1", "W2")
    ]


@pytest.fixture
def busy_wall(city: dict[str, Any], cast: dict[str, Any]) -> dict[str, Any]:
    from apps.indicators.models import Alert

    observe_headlines(city)
    first, *_rest = [raise_alert(city[code], *rest) for code, *rest in SINGLE_ALERTS]
    satisfaction_alerts(city)
    # one already sent for verification: its card says so, kiosk too
    Alert.objects.filter(pk=first.pk).update(status="verification_requested", verification_requested_at=timezone.now())
    return city


class ConnectionSwitch:
    """The wall's websocket through Playwright: connected to the server, until `cut()` closes it and refuses
    every reconnection (the server keeps running, so one server serves every case of a test)."""

    def __init__(self, context: Any) -> None:
        self.cut_off = False
        self.sockets: list[Any] = []
        context.route_web_socket("**/ws/**", self.route)

    def route(self, socket: Any) -> None:
        if self.cut_off:
            socket.close()
            return
        socket.connect_to_server()
        self.sockets.append(socket)

    def cut(self) -> None:
        self.cut_off = True
        for socket in self.sockets:
            socket.close()


def open_wall(browser: Any, base: str, *, width: int, height: int, lang: str, kiosk: bool) -> tuple[Any, Any]:
    from tests.browser.conftest import PageProbe, new_context

    context = new_context(
        browser, viewport={"width": width, "height": height}, locale="zh-CN" if lang == "zh" else "en-US"
    )
    switch = ConnectionSwitch(context)
    probe = PageProbe(context.new_page())
    probe.sign_in(base, "command")
    probe.page.goto(f"{base}/wall/{'?kiosk=1' if kiosk else ''}")
    probe.page.locator('.tile[data-indicator="environment.aqi"] .num').wait_for(timeout=15000)
    probe.page.wait_for_selector("#wall-map .colorbar", timeout=15000)
    probe.page.wait_for_selector("#alert-feed li.alert", timeout=15000)
    probe.wait_for("document.querySelectorAll('.map-label').length > 0")
    probe.wait_for("document.querySelector('[data-role=\"connection\"]').dataset.state === 'live'")
    probe.page.evaluate("document.fonts.ready.then(() => true)")
    return probe, switch


def measure_when(probe: Any, state: str) -> dict[str, Any]:
    """The measurement taken while the connection line says `state` (a refused reconnection flips it)."""
    for _ in range(100):
        result = probe.page.evaluate(MEASURE)
        if result["state"] == state:
            return result
        probe.page.wait_for_timeout(50)
    raise AssertionError(f"the connection never read {state!r}")


SCREENS = [(1920, 1080, "1080p"), (2560, 1440, "1440p"), (3840, 2160, "4k")]


@pytest.mark.parametrize(("width", "height", "res"), SCREENS)
def test_the_wall_fits_its_screen_in_both_languages_kiosk_or_not_connected_or_not(
    asgi_server, busy_wall, browser, width, height, res
):
    # given a wall with every headline tile, a busy alert feed and a map
    base = f"http://{asgi_server}"
    results = {}
    for lang in ("zh", "en"):
        for kiosk in (False, True):
            # when it opens, and then when its connection drops
            probe, switch = open_wall(browser, base, width=width, height=height, lang=lang, kiosk=kiosk)
            live = measure_when(probe, "live")
            if res != "1440p":
                probe.screenshot(f"wall-{lang}-{res}-{'kiosk' if kiosk else 'normal'}")
            switch.cut()
            probe.wait_for("document.querySelector('[data-role=\"connection\"]').dataset.state === 'lost'")
            lost = measure_when(probe, "lost")
            results[(lang, kiosk)] = (live, lost, probe.console_errors)
            probe.page.context.close()

    # then nothing is cut off, too small, outside its panel or half shown, in any of them
    for (lang, kiosk), (live, lost, errors) in results.items():
        case = f"{res} {lang} {'kiosk' if kiosk else 'normal'}"
        assert live["lang"].startswith("zh" if lang == "zh" else "en"), case
        assert live["problems"] == [], f"{case}, live: {live['problems']}"
        assert lost["problems"] == [], f"{case}, connection lost: {lost['problems']}"
        assert live["texts"] > 40, case  # the measurement saw the page's words
        # the map names its districts (in English without the "District" every name shares, which crowded names
        # off the map) and its legend has a word for every mark
        assert set(live["names"]) == ({"西区", "东区"} if lang == "zh" else {"West", "East"}), case
        assert all(live["legend"]), case
        # kiosk: no indicator picker, and the map keeps at least half the screen's height
        assert live["switchShown"] is (not kiosk), case
        if kiosk:  # without the picker, the map says what it shows
            assert live["layerName"], case
        assert live["mapHeight"] >= 0.6 * height, case
        # the feed holds more than fits: whole cards and the count of the rest
        if res == "1080p":
            assert live["moreShown"], case
        assert [e for e in errors if "WebSocket" not in e] == [], case


# --- Behaviours, one test each, at 1080p -------------------------------------------------------------------
def open_1080p(browser: Any, asgi_server: str, *, lang: str = "zh", kiosk: str = "") -> Any:
    """The wall at 1920×1080 with its first data drawn; `kiosk` is the kiosk's query ("every=5")."""
    if not kiosk:
        probe, _switch = open_wall(browser, f"http://{asgi_server}", width=1920, height=1080, lang=lang, kiosk=False)
        return probe
    from tests.browser.conftest import PageProbe, new_context

    context = new_context(browser, viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    probe = PageProbe(context.new_page())
    probe.sign_in(f"http://{asgi_server}", "command")
    probe.page.goto(f"http://{asgi_server}/wall/?kiosk=1&{kiosk}")
    probe.page.wait_for_selector("#wall-map .colorbar", timeout=15000)
    return probe


# The colour a Plotly colour scale gives a value: the stop at or below it (the wall's scales are steps).
COLOUR_AT = """
(value) => {
  const trace = document.getElementById('wall-map').data[1];
  const at = (value - trace.zmin) / (trace.zmax - trace.zmin);
  const stops = trace.colorscale.filter(([t]) => t <= at + 1e-9);
  return stops[stops.length - 1][1];
}
"""


def test_aqi_and_congestion_are_drawn_in_their_standards_palettes(asgi_server, city, cast, browser):
    # given AQI 58 in every district (良 on the public AQI page) and congestion 3.4 in the city
    observe_headlines(city)

    # when the wall opens, and the map is switched to AQI
    probe = open_1080p(browser, asgi_server)
    tile = probe.page.locator('.tile[data-indicator="environment.aqi"]')
    band = tile.locator(".band-word")
    congestion = probe.page.locator('.tile[data-indicator="traffic.congestion"] .band-word').inner_text()
    probe.page.select_option("#indicator-switch", "environment.aqi")
    probe.wait_for("document.getElementById('wall-map').data[1].zmax === 500")

    # then the tile and the map show the standard's yellow with its word, and congestion its traffic band
    assert band.inner_text() == "良"
    assert band.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 0)"
    assert tile.evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(255, 255, 0)"
    assert probe.page.evaluate(COLOUR_AT, 58) == "#ffff00"
    assert probe.page.evaluate(COLOUR_AT, 45) == "#00e400"
    assert probe.page.evaluate(COLOUR_AT, 350) == "#7e0023"
    assert congestion == "基本畅通"
    ticks = probe.page.evaluate(
        "[...document.querySelectorAll('#wall-map .colorbar .cbaxis text')].map(t => t.textContent)"
    )
    assert ticks == ["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"]


@pytest.mark.parametrize(
    ("lang", "title"), [("zh", "2 个街道满意度低于预警值"), ("en", "2 streets: Satisfaction below warning")]
)
def test_alerts_of_one_cause_are_one_card_that_says_below_for_a_low_value(
    asgi_server, city, cast, browser, lang, title
):
    # given satisfaction below its warning level (low is bad) in both streets of West
    satisfaction_alerts(city)

    # when the wall opens
    probe = open_1080p(browser, asgi_server, lang=lang)

    # then one card tells both, with the count of streets and the word "below", and lists the streets
    cards = probe.page.locator("#alert-feed > li")
    assert cards.count() == 1
    assert cards.first.locator(".alert-title").inner_text() == title
    assert cards.first.get_attribute("data-count") == "2"
    assert probe.page.locator('[data-role="alert-count"]').inner_text() == "2"
    members = cards.first.locator('[data-role="members"] li').all_text_contents()
    assert sorted(members) == (
        ["西一街道", "西二街道"] if lang == "zh" else ["West 1 Subdistrict", "West 2 Subdistrict"]
    )


def test_a_storm_is_one_banner_kept_current_and_taken_down_when_it_ends(asgi_server, city, cast, browser):
    from cityops.realtime import stream_publish

    # given a wall open on a quiet city
    satisfaction_alerts(city)
    probe = open_1080p(browser, asgi_server)
    banner = probe.page.locator('[data-role="storm"]')
    assert banner.is_hidden()
    storm = {"since": timezone.now().isoformat(), "window_s": 300}

    # when a storm starts, is still on a tick later with more alerts, and then ends
    in_thread(
        stream_publish, stream="alerts", params={}, payload={"storm": {"active": True, "new_alerts": 12, **storm}}
    )
    banner.wait_for(state="visible", timeout=5000)
    started = banner.inner_text()
    in_thread(
        stream_publish, stream="alerts", params={}, payload={"storm": {"active": True, "new_alerts": 15, **storm}}
    )
    probe.page.wait_for_function(
        "() => document.querySelector('[data-role=\"storm\"]').textContent.includes('15')", timeout=5000
    )
    still = banner.inner_text()
    banners = probe.page.locator('[data-role="storm"]').count()
    in_thread(
        stream_publish, stream="alerts", params={}, payload={"storm": {"active": False, "new_alerts": 2, **storm}}
    )
    banner.wait_for(state="hidden", timeout=5000)

    # then one banner said so, its count kept current, and the alerts stayed grouped
    assert started == "告警激增：5 分钟内新增 12 条，已按指标归组"
    assert still == "告警激增：5 分钟内新增 15 条，已按指标归组"
    assert banners == 1
    assert probe.page.locator("#alert-feed > li").count() == 1


def test_the_four_verdicts_look_different_and_partly_is_never_confirmed(asgi_server, city, cast, browser):
    from apps.indicators.models import Alert

    # given four alerts checked on site, one with each verdict
    verdicts = ["confirmed", "partly", "contradicted", "could_not_verify"]
    for (code, *rest), verdict in zip(SINGLE_ALERTS[:4], verdicts, strict=True):
        alert = raise_alert(city[code], *rest)
        status = {"partly": "confirmed"}.get(verdict, verdict)  # the lifecycle says confirmed for partly too
        Alert.objects.filter(pk=alert.pk).update(verdict=verdict, status=status, verified_at=timezone.now())

    # when the wall opens
    probe = open_1080p(browser, asgi_server)

    # then each card carries its own verdict, and the four badges differ in word and colour
    badges = probe.page.locator("#alert-feed .badge[data-verdict]")
    seen = {b.get_attribute("data-verdict"): b.inner_text() for b in badges.all()}
    colours = {
        b.evaluate("e => getComputedStyle(e).backgroundColor + getComputedStyle(e).borderStyle") for b in badges.all()
    }
    assert seen == {
        "confirmed": "✓ 现场属实",
        "partly": "◐ 部分属实",
        "contradicted": "✗ 现场不符",
        "could_not_verify": "? 无法核实",
    }
    assert len(colours) == 4
    # and the ground-truth panel counts each verdict apart
    panel = probe.page.locator('[data-role="gt-verdicts"] .badge').all_inner_texts()
    assert panel == ["✓ 1 现场属实", "◐ 1 部分属实", "✗ 1 现场不符", "? 1 无法核实"]


def test_an_alert_held_back_by_its_parents_is_listed_inside_the_parents_card(asgi_server, city, cast, browser):
    from apps.indicators.models import Alert

    # given bed occupancy above critical in West and in its street West 1, held back by West's
    west = raise_alert(
        city["W"], "healthcare.bed_occupancy", "critical", "床位使用率严重超标", "Bed occupancy above critical", 97, 95
    )
    street = raise_alert(
        city["W1"], "healthcare.bed_occupancy", "critical", "床位使用率严重超标", "Bed occupancy above critical", 98, 95
    )
    Alert.objects.filter(pk=street.pk).update(inhibited_by=west)

    # when the wall opens
    probe = open_1080p(browser, asgi_server)

    # then West's card alone, saying it includes one area below
    cards = probe.page.locator("#alert-feed > li")
    assert cards.count() == 1
    assert cards.first.get_attribute("data-id") == str(west.pk)
    assert cards.first.locator('[data-role="inhibits"]').inner_text() == "含 1 个下级区域"


def test_an_alert_held_by_one_outside_the_walls_region_stands_on_its_own(asgi_server, city, cast, browser):
    from apps.indicators.models import Alert

    # given bed occupancy above critical for the city and for West, West's held back by the city's
    top = raise_alert(
        city["C"], "healthcare.bed_occupancy", "critical", "床位使用率严重超标", "Bed occupancy above critical", 97, 95
    )
    west = raise_alert(
        city["W"], "healthcare.bed_occupancy", "critical", "床位使用率严重超标", "Bed occupancy above critical", 98, 95
    )
    Alert.objects.filter(pk=west.pk).update(inhibited_by=top)

    # when West's own wall opens (it shows West and what is under it, not the city's alert)
    probe = open_1080p(browser, asgi_server)
    probe.page.goto(f"http://{asgi_server}/wall/?region=W")
    probe.page.wait_for_selector("#alert-feed > li", timeout=15_000)

    # then West's alert is on it: hidden inside a card this wall never shows, it would be nowhere
    cards = probe.page.locator("#alert-feed > li")
    assert cards.count() == 1
    assert cards.first.get_attribute("data-id") == str(west.pk)


def test_the_kiosk_outlines_a_community_the_district_map_does_not_draw(asgi_server, city, cast, browser):
    from apps.regions.services import regions_import

    # given an unverified alert in a community of West 1 (the wall's map draws districts)
    regions_import(
        features=[feature("W1A", "银杏一社区", "Ginkgo 1 Community", (118.000, 32.000, 118.005, 32.005), 5_000)],
        level="community",
        parent="W1",
    )
    from apps.regions.models import Region

    raise_alert(
        Region.objects.get(code="W1A"),
        "grievances.satisfaction",
        "warning",
        "满意度低于预警值",
        "Satisfaction below warning",
        3.2,
        3.5,
    )

    # when the kiosk turns to it
    probe = open_1080p(browser, asgi_server, kiosk="every=5")
    probe.wait_for("document.querySelector('[data-role=\"verify-banner\"]').dataset.region === 'W1A'", timeout=20000)
    probe.screenshot("wall-kiosk-community")

    # then the banner names the community and its district, the map draws the community's outline over the
    # districts, outlines its district, and writes the community's name on the map
    assert probe.page.locator('[data-role="verify-banner"]').inner_text() == "需要现场核实：银杏一社区（西区）"
    assert probe.page.evaluate("document.getElementById('wall-map').data[3].locations") == ["W1A"]
    widths = probe.page.evaluate("document.getElementById('wall-map').data[1].marker.line.width")
    codes = probe.page.evaluate("document.getElementById('wall-map').data[1].locations")
    assert widths[codes.index("W")] > widths[codes.index("E")]
    named = probe.page.locator(".map-label.named")
    assert named.inner_text() == "银杏一社区"
    assert named.is_visible()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_names_of_districts_outside_the_city_stay_on_the_map(asgi_server, busy_wall, browser, lang):
    from apps.regions.services import regions_import

    # given two districts whose areas lie outside the city's own box (a development zone east of it, past where
    # the colour bar sits, and one south of it, past the panel's lower edge)
    regions_import(
        features=[
            feature("GX", "高新技术产业开发区", "Gaoxin Hi-tech Zone", (118.041, 32.004, 118.09, 32.016), 50_000),
            feature("NG", "南港新区", "Nangang New Area", (118.01, 31.95, 118.03, 31.99), 30_000),
        ],
        level="district",
        parent="C",
    )

    # when the wall opens at 1080p and at 4K
    found = {}
    for width, height in ((1920, 1080), (3840, 2160)):
        probe, _switch = open_wall(browser, f"http://{asgi_server}", width=width, height=height, lang=lang, kiosk=False)
        found[width] = measure_when(probe, "live")
        if width == 1920:
            probe.screenshot(f"wall-{lang}-1080p-outside-districts")
        probe.page.context.close()

    # then every name shown is wholly on the map (inside its canvas, clear of the colour bar), at both sizes:
    # the city's own districts are named, the two whose points lie off the map are not
    for width, measured in found.items():
        assert measured["problems"] == [], (width, measured["problems"])
        # (in English in full: the names no longer share their last word, "District")
        assert set(measured["names"]) == ({"西区", "东区"} if lang == "zh" else {"West District", "East District"})


def test_a_tile_from_too_few_samples_says_so_instead_of_a_value(asgi_server, city, cast, browser, settings):
    from apps.indicators.services import Observation, indicator_observations_record

    # given satisfaction on the wall, the city's from one rating of 2/5 (the indicator wants at least 5)
    settings.CITYOPS_WALL_TILES = ["grievances.satisfaction", "environment.aqi"]
    indicator_observations_record(
        observations=[Observation("grievances.satisfaction", city["C"].id, timezone.now(), 2.0)]
    )
    observe_headlines(city)

    # when the wall opens
    probe = open_1080p(browser, asgi_server)
    tile = probe.page.locator('.tile[data-indicator="grievances.satisfaction"]')

    # then the tile says "too few" with the count, not a confident 2.0, and shows no severity
    too_few = tile.locator('[data-role="too-few"]').inner_text()
    assert too_few.startswith("样本不足 (")
    assert too_few.endswith("/5 个样本)")  # the count is the server's
    assert "2.0" not in tile.inner_text()
    assert tile.get_attribute("data-severity") == "normal"


def test_overdue_cases_are_counted_as_cases_in_their_regions_not_as_regions_above_warning(
    asgi_server, city, cast, browser
):
    # given three overdue grievances, two of them in the same street
    from apps.indicators.alerting import alert_raise
    from apps.indicators.models import Alert

    observe_headlines(city)
    for code, number in (("W1", 3), ("W1", 41), ("W2", 81)):
        in_thread(
            alert_raise,
            kind=Alert.Kind.GRIEVANCE_OVERDUE,
            severity="warning",
            title_zh=f"诉求超期：垃圾清运 #{number}",
            title_en=f"Grievance overdue: Garbage not collected #{number}",
            region=city[code],
            indicator="grievances.overdue",
            subject=f"grievance:{number}",
        )
    for lang, title, member in (
        ("zh", "2 个街道：超期诉求 3 条", "西一街道 ×2"),
        ("en", "Overdue: 3 in 2 streets", "West 1 Subdistrict ×2"),
    ):
        # when the wall shows them
        probe, _switch = open_wall(browser, f"http://{asgi_server}", width=1920, height=1080, lang=lang, kiosk=False)
        card = probe.page.locator("#alert-feed li.alert-group")
        # then one card counts the cases and the streets they are in, each street once, and no threshold
        assert card.locator(".alert-title").inner_text() == title
        assert member in card.locator("summary").inner_text()
        assert "预警值" not in card.inner_text()
        assert "warning" not in card.locator(".alert-title").inner_text()
        probe.page.context.close()
