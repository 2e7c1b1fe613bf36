"""The citizen portal on a phone: choose, describe, tap the map, send — and get a tracking code."""

import pytest

pytestmark = pytest.mark.browser


def test_a_citizen_reports_from_a_phone(asgi_server, categories, open_page):
    from apps.grievances.models import Grievance

    base = f"http://{asgi_server}"
    probe = open_page(width=390, height=844, locale="en-GB")

    probe.page.goto(f"{base}/grievances/")
    probe.page.select_option("#id_category", "pothole")
    probe.page.select_option("select[name='attribute[size]']:not([disabled])", "large")
    probe.page.fill("#id_description", "A deep pothole at the crossing")
    probe.wait_for("!!document.getElementById('pick').basemap?.map?.loaded()")
    probe.page.locator("#pick .maplibregl-canvas").scroll_into_view_if_needed()
    where = probe.page.evaluate(
        """() => { const map = document.getElementById('pick').basemap.map;
                   const p = map.project([118.005, 32.01]), r = map.getCanvas().getBoundingClientRect();
                   return { x: r.left + p.x, y: r.top + p.y }; }"""
    )
    probe.page.mouse.click(where["x"], where["y"])  # in street W1
    probe.wait_for("document.querySelector('#pick .basemap-status').textContent.startsWith('Location: ')")
    pinned = probe.page.locator("#pick .basemap-status").inner_text()
    probe.screenshot("portal-phone")
    with probe.page.expect_navigation():
        probe.page.click("#report-form button[type=submit]")
    probe.screenshot("portal-phone-tracking")

    assert pinned == "Location: West District · West 1 Subdistrict"
    grievance = Grievance.objects.get()
    assert grievance.region.code == "W1"
    assert grievance.attributes == {"size": "large"}
    assert grievance.tracking_code in probe.page.locator(".notice").inner_text()
    assert probe.page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert probe.console_errors == []
    assert probe.external_requests == []
