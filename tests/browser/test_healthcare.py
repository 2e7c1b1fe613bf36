"""The healthcare page in a real browser: the facilities map, and a click anywhere on it answering
"where can a patient go now"."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client

from tests.healthcare.conftest import at, snap

pytestmark = pytest.mark.browser


def _snapshots_and_tick(facilities) -> None:
    """Post snapshots and run the tick off the main thread (Playwright's event loop runs there)."""

    def work() -> None:
        from django.db import connection

        from apps.dashboards.services import live_tick

        try:
            rows = [
                snap("T1", at(), beds_occupied=90, icu_occupied=5, er_waiting=12, er_wait_minutes=55,
                     fever_clinic_visits=20),
                snap("H2", at(), beds_occupied=30, icu_occupied=2, er_waiting=3, er_wait_minutes=15,
                     fever_clinic_visits=6),
            ]  # fmt: skip
            Client().post("/api/v1/healthcare/snapshots", data=json.dumps(rows), content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {facilities['token']}")  # fmt: skip
            live_tick()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result()


def test_a_click_on_the_map_finds_the_nearest_capacity(asgi_server, facilities, cast, open_page):
    _snapshots_and_tick(facilities)
    base = f"http://{asgi_server}"
    probe = open_page(width=1440, height=1000, locale="en-GB")
    probe.sign_in(base, "command")

    probe.page.goto(f"{base}/healthcare/")
    probe.page.wait_for_selector("#healthcare-map .maplibregl-canvas", timeout=15000)
    probe.page.select_option("#need", "icu")
    box = probe.page.locator("#healthcare-map").bounding_box()
    # the east half of the test city: H2 (East District) is nearer than T1
    probe.page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.45)
    probe.page.wait_for_selector("#nearest tbody tr[data-code]", timeout=10000)
    probe.screenshot("healthcare-desktop")

    codes = probe.page.locator("#nearest tbody tr[data-code]").evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert codes == ["H2", "T1"]
    assert "3 ICU beds free" in probe.page.locator("#nearest tbody tr").first.inner_text()
    assert probe.page.locator("#lon").input_value().startswith("118.0")
    assert probe.page.locator("#facilities tbody tr").count() == 5
    assert probe.console_errors == []
    assert probe.failed_requests == []
    assert probe.external_requests == []


def test_the_page_fits_a_phone(asgi_server, facilities, cast, open_page):
    _snapshots_and_tick(facilities)
    base = f"http://{asgi_server}"
    probe = open_page(width=390, height=844)
    probe.sign_in(base, "command")

    probe.page.goto(f"{base}/healthcare/")
    probe.page.wait_for_selector("#healthcare-map .maplibregl-canvas", timeout=15000)
    probe.screenshot("healthcare-phone")

    # wide tables scroll inside their panels; the page itself does not scroll sideways
    assert probe.page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert probe.console_errors == []
