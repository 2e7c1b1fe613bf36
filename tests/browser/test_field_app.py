"""The field app on a phone with no signal: a visit recorded offline waits on the phone, goes up when the
signal returns, and is stored exactly once."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser.conftest import PageProbe, new_context

pytestmark = pytest.mark.browser


def _alert_sent_for_verification(city, cast):
    """An alert in W1 sent for verification, off the main thread (Playwright's event loop runs there)."""

    def work():
        from django.db import connection

        from apps.indicators.alerting import alert_raise, alert_transition
        from apps.indicators.models import Alert

        try:
            alert, _created = alert_raise(
                kind=Alert.Kind.THRESHOLD, severity="warning", title_zh="西一街道：噪声超标",
                title_en="West 1: noise over the limit", region=city["W1"], indicator="environment.noise_over_limit",
                value=3.0, threshold=0.1,
            )  # fmt: skip
            alert_transition(alert=alert, action="request_verification", user=cast["command"])
            return alert.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def test_a_visit_recorded_offline_reaches_the_server_once(asgi_server, city, cast, browser):
    from apps.fieldwork.models import Assignment, Visit
    from apps.indicators.models import Alert

    alert_pk = _alert_sent_for_verification(city, cast)
    assignment = Assignment.objects.get(alert_id=alert_pk)
    base = f"http://{asgi_server}"
    context = new_context(browser, viewport={"width": 390, "height": 844}, locale="en-GB",
                          geolocation={"longitude": assignment.lon, "latitude": assignment.lat, "accuracy": 12},
                          permissions=["geolocation"])  # fmt: skip
    probe = PageProbe(context.new_page())
    try:
        probe.sign_in(base, "officer")
        probe.page.goto(f"{base}/field/")
        probe.page.wait_for_selector(f".cards .card[data-id='{assignment.pk}']", timeout=15000)
        probe.page.evaluate("navigator.serviceWorker.ready")  # the app is kept for offline use

        # no signal from here on
        context.set_offline(True)
        probe.page.click(f".cards .card[data-id='{assignment.pk}']")
        probe.page.click("[data-action=checkin]")
        probe.wait_for("document.querySelector('[data-role=position]').textContent.includes('12')")
        probe.page.check("input[name=verdict][value=contradicted]")
        probe.page.fill("#observed", "48")
        probe.page.fill("input[name=residents]", "3")
        probe.page.fill("#notes", "Quiet street, three residents say the noise stopped last week.")
        probe.page.click("#visit-form button[type=submit]")
        probe.wait_for("document.querySelector('[data-role=sync]').dataset.waiting === '1'")
        waiting = probe.page.locator("[data-role=sync]").inner_text()
        probe.screenshot("field-app-offline")
        assert Visit.objects.count() == 0

        # the signal returns
        context.set_offline(False)
        probe.page.evaluate("window.dispatchEvent(new Event('online'))")
        probe.wait_for("document.querySelector('[data-role=sync]').dataset.waiting === '0'", timeout=15000)
        probe.screenshot("field-app-synced")
    finally:
        context.close()

    visit = Visit.objects.get()
    alert = Alert.objects.get(pk=alert_pk)
    assert "1 visits waiting to upload" in waiting
    assert visit.officer == cast["officer"]
    assert visit.people == [{"kind": "residents", "count": 3}]
    assert set(visit.flags.values_list("code", flat=True)) == {"short_stay"}  # a test visit lasts seconds
    assert visit.status == "review"
    assert visit.findings.get().verdict == "contradicted"
    assert alert.status == "verification_requested"  # until a supervisor accepts the visit
    # requests that fail while offline are logged by the browser; nothing else may be
    assert [e for e in probe.console_errors if "net::ERR_" not in e] == []
