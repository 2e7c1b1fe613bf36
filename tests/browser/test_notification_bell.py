"""The header's bell in a real browser: the unread count from the page, then live as notifications come."""

from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.browser


def _tell(user_id: int, title: str) -> None:
    """notify off the main thread (Playwright's event loop runs there), as a task of the deadline engine would."""

    def run() -> None:
        from django.contrib.auth import get_user_model
        from django.db import connection

        from apps.notifications.services import notify

        try:
            notify(users=[get_user_model().objects.get(pk=user_id)], event="deadline.step", title_zh=title,
                   title_en=title, group_key="")  # fmt: skip
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()


def test_the_bell_counts_new_notifications_live(asgi_server, cast, open_page):
    # given a command-center user with one unread notification, on their notification centre
    base = f"http://{asgi_server}"
    user = cast["command"]
    _tell(user.pk, "first")
    probe = open_page(width=1366, height=768)
    probe.sign_in(base, "command")
    probe.page.goto(f"{base}/notifications/")
    probe.wait_for("document.querySelector('a.bell').dataset.live === '1'", timeout=15000)
    before = probe.page.locator("[data-bell-count]").inner_text()

    # when two more come, and then all are marked read on another tab's request
    _tell(user.pk, "second")
    _tell(user.pk, "third")
    probe.wait_for("document.querySelector('[data-bell-count]').textContent === '3'", timeout=5000)
    probe.page.click("text=全部标为已读")
    probe.wait_for("document.querySelector('[data-bell-count]').hidden === true", timeout=5000)

    # then the count went 1 → 3 → none, with no errors
    assert before == "1"
    assert probe.console_errors == []
    assert probe.external_requests == []
