"""The live-stream registry and publisher.

Each app declares its streams in `apps/<app>/streams.py` (imported from its AppConfig.ready) by calling
`register_stream`. The one websocket consumer (`apps.core.consumers.LiveConsumer`) looks streams up
here to check permission, build the snapshot and join the group. Publishers call `stream_publish`,
which sends after the surrounding transaction commits, with a per-group sequence number so clients
can detect gaps and ask for a fresh snapshot.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.apps import apps
from django.core.cache import cache
from django.db import transaction

Params = Mapping[str, Any]
Payload = dict[str, Any]

# The channel-layer message type for every stream message: one handler in the consumer.
STREAM_MESSAGE_TYPE = "stream.message"
_GROUP_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class Stream:
    """A named live stream.

    group: builds the channel-layer group name from validated params.
    clean_params: validates the client's params, raising ValueError with a message for the client.
    can_subscribe: permission and scope check for a user (runs in a worker thread, may query).
    snapshot: the full current state for a new subscriber (may query). Never personal data.
    """

    name: str
    group: Callable[[Params], str]
    can_subscribe: Callable[[Any, Params], bool]
    snapshot: Callable[[Any, Params], Payload]
    clean_params: Callable[[Params], Params] = lambda params: {}


_STREAMS: dict[str, Stream] = {}


def register_stream(stream: Stream) -> Stream:
    if stream.name in _STREAMS and _STREAMS[stream.name] != stream:
        raise ValueError(f"stream {stream.name!r} is registered twice")
    _STREAMS[stream.name] = stream
    return stream


def get_stream(name: str) -> Stream | None:
    return _STREAMS.get(name)


def stream_names() -> list[str]:
    return sorted(_STREAMS)


def group_name(stream: Stream, params: Params) -> str:
    """A channel-layer-safe group name (letters, digits, '-', '_' and '.', under 100 chars)."""
    return _GROUP_SAFE.sub("_", f"live.{stream.name}.{stream.group(params)}")[:99]


def _next_seq(group: str) -> int:
    key = f"realtime:seq:{group}"
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
            "stream": stream,
            "params": cleaned,
            "seq": _next_seq(group),
            "data": payload,
        }
        async_to_sync(get_channel_layer().group_send)(group, message)

    transaction.on_commit(send)


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
