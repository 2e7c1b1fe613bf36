from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class Receiver:
    """A real local HTTP receiver: answers with the statuses queued (200 when none are left), keeps what came."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": self.headers, "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture
def webhook(cast: dict[str, Any], receiver: Receiver) -> Any:
    """webhook(events=[…], personal_data=…, regions=[…]): a webhook to the local receiver, owned by the admin."""
    from apps.notifications.models import Webhook

    def make(events: list[str] | None = None, regions: list[Any] = (), **fields: Any) -> Webhook:  # type: ignore[assignment]
        fields.setdefault("name", "hotline")
        hook = Webhook.objects.create(
            owner=cast["admin"], url=receiver.url, events=events or ["alert.opened"], **fields
        )
        hook.regions.set(regions)
        return hook

    return make


@pytest.fixture(autouse=True)
def tasks_in_process() -> Iterator[None]:
    """These tests are about what the tasks do, not about the broker: the tasks run here, as when embedded, also
    under `make test-services` (a broker, no worker). tests/deadlines/test_worker_killed.py runs real workers."""
    from cityops.celery import app

    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was
