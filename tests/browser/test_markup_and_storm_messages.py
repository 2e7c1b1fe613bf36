"""Reviewer's browser checks: server strings that look like markup stay text on the wall and the region page,
and the region page survives the storm messages the alerts stream now carries."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_wall_layout import in_thread, open_1080p, raise_alert

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.__xss=1">'


def rename() -> None:
    from apps.regions.models import Region

    Region.objects.filter(code="W1").update(name_zh=f"西一{HOSTILE}", name_en=f"W1 {HOSTILE}")
    Region.objects.filter(code="W2").update(name_zh=f"西二{HOSTILE}", name_en=f"W2 {HOSTILE}")


def hostile_world(city: dict[str, Any]) -> None:
    in_thread(rename)
    for code in ("W1", "W2"):
        raise_alert(city[code], "grievances.satisfaction", "warning", f"标题{HOSTILE}",
                    f"title {HOSTILE}", 3.3, 3.5)  # fmt: skip
    raise_alert(city["E"], "healthcare.bed_occupancy", "critical",
                f'<a href="javascript:window.__xss=2">东</a>{HOSTILE}', "x", 99, 95)  # fmt: skip


def test_markup_in_region_names_and_alert_titles_is_text_on_the_wall(asgi_server, city, cast, browser):
    hostile_world(city)
    probe = open_1080p(browser, asgi_server)
    probe.page.wait_for_selector("#alert-feed > li", timeout=15000)
    probe.page.wait_for_timeout(1500)
    page = probe.page
    # hover every alert marker and open the grouped card
    for summary in page.locator('[data-role="members"] summary').all():
        summary.click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert page.locator("#alert-feed img, [data-role='map-labels'] img, .wall img[src='x']").count() == 0
    assert HOSTILE in page.locator("#alert-feed").inner_text()
    assert probe.console_errors == []


def test_markup_in_titles_is_text_on_a_region_page(asgi_server, city, cast, open_page):
    hostile_world(city)
    probe = open_page(width=1366, height=768)
    probe.sign_in(f"http://{asgi_server}", "command")
    probe.page.goto(f"http://{asgi_server}/regions/W/")
    probe.page.wait_for_selector("#region-alerts li", timeout=15000)
    probe.page.wait_for_timeout(500)
    assert probe.page.evaluate("window.__xss") is None
    assert probe.page.locator("#region-alerts img").count() == 0
    assert probe.console_errors == []


def test_a_region_page_takes_a_storm_message_and_keeps_showing_alerts(asgi_server, city, cast, open_page):
    from cityops.realtime import stream_publish

    # given West's page open
    probe = open_page(width=1366, height=768)
    probe.sign_in(f"http://{asgi_server}", "command")
    probe.page.goto(f"http://{asgi_server}/regions/W/")
    probe.page.wait_for_selector('[data-role="no-alerts"]', state="visible", timeout=15000)

    # when a storm starts (a message of the alerts stream without an alert), then an alert opens in West
    storm = {"active": True, "since": "2026-12-07T00:00:00+00:00", "new_alerts": 12, "window_s": 300}
    in_thread(stream_publish, stream="alerts", params={}, payload={"storm": storm})
    probe.page.wait_for_timeout(500)
    in_thread(raise_alert, city["W1"], "grievances.satisfaction", "warning", "满意度低于预警值", "below", 3.3, 3.5)

    # then the page shows the alert and no script failed
    probe.page.wait_for_selector("#region-alerts li", timeout=10000)
    assert probe.console_errors == []
