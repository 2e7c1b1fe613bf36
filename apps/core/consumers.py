"""The one multiplexed websocket consumer at /ws/live/.

Protocol (JSON text frames):
  client → {"type": "subscribe", "stream": NAME, "params": {...}}
  server → {"type": "snapshot", "stream", "params", "seq", "epoch", "heartbeat", "data"}  the full current state
  server → {"type": "delta", "stream", "params", "seq", "epoch", "data"}      each later change, seq + 1
  client → {"type": "unsubscribe", "stream", "params"} / {"type": "ping"}
  server → {"type": "error", "stream"?, "code", "message"}
Sockets do not join channel-layer groups themselves: the process's LocalHub does, once per group, and
hands each message to its sockets (see cityops/realtime.py). The consumer joins the group, then reads the
group's sequence number, then builds the snapshot, holding back the group's deltas meanwhile; after the
snapshot it sends those numbered after it. So no change is lost between the two: one committed before the
number was read is in the snapshot (a late delta of it is dropped), one numbered after it is sent, even if the
snapshot already shows it (deltas carry state, and applying one twice changes nothing). A client that sees a gap
(seq > last + 1), a new epoch (the server lost its counters and started again at 1), no accepted delta for two
heartbeats of a stream that has them, or reconnects, subscribes again to get a fresh snapshot.

A stream that filters its messages per socket (`visible`, e.g. alerts by region scope) is numbered per socket:
its snapshot has seq 0 and each message this socket gets one more, so a scoped screen sees no gap where another
district's message went by (no needless snapshot, and no count of what happens elsewhere). The consumer checks
the stream's own numbers: a message lost on the way to this process ends in
  server → {"type": "resync", "stream", "params"}  ask for a fresh snapshot
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.accounts.selectors import second_factor_pending
from apps.accounts.sockets import socket_registry
from cityops.realtime import Stream, current_position, get_stream, group_name, local_hub

CLOSE_UNAUTHENTICATED = 4401
# Streams of the unattended command wall: a socket subscribed to one keeps its session from idling out.
KEEPALIVE_STREAMS = frozenset({"wall"})


@dataclass
class _Numbering:
    """Where a filtered stream stands for one socket: the stream's last number seen (None until the snapshot is
    sent, and after a loss), its epoch, and the number of the last message this socket was sent."""

    seen: int | None = None
    epoch: str | None = None
    sent: int = 0


class LiveConsumer(AsyncJsonWebsocketConsumer):
    # No channel-layer channel per socket: the process's hub receives for all of them. (With a channel
    # per socket, 1,000 screens would mean 1,000 concurrent receives on Redis.)
    channel_layer_alias = "cityops-no-per-socket-channel"

    async def connect(self) -> None:
        user = self.scope.get("user")
        session = self.scope.get("session")
        if (
            user is None
            or not user.is_authenticated
            or await database_sync_to_async(second_factor_pending)(user=user, session=session)
        ):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        # group -> (stream, viewer, numbering): the viewer feeds the stream's per-socket filter, if it has one,
        # and the numbering then counts this socket's messages.
        self.groups_joined: dict[str, tuple[Stream, object, _Numbering | None]] = {}
        self.held_back: dict[str, list[tuple[dict[str, Any], str]]] = {}
        await self.accept()
        await socket_registry().add(self, user_id=user.pk, session_key=session.session_key)

    def keeps_session_alive(self) -> bool:
        return any(stream.name in KEEPALIVE_STREAMS for stream, *_rest in getattr(self, "groups_joined", {}).values())

    async def disconnect(self, code: int) -> None:
        await socket_registry().remove(self)
        hub = local_hub()
        for group in list(getattr(self, "groups_joined", {})):
            await hub.leave(group, self)
        self.groups_joined = {}

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "subscribe":
            await self._subscribe(content)
        elif kind == "unsubscribe":
            await self._unsubscribe(content)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self._error("bad_request", "expected a JSON object with type subscribe, unsubscribe or ping")

    async def _resolve(self, content: dict[str, Any]) -> tuple[Any, dict[str, Any]] | None:
        name = content.get("stream")
        stream = get_stream(name) if isinstance(name, str) else None
        if stream is None:
            await self._error("unknown_stream", f"no stream named {name!r}", stream=name)
            return None
        params = content.get("params") or {}
        if not isinstance(params, dict):
            await self._error("bad_params", "params must be a JSON object", stream=name)
            return None
        try:
            return stream, dict(stream.clean_params(params))
        except ValueError as exc:
            await self._error("bad_params", str(exc), stream=name)
            return None

    async def _subscribe(self, content: dict[str, Any]) -> None:
        resolved = await self._resolve(content)
        if resolved is None:
            return
        stream, params = resolved
        user = self.scope["user"]
        if not await database_sync_to_async(stream.can_subscribe)(user, params):
            await self._error("forbidden", "you may not subscribe to this stream", stream=stream.name)
            return
        group = group_name(stream, params)
        viewer = await database_sync_to_async(stream.viewer)(user) if stream.viewer else None
        numbering = _Numbering() if stream.visible is not None else None
        self.groups_joined[group] = (stream, viewer, numbering)
        self.held_back[group] = []  # the group's deltas while its snapshot is built (deliver, below)
        try:
            await local_hub().join(group, self)
            seq, epoch = await database_sync_to_async(current_position)(group)
            data = await database_sync_to_async(stream.snapshot)(user, params)
        finally:
            held = self.held_back.pop(group, [])
        _forget_permission_caches(user)
        position = seq
        if numbering is not None:  # no await from here to the send: no delta can come in between
            numbering.seen, numbering.epoch, seq = seq, epoch, 0
        await self.send_json({
            "type": "snapshot", "stream": stream.name, "params": params, "seq": seq, "epoch": epoch,
            "heartbeat": stream.heartbeat_s, "data": data,
        })  # fmt: skip
        for message, text in held:
            if numbering is not None or (message["epoch"] == epoch and message["seq"] > position):
                await self.deliver(message, text)

    async def _unsubscribe(self, content: dict[str, Any]) -> None:
        resolved = await self._resolve(content)
        if resolved is None:
            return
        group = group_name(*resolved)
        if self.groups_joined.pop(group, None) is not None:
            await local_hub().leave(group, self)

    async def _error(self, code: str, message: str, *, stream: Any = None) -> None:
        await self.send_json({"type": "error", "stream": stream, "code": code, "message": message})

    async def deliver(self, message: dict[str, Any], text: str) -> None:
        """Called by this process's hub with a stream message already serialised as a delta frame."""
        joined = self.groups_joined.get(message["group"])
        if joined is None:
            return
        held = self.held_back.get(message["group"])
        if held is not None:  # its snapshot is being built: sent after it, if numbered after it
            held.append((message, text))
            return
        stream, viewer, numbering = joined
        if numbering is None:
            await self.base_send({"type": "websocket.send", "text": text})
            return
        seq, epoch = message["seq"], message["epoch"]
        if numbering.seen is None:
            return  # the snapshot is on its way (or was asked for again)
        if epoch != numbering.epoch or seq > numbering.seen + 1:
            # The stream's counters started again (a Redis restart) or a message was lost on the way here: the
            # socket's state is unknown, whether or not it would have seen that message.
            numbering.seen = None
            frame = {"type": "resync", "stream": message.get("stream"), "params": message.get("params")}
            await self.base_send({"type": "websocket.send", "text": json.dumps(frame, separators=(",", ":"))})
            return
        if seq <= numbering.seen:
            return  # raced the snapshot, or a duplicate
        numbering.seen = seq
        # Only a stream with `visible` is numbered (subscribe, above): the check narrows its type.
        if stream.visible is not None and not stream.visible(viewer, message["data"]):
            return
        numbering.sent += 1
        head = f'{{"type":"delta","seq":{seq},'
        if not text.startswith(head):  # the hub's frame layout (cityops/realtime.py) is this one's contract
            raise ValueError("a delta frame must begin with its type and seq")
        own = f'{{"type":"delta","seq":{numbering.sent},{text[len(head) :]}'
        await self.base_send({"type": "websocket.send", "text": own})


def _forget_permission_caches(user: Any) -> None:
    """Drop the permission sets Django caches on the user object (a few KiB per socket, kept for hours by an idle
    wall); the next subscription reads them again, as it should after a change of roles."""
    wrapped = getattr(user, "_wrapped", user)  # scope["user"] is a lazy object around the user
    for name in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        getattr(wrapped, "__dict__", {}).pop(name, None)
