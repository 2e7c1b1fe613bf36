"""RT-1 and RT-2: publish → last of N websocket clients.

RT-1: p95 over messages of (receive time at the last of N clients − publish time), ours ÷ a bare
`websockets` broadcast server with the same frames, for N = 10, 100, 500; on the in-memory layer and,
when Redis answers, on channels-redis. RT-2: log10(t(1000) ÷ t(100)) of ours, the fan-out exponent
(1.0 = linear in the number of screens).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import Result

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = 30
WARMUP = 3  # first messages pay for cold connections and thread pools, in both servers: not counted


def _gap(n: int) -> float:
    return 0.1 if n <= 100 else 0.3 if n <= 500 else 0.6


async def _clients(port: int, cookie: str, n: int, m: int) -> list[float]:
    import websockets

    headers = {"Origin": f"http://127.0.0.1:{port}"}
    if cookie != "-":
        headers["Cookie"] = cookie
    latest: dict[int, float] = {}

    async def one() -> None:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/live/", additional_headers=headers, max_queue=None
        ) as ws:
            await ws.send(json.dumps({"type": "subscribe", "stream": "bench", "params": {}}))
            seen = 0
            while seen < m:
                message = json.loads(await ws.recv())
                if message.get("type") != "delta":
                    continue
                now = time.monotonic()
                i = message["data"]["i"]
                latest[i] = max(latest.get(i, 0.0), now - message["data"]["t"])
                seen += 1

    connections = []
    for start in range(0, n, 50):  # connect in waves: a burst of 1,000 handshakes is a different benchmark
        connections += [asyncio.create_task(one()) for _ in range(start, min(start + 50, n))]
        await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*connections), timeout=120)
    return [latest[i] for i in sorted(latest)]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def measure(mode: str, n: int, env: dict[str, str] | None = None) -> float:
    """p95 seconds from publish to the last of n clients."""
    if env and env.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # no groups or sequence numbers left from earlier runs
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.rt_server", mode, str(n), str(WARMUP + MESSAGES), str(_gap(n))],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline().split()
        if not line or line[0] != "READY":
            raise RuntimeError(f"{mode} server did not start")
        latencies = asyncio.run(_clients(int(line[1]), line[2], n, WARMUP + MESSAGES))
    finally:
        server.wait(timeout=60)
    return _p95(latencies[WARMUP:])


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1).ping())
    except Exception:
        return False


def run() -> list[Result]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    results = []
    layers = [("in-memory", {}, 2.0)]
    if _redis_up():
        layers.append(("channels-redis", {"REDIS_URL": "redis://127.0.0.1:6379/15"}, 3.0))
    ours_by_n: dict[int, float] = {}
    for layer, env, target in layers:
        for n in (10, 100, 500):
            bare, mine = measure("bare", n), measure("ours", n, env)
            if layer == "in-memory":
                ours_by_n[n] = mine
            ratio = mine / bare
            detail = f"{layer}, N={n}: p95 {mine * 1000:.1f} ms ours vs {bare * 1000:.1f} ms bare websockets"
            results.append(
                Result("RT-1", f"publish→last client ({layer}, N={n})", ratio, f"<= {target}", ratio <= target, detail)
            )
    t1000 = measure("ours", 1000)
    exponent = math.log10(t1000 / ours_by_n[100])
    detail = f"in-memory: p95 {ours_by_n[100] * 1000:.1f} ms at N=100, {t1000 * 1000:.1f} ms at N=1000"
    results.append(Result("RT-2", "fan-out exponent log10(t1000/t100)", exponent, "<= 1.05", exponent <= 1.05, detail))
    return results
