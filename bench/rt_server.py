"""A broadcast server for RT-1/RT-2, run as its own process: `python -m bench.rt_server MODE N M GAP`.

MODE "ours": the CityOps ASGI app under uvicorn (the real consumer, hub and stream_publish path), with a
bench stream; "bare": a plain `websockets` server that broadcasts the same frames. Once N clients are
subscribed it publishes M messages GAP seconds apart, each stamped with time.monotonic() (system-wide on
Linux, so the client process can compare). Prints "READY <port> <cookie>" when it accepts connections.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
import sys
import tempfile
import time


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def bare(n: int, m: int, gap: float) -> None:
    import websockets

    port, clients, ready = _free_port(), set(), asyncio.Event()

    async def handler(connection) -> None:
        await connection.recv()  # the subscribe message, as our clients send it
        clients.add(connection)
        if len(clients) >= n:
            ready.set()
        await connection.wait_closed()

    async with websockets.serve(handler, "127.0.0.1", port, max_queue=None):
        print(f"READY {port} -", flush=True)
        await ready.wait()
        for i in range(m):
            frame = {
                "type": "delta",
                "stream": "bench",
                "params": {},
                "seq": i + 1,
                "data": {"i": i, "t": time.monotonic()},
            }
            websockets.broadcast(clients, json.dumps(frame, separators=(",", ":")))
            await asyncio.sleep(gap)
        await asyncio.sleep(2)


def ours(n: int, m: int, gap: float) -> None:
    os.environ["CITYOPS_DATA_DIR"] = tempfile.mkdtemp(prefix="cityops-rt-")  # a fresh database every run
    os.environ["CITYOPS_EMBEDDED_SCHEDULER"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cityops.settings"
    import django

    django.setup()
    import uvicorn
    from asgiref.sync import sync_to_async
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from cityops.asgi import application
    from cityops.realtime import Stream, group_name, local_hub, stream_publish, stream_registry

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-password-1")  # noqa: S106
    client = Client()
    client.force_login(user)
    stream = stream_registry.register(
        Stream(name="bench", group=lambda p: "all", can_subscribe=lambda u, p: True, snapshot=lambda u, p: {})
    )
    group = group_name(stream, {})
    port = _free_port()

    async def publisher() -> None:
        hub = local_hub()
        while len(hub.members.get(group, ())) < n:
            await asyncio.sleep(0.05)
        for i in range(m):
            await sync_to_async(stream_publish)(stream="bench", params={}, payload={"i": i, "t": time.monotonic()})
            await asyncio.sleep(gap)

    async def main() -> None:
        config = uvicorn.Config(
            application,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="error",
            ws="websockets-sansio",
            ws_per_message_deflate=False,
        )
        server = uvicorn.Server(config)
        serving = asyncio.get_running_loop().create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        print(f"READY {port} sessionid={client.cookies['sessionid'].value}", flush=True)
        await publisher()
        await asyncio.sleep(2)
        server.should_exit = True
        await serving

    asyncio.run(main())


if __name__ == "__main__":
    _raise_fd_limit()
    mode, n, m, gap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    if mode == "bare":
        asyncio.run(bare(n, m, gap))
    else:
        ours(n, m, gap)
