"""The live-stream registry, the publisher and the per-process fan-out hub.

Each app declares its streams in `apps/<app>/streams.py` (imported from its AppConfig.ready) by calling
`register_stream`. The one websocket consumer (`apps.core.consumers.LiveConsumer`) looks streams up here
to check permission, build the snapshot and subscribe. Publishers call `stream_publish`, which sends after
the surrounding transaction commits, with a per-group sequence number so clients can detect gaps.

Fan-out stays linear in the number of screens: the channel layer's groups hold one member per ASGI
process (its `LocalHub`), not one per socket; the hub serialises each message once and hands the text to
its own sockets. (The in-memory layer's group_send grows quadratically with group size, and channels-redis
groups lose messages near 1,000 members; with a hub per process both stay small.)
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import re
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.apps import apps
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)

Params = Mapping[str, Any]
Payload = dict[str, Any]

# The channel-layer message type for every stream message: one handler, the hub's.
STREAM_MESSAGE_TYPE = "stream.message"
_GROUP_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
# channels-redis forgets group members after `group_expiry` (300 s in our settings, so a dead process's
# hub stops receiving within minutes); a live hub re-joins its groups well before that.
HUB_REJOIN_SECONDS = 60


@dataclass(frozen=True)
class Stream:
    """A named live stream.

    group: builds the channel-layer group name from validated params.
    clean_params: validates the client's params, raising ValueError with a message for the client.
    can_subscribe: permission and scope check for a user (runs in a worker thread, may query).
    snapshot: the full current state for a new subscriber (may query). Never personal data.
    viewer: what the per-socket filter needs to know of the user (e.g. their region scope), computed once
        at subscribe time; visible(viewer, payload) then decides per message whether this socket gets it.
    """

    name: str
    group: Callable[[Params], str]
    can_subscribe: Callable[[Any, Params], bool]
    snapshot: Callable[[Any, Params], Payload]
    clean_params: Callable[[Params], Params] = lambda params: {}
    viewer: Callable[[Any], Any] | None = None
    visible: Callable[[Any, Payload], bool] | None = None


_STREAMS: dict[str, Stream] = {}


def register_stream(stream: Stream) -> Stream:
    if stream.name in _STREAMS and _STREAMS[stream.name] != stream:
        raise ValueError(f"stream {stream.name!r} is registered twice")
    _STREAMS[stream.name] = stream
    return stream


def get_stream(name: str) -> Stream | None:
    return _STREAMS.get(name)


def group_name(stream: Stream, params: Params) -> str:
    """A channel-layer-safe group name (letters, digits, '-', '_' and '.', under 100 chars)."""
    return _GROUP_SAFE.sub("_", f"live.{stream.name}.{stream.group(params)}")[:99]


def _next_seq(group: str) -> int:
    """The group's next sequence number, shared by every publishing process through the cache."""
    key = f"realtime:seq:{group}"
    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is not None:
        # Redis: one atomic INCR round trip (Django's incr() makes two), starting at 1 for a new key.
        # Django's Redis serializer stores integers as plain numbers, so cache.get() still reads it.
        return int(client(key, write=True).incr(cache.make_and_validate_key(key)))
    try:
        return cache.incr(key)
    except ValueError:  # first message of the group since the cache was emptied
        cache.add(key, 0, timeout=None)
        return cache.incr(key)


def current_seq(group: str) -> int:
    return int(cache.get(f"realtime:seq:{group}", 0))


def stream_publish(*, stream: str, params: Params, payload: Payload) -> None:
    """Send `payload` to every subscriber of the stream once the current transaction commits.

    Outside a transaction it sends at once. Raises KeyError for an unknown stream.
    """
    target = _STREAMS[stream]
    cleaned = dict(target.clean_params(params))
    group = group_name(target, cleaned)

    def send() -> None:
        message = {
            "type": STREAM_MESSAGE_TYPE,
            "group": group,
            "stream": stream,
            "params": cleaned,
            "seq": _next_seq(group),
            # Serialised here, once: datetimes and decimals become text, and every socket gets the same bytes.
            "data": json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
        }
        _group_send(group, message)

    transaction.on_commit(send)


def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    home = _home_loop
    if isinstance(layer, InMemoryChannelLayer) and home is not None and home.is_running() and not _on_loop(home):
        # The in-memory layer's queues belong to the server's event loop: hand the send to that loop.
        asyncio.run_coroutine_threadsafe(layer.group_send(group, message), home).result(timeout=10)
    else:
        async_to_sync(layer.group_send)(group, message)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


# --- Per-process fan-out ---------------------------------------------------------------------------------


class Subscriber(Protocol):
    async def deliver(self, message: dict[str, Any], text: str) -> None: ...


_home_loop: asyncio.AbstractEventLoop | None = None
_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalHub] = weakref.WeakKeyDictionary()
_hubs_lock = threading.Lock()


def local_hub() -> LocalHub:
    """The hub of the running event loop (one per ASGI process), created on first use."""
    global _home_loop
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        hub = _hubs.get(loop)
        if hub is None:
            hub = _hubs[loop] = LocalHub()
            _home_loop = loop
        return hub


class LocalHub:
    """Joins each channel-layer group once for this process and fans messages out to local sockets."""

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.members: dict[str, set[Subscriber]] = {}
        self._lock = asyncio.Lock()
        self._listener: asyncio.Task[None] | None = None

    async def join(self, group: str, subscriber: Subscriber) -> None:
        async with self._lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel("hub.")
                self._listener = asyncio.get_running_loop().create_task(self._listen())
            if group not in self.members:
                self.members[group] = set()
                await self.layer.group_add(group, self.channel)
            self.members[group].add(subscriber)

    async def leave(self, group: str, subscriber: Subscriber) -> None:
        async with self._lock:
            members = self.members.get(group)
            if members is None:
                return
            members.discard(subscriber)
            if not members:
                del self.members[group]
                await self.layer.group_discard(group, self.channel)

    async def _listen(self) -> None:
        loop = asyncio.get_running_loop()
        rejoined_at = loop.time()
        while self.channel is not None:
            if loop.time() - rejoined_at >= HUB_REJOIN_SECONDS:  # by the clock, busy or idle
                await self._rejoin()
                rejoined_at = loop.time()
            try:
                message = await asyncio.wait_for(self.layer.receive(self.channel), timeout=HUB_REJOIN_SECONDS)
            except TimeoutError:
                continue
            except asyncio.CancelledError:
                raise
            except Exception:  # a broken message or a layer hiccup must not end fan-out for the process
                logger.exception("live hub: receive failed")
                await asyncio.sleep(1)
                continue
            await self._dispatch(message)

    async def _rejoin(self) -> None:
        async with self._lock:
            for group in self.members:
                await self.layer.group_add(group, self.channel)

    async def _dispatch(self, message: dict[str, Any]) -> None:
        subscribers = list(self.members.get(message.get("group", ""), ()))
        if not subscribers:
            return
        frame = {k: message[k] for k in ("stream", "params", "seq", "data")}
        text = json.dumps({"type": "delta", **frame}, separators=(",", ":"))
        # One after the other: a send only queues bytes on the socket's transport, so this is cheaper
        # than a task per socket, and cost per message stays flat per client.
        for subscriber in subscribers:
            try:
                await subscriber.deliver(message, text)
            except Exception as exc:  # a closing socket must not stop the others
                logger.debug("live hub: a socket did not take a message: %r", exc)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener


def collect_websocket_urlpatterns() -> list[Any]:
    """websocket_urlpatterns from every installed app's `routing` module."""
    patterns: list[Any] = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.routing")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.routing":
                raise
            continue
        patterns.extend(getattr(module, "websocket_urlpatterns", []))
    return patterns
