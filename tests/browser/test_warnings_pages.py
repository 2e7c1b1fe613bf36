"""Public warnings in a real browser: the citizen's page of a warning (phone, zh) with its area on the map, and
the approver's review page readable at 1440×900 and on a 390×844 phone (nothing wider than the screen, the whole
draft visible in its boxes, the page's own font)."""

from __future__ import annotations

import pytest

from apps.warnings.models import PublicWarning
from apps.warnings.services import warning_approve, warnings_follow_all
from tests.warnings.conftest import aqi_minutes
from tests.warnings.test_cap import texts_of

pytestmark = pytest.mark.browser

FITS = """() => {
  const width = document.documentElement.clientWidth;
  const fields = [...document.querySelectorAll('#approve-form input:not([type=hidden]), #approve-form textarea')];
  return {
    width,
    scroll: document.documentElement.scrollWidth,
    wide: fields.filter(f => f.getBoundingClientRect().right > width + 1).map(f => f.name),
    cut: fields.filter(f => f.tagName === 'TEXTAREA' && f.scrollHeight > f.clientHeight + 2).map(f => f.name),
    mono: fields.filter(f => /mono/i.test(getComputedStyle(f).fontFamily)).map(f => f.name),
    small: fields.filter(f => parseFloat(getComputedStyle(f).fontSize) < 14).map(f => f.name),
  };
}"""


@pytest.fixture
def waiting(city, cast, settings):
    settings.CITYOPS_SIMULATE = True  # the demo city's data: messages go out as exercises
    aqi_minutes(city["W"], [130.0] * 35)
    warnings_follow_all()
    return PublicWarning.objects.get(region=city["W"])


@pytest.mark.parametrize(("width", "height", "locale", "name"), [
    (1440, 900, "en-GB", "warnings-review-en-desktop"), (390, 844, "zh-CN", "warnings-review-zh-phone"),
])  # fmt: skip
def test_the_review_page_fits_the_screen_and_shows_the_whole_draft(
    asgi_server, waiting, open_page, width, height, locale, name
):
    base = f"http://{asgi_server}"
    probe = open_page(width=width, height=height, locale=locale)
    probe.sign_in(base, "command")
    probe.page.goto(f"{base}/cap/review/{waiting.pk}/")
    probe.page.wait_for_selector("#warning-summary")
    probe.screenshot(name)

    found = probe.page.evaluate(FITS)

    assert found["wide"] == []
    assert found["cut"] == []
    assert found["mono"] == []
    assert found["small"] == []
    assert found["scroll"] <= found["width"]
    assert probe.console_errors == []


@pytest.mark.parametrize(("width", "height", "locale", "name"), [
    (390, 844, "zh-CN", "warnings-public-zh-phone"), (1440, 900, "en-GB", "warnings-public-en-desktop"),
])  # fmt: skip
def test_the_citizens_page_shows_the_warning_and_its_area_on_the_map(
    asgi_server, waiting, cast, open_page, width, height, locale, name
):
    message = warning_approve(warning=waiting, user=cast["command"], texts=texts_of(waiting))
    base = f"http://{asgi_server}"
    probe = open_page(width=width, height=height, locale=locale)
    probe.page.goto(f"{base}/cap/warnings/{message.identifier}/")
    probe.page.wait_for_selector("#warning-map .maplibregl-canvas", timeout=15000)
    probe.wait_for("(() => { const m = document.getElementById('warning-map').basemap?.map;"
                   " return !!(m && m.getLayer('warning-area-line')); })()")  # fmt: skip
    probe.page.wait_for_timeout(500)
    probe.screenshot(name)

    headline = probe.page.locator("#warning-headline").inner_text()
    assert headline == (waiting.headline_zh if locale == "zh-CN" else waiting.headline_en)
    assert probe.page.locator("#exercise-note").is_visible()
    assert probe.page.evaluate("document.documentElement.scrollWidth") <= width
    assert probe.console_errors == []
    assert probe.external_requests == []

    probe.page.goto(f"{base}/environment/aqi/")
    probe.page.locator("#warnings-in-force-banner").scroll_into_view_if_needed()
    probe.screenshot(name.replace("warnings-public", "warnings-aqi-banner"))
    probe.page.click(f"#warnings-in-force-banner a[href='/cap/warnings/{message.identifier}/']")
    probe.page.wait_for_selector("#warning-headline")
