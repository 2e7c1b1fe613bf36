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
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.apps import apps
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from apps.core.registry import Registry

logger = logging.getLogger(__name__)

Params = Mapping[str, Any]
Payload = Mapping[str, Any]  # a JSON object (a TypedDict where the producer has one)

# The channel-layer message type for every stream message: one handler, the hub's.
STREAM_MESSAGE_TYPE = "stream.message"
_GROUP_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
# A hub re-joins its groups every HUB_REJOIN_SECONDS, at once after a failure of the layer, and within
# HUB_CHECK_SECONDS of a flushed Redis. The Redis pub/sub layer of production keeps subscriptions on its
# connection (re-subscribed by redis-py when it reconnects), for which re-joining costs nothing; a layer whose
# memberships live in Redis and expire (channels-redis's list-based one) needs it.
HUB_REJOIN_SECONDS = 60
HUB_CHECK_SECONDS = 2.0
HUB_BACKOFF_MIN, HUB_BACKOFF_MAX = 0.25, 2.0


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
    # Seconds between the stream's own beats, if it has them: a client that accepts no delta for twice as long
    # asks for a snapshot again (the beats stopped reaching it, whatever the reason).
    heartbeat_s: float | None = None


stream_registry: Registry[Stream] = Registry("stream", key=lambda s: s.name)


def get_stream(name: str) -> Stream | None:
    return stream_registry.get(name)


def group_name(stream: Stream, params: Params) -> str:
    """A channel-layer-safe group name (letters, digits, '-', '_' and '.', under 100 chars)."""
    return _GROUP_SAFE.sub("_", f"live.{stream.name}.{stream.group(params)}")[:99]


# Each group's position: its sequence number and the epoch it counts in, kept together in one cache entry, so
# they are lost together. A counter found missing (a Redis restart, a flush, an eviction) starts again at 1 in a
# new epoch, and a client that sees a new epoch asks for a snapshot instead of dropping every delta as already
# seen until the counter passes its old value (which could take days).
_POSITION_KEY = "realtime:pos:{group}"
_NEXT = """
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then epoch = ARGV[1]; redis.call('HSET', KEYS[1], 'epoch', epoch) end
return {seq, epoch}
"""
_CURRENT = """
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then epoch = ARGV[1]; redis.call('HSET', KEYS[1], 'epoch', epoch) end
return {tonumber(redis.call('HGET', KEYS[1], 'seq') or '0'), epoch}
"""
_local_positions = threading.Lock()


def _new_epoch() -> str:
    return secrets.token_hex(4)


def _position(group: str, *, advance: bool) -> tuple[int, str]:
    """(seq, epoch) of the group, advanced by one for a message to send; shared by every publishing process
    through the cache (one atomic Redis script), or within this process for the local-memory cache."""
    key = _POSITION_KEY.format(group=group)
    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is not None:
        script = _NEXT if advance else _CURRENT
        seq, epoch = client(key, write=True).eval(script, 1, cache.make_and_validate_key(key), _new_epoch())
        return int(seq), epoch.decode() if isinstance(epoch, bytes) else str(epoch)
    with _local_positions:
        seq, epoch = cache.get(key) or (0, _new_epoch())
        seq += 1 if advance else 0
        cache.set(key, (seq, epoch), timeout=None)
        return seq, epoch


_NEXT_MANY = """
local out = {}
for i, key in ipairs(KEYS) do
  local seq = redis.call('HINCRBY', key, 'seq', 1)
  local epoch = redis.call('HGET', key, 'epoch')
  if not epoch then epoch = ARGV[i]; redis.call('HSET', key, 'epoch', epoch) end
  out[i] = {seq, epoch}
end
return out
"""


def _positions(groups: list[str]) -> list[tuple[int, str]]:
    """_position(advance=True) of many groups in one round trip (one script on Redis)."""
    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is None or len(groups) < 2:
        return [_position(group, advance=True) for group in groups]
    keys = [cache.make_and_validate_key(_POSITION_KEY.format(group=group)) for group in groups]
    answers = client(keys[0], write=True).eval(_NEXT_MANY, len(keys), *keys, *[_new_epoch() for _ in keys])
    return [(int(seq), epoch.decode() if isinstance(epoch, bytes) else str(epoch)) for seq, epoch in answers]


def current_position(group: str) -> tuple[int, str]:
    """The group's last sequence number and its epoch, for a snapshot (a delta racing it has seq <= this)."""
    return _position(group, advance=False)


def stream_publish(*, stream: str, params: Params, payload: Payload) -> None:
    """Send `payload` to every subscriber of the stream once the current transaction commits.

    Outside a transaction it sends at once. Raises KeyError for an unknown stream.
    """
    streams_publish([(stream, params, payload)])


def streams_publish(items: Sequence[tuple[str, Params, Payload]], *, watched_only: bool = False) -> int:
    """stream_publish of many (stream, params, payload) at once, after the current transaction commits: their
    sequence numbers in one round trip and their sends together, so a publish tick of hundreds of streams pays
    the fixed costs once. With `watched_only`, streams no screen watches (see `groups_watched`) are skipped.
    Returns how many were sent (or will be, on commit)."""
    prepared = []
    for stream, params, payload in items:
        target = stream_registry[stream]
        cleaned = dict(target.clean_params(params))
        prepared.append((group_name(target, cleaned), stream, cleaned, payload))
    if watched_only and prepared:
        watched = groups_watched([group for group, *_rest in prepared])
        prepared = [item for item in prepared if item[0] in watched]

    def send() -> None:
        from apps.core.outages import is_outage

        try:
            _send_many(prepared)
        except Exception as exc:
            if not is_outage(exc):
                raise
            # Redis is down: what was committed stays committed (the request that committed it must not fail),
            # and screens notice the lost message by its gap or its new epoch and take a fresh snapshot.
            groups = [group for group, *_rest in prepared]
            shown = ", ".join(groups[:3]) + (f" and {len(groups) - 3} more" if len(groups) > 3 else "")
            logger.warning("live: not sent to %s, the channel layer or the cache is unreachable", shown)

    if prepared:
        transaction.on_commit(send)
    return len(prepared)


def _send_many(items: Sequence[tuple[str, str, Params, Payload]]) -> None:
    positions = _positions([group for group, *_rest in items])
    messages = []
    for (group, stream, cleaned, payload), (seq, epoch) in zip(items, positions, strict=True):
        messages.append((group, {
            "type": STREAM_MESSAGE_TYPE,
            "group": group,
            "stream": stream,
            "params": cleaned,
            "seq": seq,
            "epoch": epoch,
            # Serialised here, once: datetimes and decimals become text, and every socket gets the same bytes.
            "data": json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
        }))  # fmt: skip
    _group_send_many(messages)


def _group_send_many(messages: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()

    async def send_all() -> None:
        # In order, on one loop: each group's messages keep their sequence (a send is a few Redis commands).
        for group, message in messages:
            await layer.group_send(group, message)

    home = _home_loop
    if isinstance(layer, InMemoryChannelLayer) and home is not None and home.is_running() and not _on_loop(home):
        # The in-memory layer's queues belong to the server's event loop: hand the sends to that loop.
        asyncio.run_coroutine_threadsafe(send_all(), home).result(timeout=30)
    elif (running := _running_loop()) is not None:
        # Sync code called from a thread whose loop is running (that loop's own code, a browser driver's thread):
        # it cannot block on the loop it runs in, so the sends go on that loop, in order, next.
        running.create_task(send_all())
    else:
        async_to_sync(send_all)()


# Which groups some process's hub has joined: a key per group, set on join and renewed with every re-join, so
# it lapses within WATCHED_SECONDS of the last screen leaving (or of its process dying). A publisher of many
# streams (the tick) builds and sends only the watched ones; a screen joins before it reads its snapshot, so a
# change it misses was committed before that snapshot was read.
_WATCHED_KEY = "realtime:watched:{group}"
WATCHED_SECONDS = 3 * HUB_REJOIN_SECONDS


def groups_watched(groups: list[str]) -> set[str]:
    """The groups of `groups` that a screen of some process watches (one cache round trip)."""
    keys = {_WATCHED_KEY.format(group=group): group for group in groups}
    return {keys[key] for key in cache.get_many(list(keys))}


async def _watch(groups: list[str]) -> None:
    await cache.aset_many({_WATCHED_KEY.format(group=group): 1 for group in groups}, timeout=WATCHED_SECONDS)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


# --- Per-process fan-out ---------------------------------------------------------------------------------


class Subscriber(Protocol):
    async def deliver(self, message: dict[str, Any], text: str) -> None:
        """`text` is the delta frame, JSON beginning '{"type":"delta","seq":<message["seq"]>,'."""


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
    """Joins each channel-layer group once for this process and fans messages out to local sockets.

    It heals itself: every failure of the layer is logged and retried with backoff, never ending the listener;
    after a failure (Redis restarted: every membership lost) it joins its groups again as soon as the layer
    answers, and it notices a flushed Redis within HUB_CHECK_SECONDS by a marker it keeps in the cache. It
    reports its own health (`health()`, read by /healthz): a process whose listener died answers 503.
    """

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.members: dict[str, set[Subscriber]] = {}
        self._lock = asyncio.Lock()
        self._listener: asyncio.Task[None] | None = None
        self._rejoin_now = False
        self.last_join_at: float | None = None  # wall-clock times, for the health report
        self.last_message_at: float | None = None
        self.failing_since: float | None = None

    async def join(self, group: str, subscriber: Subscriber) -> None:
        async with self._lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel("hub.")
                await cache.aset(self._marker_key(), 1, timeout=None)
            if self._listener is None or self._listener.done():
                self._listener = asyncio.get_running_loop().create_task(self._listen())
            if group not in self.members:
                await self.layer.group_add(group, self.channel)
                await _watch([group])
                self.members[group] = set()
            self.members[group].add(subscriber)

    async def leave(self, group: str, subscriber: Subscriber) -> None:
        async with self._lock:
            members = self.members.get(group)
            if members is None:
                return
            members.discard(subscriber)
            if not members:
                del self.members[group]
                with contextlib.suppress(Exception):  # a layer keeping memberships in Redis expires them
                    await self.layer.group_discard(group, self.channel)

    async def _listen(self) -> None:
        loop = asyncio.get_running_loop()
        backoff = HUB_BACKOFF_MIN
        next_rejoin, next_check = loop.time() + HUB_REJOIN_SECONDS, loop.time() + HUB_CHECK_SECONDS
        # One receive outstanding at a time, kept across the checks below rather than cancelled when one is due:
        # the Redis pub/sub layer takes a cancelled receive for a consumer going away and drops its channel.
        receiving: asyncio.Future[dict[str, Any]] | None = None
        try:
            while self.channel is not None:
                try:
                    now = loop.time()
                    if now >= next_check:  # a flushed Redis forgets channels-redis memberships without an error
                        next_check = now + HUB_CHECK_SECONDS
                        self._rejoin_now = self._rejoin_now or not await cache.aget(self._marker_key())
                    if self._rejoin_now or now >= next_rejoin:  # by the clock too, busy or idle
                        await self._rejoin()
                        next_rejoin = loop.time() + HUB_REJOIN_SECONDS
                    wait = max(min(next_check, next_rejoin) - loop.time(), 0.01)
                    if receiving is None:
                        receiving = asyncio.ensure_future(self.layer.receive(self.channel))
                    done, _pending = await asyncio.wait({receiving}, timeout=wait)
                    message = None
                    if done:
                        finished, receiving = receiving, None
                        message = finished.result()  # raises what the layer raised
                    self._healthy()
                    backoff = HUB_BACKOFF_MIN
                    if message is not None:
                        self.last_message_at = time.time()
                        await self._dispatch(message)
                except asyncio.CancelledError:
                    raise
                except Exception:  # a broken message or a layer outage must not end fan-out for the process
                    if self.failing_since is None:
                        logger.exception("live hub: the channel layer failed; retrying, then joining the groups again")
                    self.failing_since = self.failing_since or time.time()
                    self._rejoin_now = True
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, HUB_BACKOFF_MAX)
        finally:
            if receiving is not None:
                receiving.cancel()

    def _healthy(self) -> None:
        if self.failing_since is not None:
            logger.warning("live hub: the channel layer answers again after %.1f s", time.time() - self.failing_since)
            self.failing_since = None

    def _marker_key(self) -> str:
        return f"realtime:hub:{self.channel}"

    async def _rejoin(self) -> None:
        async with self._lock:
            for group in list(self.members):
                await self.layer.group_add(group, self.channel)
            if self.members:
                await _watch(list(self.members))
        await cache.aset(self._marker_key(), 1, timeout=None)
        self._rejoin_now = False
        self.last_join_at = time.time()

    async def _dispatch(self, message: dict[str, Any]) -> None:
        subscribers = list(self.members.get(message.get("group", ""), ()))
        if not subscribers:
            return
        # "seq" first, so a socket that numbers its own messages (a filtered stream) rewrites only the head.
        frame = {"type": "delta", **{k: message.get(k) for k in ("seq", "stream", "params", "epoch", "data")}}
        text = json.dumps(frame, separators=(",", ":"))
        # One after the other: a send only queues bytes on the socket's transport, so this is cheaper
        # than a task per socket, and cost per message stays flat per client.
        for subscriber in subscribers:
            try:
                await subscriber.deliver(message, text)
            except Exception as exc:  # a closing socket must not stop the others
                logger.debug("live hub: a socket did not take a message: %r", exc)

    def health(self) -> dict[str, Any]:
        """Is fan-out working in this process: the listener alive, when it last joined and heard a message."""
        alive = self._listener is not None and not self._listener.done()
        return {
            "ok": alive or self.channel is None,
            "listener": "alive" if alive else ("none" if self._listener is None else "dead"),
            "groups": len(self.members),
            "last_join_at": _iso(self.last_join_at),
            "last_message_at": _iso(self.last_message_at),
            "failing_since": _iso(self.failing_since),
        }

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener


def hub_health() -> dict[str, Any] | None:
    """The health of the running event loop's hub, None when this process has none (no screen ever joined)."""
    try:
        hub = _hubs.get(asyncio.get_running_loop())
    except RuntimeError:
        return None
    return hub.health() if hub is not None else None


def _iso(moment: float | None) -> str | None:
    return datetime.fromtimestamp(moment, tz=UTC).isoformat() if moment is not None else None


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
