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
    return {"group": group, "stream": "s", "params": {}, "seq": seq, "epoch": "e1", "data": {"n": seq}}


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
    assert sockets[0].frames[0] == '{"type":"delta","seq":1,"stream":"s","params":{},"epoch":"e1","data":{"n":1}}'


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


class FlakyLayer(FakeLayer):
    """A layer that fails while `down` is set: receive and group_add raise as channels-redis does when Redis is
    unreachable, and coming back it has forgotten every membership (Redis keeps nothing on disk here)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def group_add(self, group: str, channel: str) -> None:
        if self.down:
            raise ConnectionError("Redis is restarting")
        await super().group_add(group, channel)

    async def receive(self, channel: str) -> dict:
        if self.down:
            await asyncio.sleep(0.01)
            raise ConnectionError("Redis is restarting")
        return await super().receive(channel)


def test_the_hub_lives_through_an_outage_that_covers_its_rejoin_and_joins_again_when_the_layer_returns(monkeypatch):
    # given a hub whose periodic re-join falls inside an outage of the layer
    monkeypatch.setattr(realtime, "HUB_REJOIN_SECONDS", 0.05)
    monkeypatch.setattr(realtime, "HUB_BACKOFF_MAX", 0.05)

    async def scenario() -> tuple[FlakyLayer, list[dict], Socket]:
        layer = FlakyLayer()
        monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
        hub = realtime.LocalHub()
        socket = Socket()
        await hub.join("g", socket)
        layer.down = True
        await asyncio.sleep(0.3)  # several failed receives and re-joins
        during = hub.health()
        # when the layer answers again
        layer.adds.clear()
        layer.down = False
        await asyncio.sleep(0.2)
        await layer.queue.put(_message("g", 1))
        await asyncio.sleep(0.05)
        after = hub.health()
        await hub.close()
        return layer, [during, after], socket

    layer, (during, after), socket = asyncio.run(scenario())

    # then it never stopped listening, joined its group again and delivers
    assert (during["listener"], during["failing_since"] is not None) == ("alive", True)
    assert (after["listener"], after["failing_since"], after["ok"]) == ("alive", None, True)
    assert ("g", "hub.x!1") in layer.adds
    assert len(socket.frames) == 1


def test_a_flushed_redis_is_noticed_and_the_groups_joined_again_within_seconds(monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(realtime, "HUB_CHECK_SECONDS", 0.05)

    async def scenario() -> FakeLayer:
        layer = FakeLayer()
        monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
        hub = realtime.LocalHub()
        await hub.join("g", Socket())
        await asyncio.sleep(0.1)
        assert layer.adds == [("g", "hub.x!1")]  # no error, nothing to do yet
        # when the cache (the same Redis) is flushed: memberships and the hub's marker are gone
        await cache.aclear()
        await asyncio.sleep(0.2)
        await hub.close()
        return layer

    layer = asyncio.run(scenario())

    # then it joined its group again, well before the periodic re-join (60 s)
    assert layer.adds.count(("g", "hub.x!1")) >= 2


def test_a_process_whose_hub_listener_died_answers_503(monkeypatch, client, db):
    async def dead_hub_checks() -> dict:
        layer = FakeLayer()
        monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
        hub = realtime.local_hub()  # this process's hub, as /healthz finds it
        await hub.join("g", Socket())
        hub._listener.cancel()  # as if it had ended for good
        await asyncio.sleep(0)
        from apps.core.health import run_checks

        return await run_checks()

    checks = asyncio.run(dead_hub_checks())

    assert checks["live_hub"]["ok"] is False
    assert checks["live_hub"]["listener"] == "dead"
    assert checks["live_hub"]["error"] == "the listener has stopped"


def test_a_lost_counter_starts_a_new_epoch_so_screens_ask_for_a_snapshot():
    from django.core.cache import cache

    # given a group that has counted to 3
    for _ in range(3):
        seq, epoch = realtime._position("live.g", advance=True)
    assert seq == 3

    # when the cache loses its counters (a Redis restart or flush)
    cache.clear()
    after = realtime._position("live.g", advance=True)

    # then it counts from 1 again, in a new epoch (a client holding the old one re-snapshots)
    assert after[0] == 1
    assert after[1] != epoch
    assert realtime.current_position("live.g") == after
