"""The region admin's population input shows the whole number (the admin sizes integer inputs for 5 digits)."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_city_of_millions_reads_whole_in_the_population_input(asgi_server, cast, city, open_page, locale):
    # given a city of 3,600,000 people
    city["C"].population = 3_600_000
    city["C"].save()
    base = f"http://{asgi_server}"
    probe = open_page(width=1440, height=900, locale=locale)
    probe.sign_in(base, "admin")

    # when its admin page opens
    probe.page.goto(f"{base}/admin/regions/region/{city['C'].pk}/change/")
    field = probe.page.locator("input#id_population")

    # then the input holds the number and is wide enough to show every digit of it
    assert field.input_value() == "3600000"
    assert field.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert field.evaluate("e => e.clientWidth") >= 80
