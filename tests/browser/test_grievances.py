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
    probe.page.locator("#pick svg").scroll_into_view_if_needed()
    box = probe.page.locator("#pick svg").bounding_box()
    probe.page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5)  # in street W1
    pinned = probe.page.locator("[data-role=pick-status]").inner_text()
    probe.screenshot("portal-phone")
    with probe.page.expect_navigation():
        probe.page.click("#report-form button[type=submit]")
    probe.screenshot("portal-phone-tracking")

    assert "Pinned at 118.00" in pinned
    grievance = Grievance.objects.get()
    assert grievance.region.code == "W1"
    assert grievance.attributes == {"size": "large"}
    assert grievance.tracking_code in probe.page.locator(".notice").inner_text()
    assert probe.page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert probe.console_errors == []
    assert probe.external_requests == []
