"""Playwright driving Debian's Chromium (Playwright's own browser download does not work offline)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHROMIUM, PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on the main thread; the tests' own ORM calls (fixtures)
    # are still plain synchronous code, so Django's async-safety guard is lifted for these tests only.
    # Module scope: the loop ends with the module, so later async tests can use async_to_sync again.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield instance
            instance.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


class PageProbe:
    """A page with its console errors and failed requests collected."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console_errors: list[str] = []
        self.failed_requests: list[str] = []
        self.external_requests: list[str] = []
        page.on(
            "console", lambda message: self.console_errors.append(message.text) if message.type == "error" else None
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on(
            "requestfailed",
            # ERR_ABORTED is the browser cancelling a request itself (e.g. the favicon when the page navigates).
            lambda request: (
                self.failed_requests.append(request.url) if "ERR_ABORTED" not in (request.failure or "") else None
            ),
        )
        page.on(
            "request",
            lambda request: (
                self.external_requests.append(request.url)
                if not request.url.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))
                else None
            ),
        )

    def sign_in(self, base: str, username: str) -> None:
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("main button[type=submit]")

    def wait_for(self, expression: str, timeout: float = 30_000) -> None:
        """Like page.wait_for_function, which polls its predicate with eval(): the pages' CSP forbids that.

        page.evaluate runs through the DevTools protocol, outside the page's CSP.
        """
        deadline = time.monotonic() + timeout / 1000
        while not self.page.evaluate(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout} ms: {expression}")
            self.page.wait_for_timeout(50)

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def new_context(browser: Any, **options: Any) -> Any:
    """A browser context whose clock reads the suite's (tests/clock.py), as the server's does.

    Chromium keeps its own clock: without this, pages would compare the server's times with the wall clock's
    (stale tiles, visits "from the future"). Playwright's clock keeps running and fires timers as usual.
    """
    from django.utils import timezone

    context = browser.new_context(**options)
    context.clock.install(time=timezone.now())
    return context


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    contexts = []

    def make(*, width: int, height: int, locale: str = "zh-CN", timezone_id: str | None = None) -> PageProbe:
        options = {"timezone_id": timezone_id} if timezone_id else {}
        context = new_context(browser, viewport={"width": width, "height": height}, locale=locale, **options)
        contexts.append(context)
        return PageProbe(context.new_page())

    yield make
    for context in contexts:
        context.close()
