"""The open-data pages on a phone: each dataset's page fits the screen; its wide tables scroll inside their box."""

import pytest

from apps.opendata.datasets import datasets

pytestmark = pytest.mark.browser


def test_every_dataset_page_fits_a_phone(asgi_server, city, open_page):
    probe = open_page(width=390, height=844)
    base = f"http://{asgi_server}"
    for dataset in datasets():
        # when a citizen opens the dataset's page on a phone
        probe.page.goto(f"{base}/open-data/{dataset.code}/")
        probe.screenshot(f"open-data-{dataset.code}-phone")
        # then the page itself never scrolls sideways: only a table does, inside its own box
        assert probe.page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), (
            dataset.code
        )
        for box in probe.page.locator(".table-scroll").all():
            assert box.evaluate("(e) => e.getBoundingClientRect().right <= window.innerWidth + 1"), dataset.code
    assert probe.console_errors == []
