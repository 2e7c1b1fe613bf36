"""The command wall in a real browser at 1080p and 4K: drawn, no scrollbars, live without a reload."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.dashboards.services import live_tick

pytestmark = pytest.mark.browser


def tick() -> None:
    """The publish tick, off the main thread: Playwright's event loop runs there."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_tick_and_close).result()


def _tick_and_close() -> None:
    from django.db import connection

    try:
        live_tick()
    finally:
        connection.close()


def _history(observe) -> None:
    """Ten minutes of the synthetic load: West breaching (an alert), East normal."""
    now = timezone.now()
    for minutes_ago in range(10, 0, -1):
        at = now - timedelta(minutes=minutes_ago)
        observe("W1", 80 + minutes_ago % 3, at)
        observe("W2", 75, at)
        observe("E", 40 + minutes_ago, at)
    tick()


def _fits_without_scrolling(page) -> bool:
    return page.evaluate(
        "(() => { const e = document.documentElement;"
        " return e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight; })()"
    )


@pytest.mark.parametrize(("width", "height", "name"), [(1920, 1080, "1080p"), (3840, 2160, "4k")])
def test_wall_draws_map_tiles_and_alerts_and_takes_live_values(
    asgi_server, cast, observe, open_page, width, height, name
):
    # given ten minutes of data and a command-center user
    _history(observe)
    base = f"http://{asgi_server}"
    probe = open_page(width=width, height=height)
    probe.sign_in(base, "command")

    # when the wall opens
    probe.page.goto(f"{base}/wall/")
    tile = probe.page.locator('.tile[data-indicator="test.load"] .num')
    tile.wait_for(timeout=15000)
    probe.page.wait_for_selector("#wall-map .maplibregl-canvas", timeout=15000)
    probe.page.wait_for_selector("#alert-feed li.alert", timeout=15000)
    before = tile.inner_text()

    # and a new value is pushed by the server
    observe("W1", 99.0)
    observe("W2", 99.0)
    observe("E", 99.0)
    tick()
    probe.page.wait_for_function(
        "document.querySelector('.tile[data-indicator=\"test.load\"] .num').textContent.trim() === '99.0'",
        timeout=5000,
    )
    probe.screenshot(f"wall-{name}")

    # then: map, tiles and alerts drawn, no scrollbar, no error, nothing from outside, the live value shown
    assert before != "99.0"
    assert probe.page.locator('[data-role="connection"]').get_attribute("data-state") == "live"
    assert "西区" in probe.page.locator("#alert-feed").inner_text()
    assert _fits_without_scrolling(probe.page)
    assert probe.console_errors == []
    assert probe.failed_requests == []
    assert probe.external_requests == []
