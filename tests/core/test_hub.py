"""The per-process fan-out hub: one channel-layer membership per group, local delivery, re-joining."""

import asyncio

import pytest

from cityops import realtime


class FakeLayer:
    """Records group membership calls and hands out queued messages (a stand-in for a channel layer)."""

    def __init__(self) -> None:
        self.adds: list[tuple[str, str]] = []
        self.discards: list[tuple[str, str]] = []
        self.queue: asyncio.Queue = asyncio.Queue()

    async def new_channel(self, prefix: str = "") -> str:
        return f"{prefix}x!1"

    async def group_add(self, group: str, channel: str) -> None:
        self.adds.append((group, channel))

    async def group_discard(self, group: str, channel: str) -> None:
        self.discards.append((group, channel))

    async def receive(self, channel: str) -> dict:
        return await self.queue.get()


class Socket:
    def __init__(self) -> None:
        self.frames: list[str] = []

    async def deliver(self, message: dict, text: str) -> None:
        self.frames.append(text)


def _message(group: str, seq: int) -> dict:
    return {"group": group, "stream": "s", "params": {}, "seq": seq, "data": {"n": seq}}


def test_many_sockets_share_one_membership_and_get_the_same_frame(monkeypatch):
    async def scenario() -> tuple[FakeLayer, list[Socket]]:
        layer = FakeLayer()
        monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
        hub = realtime.LocalHub()
        sockets = [Socket() for _ in range(50)]
        # given fifty sockets on one group
        for socket in sockets:
            await hub.join("g", socket)
        # when one message arrives
        await layer.queue.put(_message("g", 1))
        while not sockets[-1].frames:
            await asyncio.sleep(0)
        # and every socket leaves
        for socket in sockets:
            await hub.leave("g", socket)
        await hub.close()
        return layer, sockets

    layer, sockets = asyncio.run(scenario())

    # then the layer saw one join and one leave, and every socket the same serialised frame
    assert layer.adds == [("g", "hub.x!1")]
    assert layer.discards == [("g", "hub.x!1")]
    assert {len(s.frames) for s in sockets} == {1}
    assert len({s.frames[0] for s in sockets}) == 1
    assert sockets[0].frames[0] == '{"type":"delta","stream":"s","params":{},"seq":1,"data":{"n":1}}'


@pytest.mark.parametrize("busy", [True, False])
def test_the_hub_rejoins_its_groups_by_the_clock_busy_or_idle(monkeypatch, busy):
    monkeypatch.setattr(realtime, "HUB_REJOIN_SECONDS", 0.05)

    async def scenario() -> FakeLayer:
        layer = FakeLayer()
        monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
        hub = realtime.LocalHub()
        await hub.join("g", Socket())
        # when messages keep flowing (busy) or nothing arrives (idle) for several rejoin periods
        for seq in range(12):
            if busy:
                await layer.queue.put(_message("g", seq))
            await asyncio.sleep(0.02)
        await hub.close()
        return layer

    layer = asyncio.run(scenario())

    # then the group was joined again, so a layer with group expiry keeps the live process
    assert len(layer.adds) >= 3
    assert set(layer.adds) == {("g", "hub.x!1")}
