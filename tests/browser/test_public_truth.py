"""A citizen on a phone contests a published figure on /public/, an officer goes to the place with the field
app and finds the figure wrong, and the citizen's contest page and the panel then say so."""

import pytest

from tests.browser.conftest import PageProbe, new_context
from tests.browser.test_field_app import SAVED, phone_photo, to_step

pytestmark = pytest.mark.browser


def test_a_citizen_contests_a_figure_an_officer_checks_on_site_and_the_verdict_is_public(
    asgi_server, city, cast, browser, settings, tmp_path
):
    from django.utils import timezone

    from apps.fieldwork.models import Assignment

    settings.CITYOPS_CONTEST_THRESHOLD = 1  # one voice is enough to send someone, for the test
    base = f"http://{asgi_server}"
    citizen = new_context(browser, viewport={"width": 390, "height": 844}, locale="en-GB")
    officer = None
    probe = PageProbe(citizen.new_page())
    page = probe.page
    try:
        # given: the panel of West District on a phone, no sign-in
        page.goto(f"{base}/public/?region=W")
        figure = page.locator("#figure-environment\\.aqi")
        figure.locator("summary").click()
        probe.screenshot("public-1-panel")

        # when: the citizen says the figure does not match what they see
        figure.locator("textarea[name=text]").fill("The panel says the air is good here, but there is smoke.")
        with page.expect_navigation():
            figure.locator("button[type=submit]").click()
        code = page.locator("[data-role=code]").inner_text()
        waiting = page.locator("[data-role=state]").inner_text()
        probe.screenshot("public-2-contest-sent")
        assignment = Assignment.objects.get(alert__kind="contest")

        # and: an officer of the district goes there with the field app and finds the figure wrong
        officer = new_context(browser, viewport={"width": 390, "height": 844}, locale="zh-CN",
                              geolocation={"longitude": assignment.lon, "latitude": assignment.lat, "accuracy": 12},
                              permissions=["geolocation"])  # fmt: skip
        field = PageProbe(officer.new_page())
        field.sign_in(base, "officer")
        field.page.goto(f"{base}/field/")
        field.page.wait_for_selector(f".cards .card[data-id='{assignment.pk}']")
        field.page.click(f".cards .card[data-id='{assignment.pk}']")
        to_step(field.page, "checkin")
        field.page.click("[data-action=checkin]")
        field.wait_for("document.querySelector('[data-role=position]').textContent.includes('12')")
        field.page.clock.fast_forward("06:00")  # six minutes on the spot (a shorter stay goes to a supervisor)
        to_step(field.page, "finding")
        field.page.check("input[name=verdict][value=contradicted]")
        field.page.fill("#comment", "浓烟，附近在焚烧垃圾")
        to_step(field.page, "photos")
        taken = timezone.localtime(timezone.now()).strftime("%Y:%m:%d %H:%M:%S")
        shot = tmp_path / "IMG_1.jpg"
        shot.write_bytes(phone_photo(21, taken=taken, lon=assignment.lon, lat=assignment.lat))
        field.page.set_input_files("#photo", [str(shot)])
        field.wait_for("document.querySelectorAll('[data-role=photo-list] li img[src]').length === 1")
        to_step(field.page, "review")
        field.page.click("[data-action=save]")
        field.wait_for(SAVED)
        field.wait_for("document.querySelector('[data-role=saved]').dataset.state === 'uploaded'", timeout=60_000)

        # then: the contest page and the panel say what was found on site
        page.goto(f"{base}/public/contests/{code}/")
        verdict = page.locator("[data-role=state]").inner_text()
        probe.screenshot("public-3-contest-checked")
        page.goto(f"{base}/public/?region=W")
        checked = page.locator("#figure-environment\\.aqi [data-role=checked]").inner_text()
        city_page = page.goto(f"{base}/public/")
        city_checked = page.locator("#figure-environment\\.aqi [data-role=checked]").inner_text()
        probe.screenshot("public-4-panel-after")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    finally:
        citizen.close()
        if officer is not None:
            officer.close()

    assert code.startswith("C")
    assert "An officer has been sent" in waiting
    today = timezone.localtime(timezone.now()).strftime("%m-%d")
    assert f"Checked on site on {today}: the figure was wrong here" in verdict
    assert "you were right" in verdict
    assert f"checked on site on {today} in West District: the figure was wrong here" in checked
    assert "the figure was wrong here" in city_checked
    assert city_page.status == 200
    assert overflow <= 0
    assert probe.console_errors == []
