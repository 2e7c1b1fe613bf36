from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Receiver


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
