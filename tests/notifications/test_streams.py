from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client

from apps.notifications.services import notify
from tests.core.test_consumers import TIMEOUT, open_socket, session_headers, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


def _tell(user: Any, title: str) -> None:
    notify(users=[user], event="deadline.step", title_zh=title, title_en=title, link="/wall/")


def test_a_user_cannot_subscribe_to_another_users_bell(cast):
    own, other = cast["command"], cast["officer"]
    _tell(other, "for the officer only")
    headers = session_headers(Client(), own)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], bool]:
        communicator = await open_socket(headers)
        try:
            refused = await subscribe(communicator, "notifications", {"user": other.pk})
            bad = await subscribe(communicator, "notifications", {"user": "someone"})
            nothing = await communicator.receive_nothing(timeout=0.3)
            return refused, bad, nothing
        finally:
            await communicator.disconnect()

    refused, bad, nothing = async_to_sync(scenario)()

    assert (refused["type"], refused["stream"]) == ("error", "notifications")
    assert "for the officer only" not in str(refused)
    assert bad["type"] == "error"
    assert nothing


def test_the_own_bell_has_a_snapshot_and_a_live_delta(cast):
    user = cast["command"]
    _tell(user, "first")
    headers = session_headers(Client(), user)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        communicator = await open_socket(headers)
        try:
            snapshot = await subscribe(communicator, "notifications", {"user": user.pk})
            await database_sync_to_async(_tell)(user, "second")
            delta = await communicator.receive_json_from(timeout=TIMEOUT)
            return snapshot, delta
        finally:
            await communicator.disconnect()

    snapshot, delta = async_to_sync(scenario)()

    assert snapshot["type"] == "snapshot"
    assert snapshot["data"]["unread"] == 1
    assert [n["title_en"] for n in snapshot["data"]["latest"]] == ["first"]
    assert delta["type"] == "delta"
    assert (delta["data"]["unread"], delta["data"]["notification"]["title_en"]) == (2, "second")
