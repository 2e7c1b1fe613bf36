"""Open websockets by user, per ASGI process: closed when their account is disabled or their session ends, or
when what they may see changes (apps/accounts/access.py).

Two paths, both working with the in-memory layer (embedded) and with Redis across several processes:

- at once: `user_sockets_close` publishes on the "accounts.sockets" stream (no client may subscribe to it);
  each process's registry is that group's one member on its LocalHub and closes its sockets of those users;
- within SWEEP_SECONDS: each process's registry re-checks its sockets' sessions and users in two queries and
  closes those whose session expired or was deleted or whose account was disabled by any path (a plain
  `user.save()`, a deleted user). The same sweep keeps the sessions of command-wall sockets alive: the wall
  is an unattended kiosk that talks only over its socket, so an open wall is activity.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import weakref
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, Protocol

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from cityops.realtime import Stream, group_name, local_hub, stream_publish

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 30
CLOSE_SESSION_ENDED = 4401  # the code of an unauthenticated socket: the client treats both as signed out
CLOSE_ACCESS_CHANGED = 4403  # the user's regions, roles or permissions changed: reconnect, subscribe again

SOCKETS_STREAM = Stream(
    name="accounts.sockets",
    group=lambda params: "all",
    can_subscribe=lambda user, params: False,  # server-side only: processes' registries listen to it
    snapshot=lambda user, params: {},
)


class Socket(Protocol):
    async def close(self, code: int | None = None, reason: str | None = None) -> None: ...

    def keeps_session_alive(self) -> bool: ...


def user_sockets_close(*, user_ids: Iterable[int], code: int = CLOSE_SESSION_ENDED) -> None:
    """Close every open websocket of these users in every process, after the current transaction commits."""
    stream_publish(stream=SOCKETS_STREAM.name, params={}, payload={"close_users": sorted(user_ids), "code": code})


def session_sockets_close(*, session_key: str) -> None:
    """Close the open websockets of one session (it signed out) in every process. The key travels as a digest:
    a session key is a credential."""
    stream_publish(stream=SOCKETS_STREAM.name, params={}, payload={"close_sessions": [_digest(session_key)]})


def _digest(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


class SocketRegistry:
    """This process's sockets with their user and session; a member of the "accounts.sockets" group."""

    def __init__(self) -> None:
        self.sockets: dict[Socket, tuple[int, str]] = {}
        self._sweeper: asyncio.Task[None] | None = None

    async def add(self, socket: Socket, *, user_id: int, session_key: str) -> None:
        if not self.sockets and self._sweeper is None:
            await local_hub().join(group_name(SOCKETS_STREAM, {}), self)
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())
        self.sockets[socket] = (user_id, session_key)

    async def remove(self, socket: Socket) -> None:
        self.sockets.pop(socket, None)

    async def deliver(self, message: dict[str, Any], text: str) -> None:
        """The hub's call for an "accounts.sockets" message."""
        data = message["data"]
        await self.close_users(set(data.get("close_users", ())), code=data.get("code", CLOSE_SESSION_ENDED))
        sessions = set(message["data"].get("close_sessions", ()))
        if sessions:
            await self._close(s for s, (_user, key) in list(self.sockets.items()) if _digest(key) in sessions)

    async def close_users(self, user_ids: set[int], *, code: int = CLOSE_SESSION_ENDED) -> None:
        entries = list(self.sockets.items())
        await self._close((socket for socket, (user_id, _key) in entries if user_id in user_ids), code=code)

    async def sweep(self) -> None:
        """Close sockets of ended sessions and disabled users; keep the wall's sessions alive."""
        if not self.sockets:
            return
        entries = list(self.sockets.items())
        keepalive = {key for socket, (_user, key) in entries if socket.keeps_session_alive()}
        valid = await database_sync_to_async(_valid_sessions)(
            keys={key for _socket, (_user, key) in entries},
            user_ids={user for _s, (user, _k) in entries},
            keep=keepalive,
        )
        await self._close(socket for socket, (user_id, key) in entries if (user_id, key) not in valid)

    async def _close(self, sockets: Iterable[Socket], *, code: int = CLOSE_SESSION_ENDED) -> None:
        for socket in list(sockets):
            self.sockets.pop(socket, None)
            with contextlib.suppress(Exception):  # a socket closing on its own at the same moment
                await socket.close(code=code)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sweep()
            except Exception:  # a database hiccup must not end the sweeps of the process
                logger.exception("socket registry: sweep failed")


def _valid_sessions(*, keys: set[str], user_ids: set[int], keep: set[str]) -> set[tuple[int, str]]:
    """(user id, session key) of sessions that are live and belong to an active user; extends those in `keep`."""
    from django.contrib.auth import SESSION_KEY, get_user_model
    from django.contrib.sessions.models import Session

    now = timezone.now()
    if keep:
        idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
        Session.objects.filter(session_key__in=keep, expire_date__gt=now).update(expire_date=now + idle)
    active = set(get_user_model().objects.filter(id__in=user_ids, is_active=True).values_list("id", flat=True))
    valid = set()
    for session in Session.objects.filter(session_key__in=keys, expire_date__gt=now):
        user_id = session.get_decoded().get(SESSION_KEY)
        if user_id is not None and int(user_id) in active:
            valid.add((int(user_id), session.session_key))
    return valid


_registries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SocketRegistry] = weakref.WeakKeyDictionary()


def socket_registry() -> SocketRegistry:
    """The registry of the running event loop (one per ASGI process)."""
    loop = asyncio.get_running_loop()
    registry = _registries.get(loop)
    if registry is None:
        registry = _registries[loop] = SocketRegistry()
    return registry
