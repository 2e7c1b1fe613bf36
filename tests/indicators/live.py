"""Helpers for websocket tests through the real ASGI application (session cookie + allowed origin)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from cityops.asgi import application

# An allowed host of both the embedded and the service-backed test settings (see tests/core/test_consumers.py),
# and the page's origin on it: a socket is accepted only from the origin it was opened on (apps/core/origins.py).
HOST = b"localhost"
ORIGIN = b"http://localhost"
TIMEOUT = 5
QUIET = 0.3  # how long "nothing arrives" is watched for


def session_headers(user: Any) -> list[tuple[bytes, bytes]]:
    """Headers of a signed-in browser: one Client per user, so sessions do not replace each other."""
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [(b"origin", ORIGIN), (b"cookie", cookie.encode()), (b"host", HOST)]


async def flush_layer() -> None:
    await get_channel_layer().flush()  # no group membership left over from another test


async def open_socket(headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator


async def subscribe(communicator: WebsocketCommunicator, stream: str, params: Any = None) -> dict[str, Any]:
    await communicator.send_json_to({"type": "subscribe", "stream": stream, "params": params or {}})
    return await communicator.receive_json_from(timeout=TIMEOUT)


def in_thread(function: Any) -> Any:
    """Run sync code (services, the ORM) from a scenario coroutine."""
    return database_sync_to_async(function)
