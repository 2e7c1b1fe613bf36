"""The environment pages in a real browser: the public AQI page on a phone, the staff page's map."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client

pytestmark = pytest.mark.browser


def _readings_and_tick(stations) -> None:
    """Post a reading and run the tick off the main thread (Playwright's event loop runs there)."""

    def work() -> None:
        from django.db import connection
        from django.utils import timezone

        from apps.dashboards.services import live_tick

        try:
            at = timezone.now().replace(minute=0, second=0, microsecond=0)
            row = {"station": "A1", "observed_at": at.isoformat(), "pm25": 80, "pm10": 120}
            Client().post("/api/v1/environment/readings", data=json.dumps([row]), content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {stations['token']}")  # fmt: skip
            live_tick()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result()


def test_the_public_aqi_page_on_a_phone_without_signing_in(asgi_server, stations, open_page):
    _readings_and_tick(stations)
    probe = open_page(width=390, height=844)

    probe.page.goto(f"http://{asgi_server}/environment/aqi/")
    probe.screenshot("public-aqi-phone")

    assert probe.page.locator(".aqi-number .num").inner_text() == "119"
    assert "轻度污染" in probe.page.locator(".aqi-hero").inner_text()
    assert probe.page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert probe.console_errors == []
    assert probe.external_requests == []


def test_the_staff_page_draws_the_aqi_map(asgi_server, stations, cast, open_page):
    _readings_and_tick(stations)
    base = f"http://{asgi_server}"
    probe = open_page(width=1440, height=1000)
    probe.sign_in(base, "command")

    probe.page.goto(f"{base}/environment/")
    probe.page.wait_for_selector("#environment-map .maplibregl-canvas", timeout=15000)
    probe.screenshot("environment-desktop")

    assert probe.page.locator("#stations tbody tr").count() == 3
    assert probe.console_errors == []
    assert probe.failed_requests == []
    assert probe.external_requests == []
