"""CITY-1…4 and RT-4: a city-sized load on the production topology of this machine.

For CITY-10 and CITY-100 (bench/city_scenario.py) in turn: a fresh PostgreSQL database, Redis, uvicorn with two
workers, a Celery worker and beat (the real beat schedule: a publish tick every second), 50 wall screens and 200
region-page viewers on websockets, and gateways posting readings through the ingest API at the scenario's real
rates for a bounded time:

- traffic: every loop every 30 s, from gateways of 100 loops each, staggered over the 30 s;
- micro-stations: every 5 minutes, from gateways of 100; air stations hourly (one every 3600/N s);
- health facilities: every 15 minutes, from gateways of 30.

CITY-1: p95 of the publish tick's duration (the Celery worker's own timing) at CITY-100, target <= 1 s.
CITY-2: p95 of reading accepted (the gateway's 201) → its value on a connected wall (the first wall delta whose
  traffic tile is at least as new as the batch), at CITY-100, target <= 3 s.
CITY-3: tick p95 at CITY-100 ÷ at CITY-10, target <= 10 (cost no worse than linear in the city's size).
CITY-4: ingest capacity (rows/s posted as fast as four gateways can, after the steady phase) ÷ the scenario's
  arrival rate, at CITY-100, target >= 10.
RT-4: resident memory added per idle wall socket (the two uvicorn workers' RSS before and after 400 more sockets),
  target <= 64 KiB.

`python -m bench.city` runs these alone; `make bench` runs them with the rest. Needs PostgreSQL (127.0.0.1:5432,
trust auth) and Redis (127.0.0.1:6379); the databases it makes are dropped at the end.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import Result

ROOT = Path(__file__).resolve().parents[1]
STEADY_SECONDS = int(os.environ.get("CITYOPS_BENCH_STEADY_S", "150"))  # shorter for a trial run
WALLS, VIEWERS = 50, 200
IDLE_SOCKETS = 400
FIELD_KEY = "6Bl0w6i2e4lbbY4mN1Xf4m7Qn8s9y2ZkVfE3x0mJd1Q="
TICK_LINE = re.compile(r"live_tick_task\[[^\]]+\] succeeded in ([0-9.]+)s")


@dataclass
class Feed:
    """A gateway's share of a feed: its devices, the URL, how often each device reports."""

    path: str
    token: str
    devices: list[str]
    every_s: float
    row: Callable[[str, datetime], dict[str, Any]]


def _traffic(code: str, at: datetime) -> dict[str, Any]:
    return {"sensor": code, "observed_at": at.isoformat(), "speed_kmh": 20 + hash((code, at)) % 50, "volume": 12,
            "occupancy": 0.2}  # fmt: skip


def _air(code: str, at: datetime) -> dict[str, Any]:
    mark = at.replace(minute=at.minute - at.minute % 5, second=0, microsecond=0)
    return {"station": code, "observed_at": mark.isoformat(), "pm25": 30 + hash(code) % 40, "pm10": 60}


def _health(code: str, at: datetime) -> dict[str, Any]:
    return {"facility": code, "observed_at": at.replace(microsecond=0).isoformat(), "beds_occupied": 150,
            "icu_occupied": 5, "er_waiting": 3, "er_wait_minutes": 20, "fever_clinic_visits": 10}  # fmt: skip


def gateways(scenario: dict[str, Any]) -> list[Feed]:
    tokens = scenario["tokens"]

    def split(devices: list[str], size: int) -> list[list[str]]:
        return [devices[k : k + size] for k in range(0, len(devices), size)]

    feeds = [
        Feed("/api/v1/traffic/readings", tokens["loops"], group, 30, _traffic)
        for group in split(scenario["loops"], 100)
    ]
    feeds += [
        Feed("/api/v1/environment/readings", tokens["micro"], group, 300, _air)
        for group in split(scenario["micro"], 100)
    ]
    feeds += [Feed("/api/v1/environment/readings", tokens["air"], [code], 3600, _air) for code in scenario["air"]]
    feeds += [Feed("/api/v1/healthcare/snapshots", tokens["his"], group, 900, _health)
              for group in split(scenario["facilities"], 30)]  # fmt: skip
    return feeds


def arrival_rate(scenario: dict[str, Any]) -> float:
    """Rows per second the scenario's devices send."""
    return (len(scenario["loops"]) / 30 + len(scenario["micro"]) / 300 + len(scenario["air"]) / 3600
            + len(scenario["facilities"]) / 900)  # fmt: skip


class Poster:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, address: str) -> None:
        host, port = address.split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)

    def post(self, path: str, token: str, rows: list[dict[str, Any]]) -> int:
        body = json.dumps(rows)
        for attempt in range(3):
            try:
                self.connection.request("POST", path, body=body, headers={
                    "Content-Type": "application/json", "Authorization": f"Bearer {token}"})  # fmt: skip
                response = self.connection.getresponse()
                response.read()
                if response.status == 503 and attempt < 2:  # a gateway tries again when told to
                    time.sleep(float(response.getheader("Retry-After") or 1))
                    continue
                return response.status
            except (OSError, http.client.HTTPException):
                self.connection.close()
        return 0


@dataclass
class Steady:
    """What the steady phase saw."""

    posts: list[tuple[float, datetime, int]] = field(default_factory=list)  # (accepted at, observed_at, status)
    wall: list[tuple[float, datetime]] = field(default_factory=list)  # (received at, traffic tile's time)
    frames: dict[str, int] = field(default_factory=dict)  # what the first wall received, by type


def load(address: str, feeds: list[Feed], seconds: float, steady: Steady) -> None:
    """Post each gateway's batch on its own schedule (staggered by its index) until `seconds` have passed."""
    start = time.monotonic()
    schedule = sorted(((start + (k * 0.618 % 1.0) * feed.every_s, k) for k, feed in enumerate(feeds)))
    lock = threading.Lock()

    def worker(queue: list[tuple[float, int]]) -> None:
        poster = Poster(address)
        while True:
            with lock:
                if not queue:
                    return
                due, k = queue.pop(0)
            if due > start + seconds:
                return
            time.sleep(max(0.0, due - time.monotonic()))
            feed = feeds[k]
            now = datetime.now(UTC)
            status = poster.post(feed.path, feed.token, [feed.row(code, now) for code in feed.devices])
            if feed.path.endswith("traffic/readings"):
                steady.posts.append((time.monotonic(), now, status))
            with lock:
                queue.append((due + feed.every_s, k))
                queue.sort()

    queue = list(schedule)
    threads = [threading.Thread(target=worker, args=(queue,)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


async def watch(address: str, cookie: str, top: str, streets: list[str], steady: Steady, stop: asyncio.Event) -> None:
    """50 walls and 200 region viewers; the walls note when a traffic tile arrives and how new it is."""
    import websockets

    async def screen(stream: str, code: str, wall: bool) -> None:
        headers = {"Cookie": cookie, "Origin": f"http://{address}"}
        async with websockets.connect(f"ws://{address}/ws/live/", additional_headers=headers, max_queue=None) as ws:
            await ws.send(json.dumps({"type": "subscribe", "stream": stream, "params": {"code": code}}))
            while not stop.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=1))
                except TimeoutError:
                    continue
                if wall:
                    kind = f"{message.get('type')}:{','.join(sorted(message.get('data') or {}))}"
                    steady.frames[kind] = steady.frames.get(kind, 0) + 1
                if wall and message.get("type") == "delta":
                    tiles = [t for t in message["data"].get("tiles", []) if t["indicator"] == "traffic.speed"]
                    if tiles and tiles[0]["at"]:
                        steady.wall.append((time.monotonic(), datetime.fromisoformat(tiles[0]["at"])))

    tasks = [asyncio.create_task(screen("wall", top, k == 0)) for k in range(WALLS)]
    tasks += [asyncio.create_task(screen("region", streets[k % len(streets)], False)) for k in range(VIEWERS)]
    await stop.wait()
    await asyncio.gather(*tasks, return_exceptions=True)


def latencies(steady: Steady) -> list[float]:
    """For each accepted traffic batch, seconds until a wall delta carried a traffic tile at least as new."""
    found = []
    for accepted_at, observed_at, status in steady.posts:
        if status != 201:
            continue
        later = next(
            (t for t, at in steady.wall if t >= accepted_at and at >= observed_at.replace(microsecond=0)), None
        )
        if later is not None:
            found.append(later - accepted_at)
    return found


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(0.95 * len(ordered)) - 1))] if ordered else math.inf


def capacity(address: str, scenario: dict[str, Any]) -> float:
    """Rows per second four gateways get in when they post 5,000-row traffic batches back to back."""
    loops, token = scenario["loops"][:5000], scenario["tokens"]["loops"]
    batches = 12
    rows_sent = [0]

    def gateway(n: int) -> None:
        poster = Poster(address)
        for b in range(n, batches, 4):
            at = datetime(2026, 1, 1, tzinfo=UTC).replace(second=b % 60, minute=b // 60)
            if poster.post("/api/v1/traffic/readings", token, [_traffic(code, at) for code in loops]) == 201:
                rows_sent[0] += len(loops)

    started = time.perf_counter()
    threads = [threading.Thread(target=gateway, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rows_sent[0] / (time.perf_counter() - started)


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def idle_memory(address: str, cookie: str, top: str, server_pids: list[int]) -> float:
    """KiB of resident memory a fresh server's processes gain per idle wall socket (IDLE_SOCKETS of them, each
    subscribed and past its snapshot), after one socket per worker has warmed the code paths up."""
    import websockets

    async def connect() -> Any:
        ws = await websockets.connect(f"ws://{address}/ws/live/", additional_headers={
            "Cookie": cookie, "Origin": f"http://{address}"})  # fmt: skip
        await ws.send(json.dumps({"type": "subscribe", "stream": "wall", "params": {"code": top}}))
        await ws.recv()
        return ws

    async def run() -> float:
        for ws in [await connect() for _ in range(8)]:  # warm-up: every worker has served a wall once
            await ws.close()
        await asyncio.sleep(2)
        before = rss_kib(server_pids)
        sockets = [await connect() for _ in range(IDLE_SOCKETS)]
        await asyncio.sleep(3)
        after = rss_kib(server_pids)
        for ws in sockets:
            await ws.close()
        return (after - before) / IDLE_SOCKETS

    return asyncio.run(run())


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(p) for p in out.split()]


def one_city(scale: int, *, memory: bool) -> dict[str, Any]:
    """Build the city, run the topology and the steady load; the figures of this scale."""
    from tests.faults.harness import Processes, asgi_server, production_env

    name = f"cityops_bench_city{scale}_{int(time.time())}"
    database = f"postgres://postgres@127.0.0.1:5432/{name}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    logs = Path(tempfile.mkdtemp(prefix=f"cityops-city{scale}-"))
    env = production_env(database_url=database, redis_url="redis://127.0.0.1:6379/12", secret_key="c" * 50,
                         field_keys=[FIELD_KEY])  # fmt: skip
    env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/11"
    processes = Processes()
    try:
        flush = "import redis; redis.Redis(db=12).flushdb(); redis.Redis(db=11).flushdb()"
        subprocess.run([sys.executable, "-c", flush], check=True)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        built = time.perf_counter()
        made = subprocess.run([sys.executable, "-m", "bench.city_scenario", str(scale)], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True)  # fmt: skip
        scenario = json.loads(made.stdout.splitlines()[-1])
        built = time.perf_counter() - built
        address = asgi_server(processes, env, workers=2, log=logs / "server.log")
        worker_log = logs / "worker.log"
        processes.start([sys.executable, "-m", "celery", "-A", "cityops", "worker", "--loglevel", "INFO",
                         "--concurrency", "2"], env, log=worker_log)  # fmt: skip
        processes.start([sys.executable, "-m", "celery", "-A", "cityops", "beat", "--loglevel", "WARNING",
                         "--schedule", str(logs / "beat-schedule")], env, log=logs / "beat.log")  # fmt: skip
        steady = Steady()
        stop = asyncio.Event()
        loop = asyncio.new_event_loop()
        watcher = threading.Thread(target=loop.run_until_complete, args=(watch(address, scenario["cookie"],
                                   scenario["top"], scenario["streets"], steady, stop),), daemon=True)  # fmt: skip
        watcher.start()
        time.sleep(5)
        tick_lines_before = len(TICK_LINE.findall(worker_log.read_text()))
        load(address, gateways(scenario), STEADY_SECONDS, steady)
        ticks = [float(s) for s in TICK_LINE.findall(worker_log.read_text())[tick_lines_before:]]
        loop.call_soon_threadsafe(stop.set)
        watcher.join(timeout=30)
        statuses = Counter(str(status) for *_rest, status in steady.posts)
        result = {"scale": scale, "built_s": built, "ticks": ticks, "latencies": latencies(steady),
                  "frames": steady.frames, "statuses": dict(statuses), "posts": len(steady.posts),
                  "arrival": arrival_rate(scenario)}  # fmt: skip
        result["capacity"] = capacity(address, scenario) if scale == 100 else None
        if memory:  # on a server of its own that served nothing else yet
            fresh = asgi_server(processes, env, workers=2, log=logs / "memory-server.log")
            pids = children(processes.started[-1].pid)
            result["rt4_kib"] = idle_memory(fresh, scenario["cookie"], scenario["top"], pids)
        return result
    finally:
        processes.stop_all()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name], check=False)


def _reachable(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def run() -> list[Result]:
    if not (_reachable(5432) and _reachable(6379)):
        print(
            "CITY-1…4, RT-4 skipped: they need PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379",
            file=sys.stderr,
        )
        return []
    small, large = one_city(10, memory=False), one_city(100, memory=True)
    tick10, tick100 = p95(small["ticks"]), p95(large["ticks"])
    reach = p95(large["latencies"])
    growth = tick100 / tick10 if tick10 else math.inf
    ingest = large["capacity"] / large["arrival"]
    median = statistics.median(large["ticks"]) if large["ticks"] else math.inf
    return [
        Result("CITY-1", "publish tick p95 at CITY-100 (s)", tick100, "<= 1", tick100 <= 1,
               f"median {median:.3f} s over {len(large['ticks'])} ticks in {STEADY_SECONDS} s; "
               f"CITY-10 p95 {tick10:.3f} s; city built in {large['built_s']:.0f} s"),
        Result("CITY-2", "reading accepted → value on a wall, p95 at CITY-100 (s)", reach, "<= 3", reach <= 3,
               f"{len(large['latencies'])} of {large['posts']} traffic batches seen on the wall; median "
               f"{statistics.median(large['latencies']) if large['latencies'] else math.inf:.2f} s; "
               f"{WALLS} walls and {VIEWERS} region viewers connected"),
        Result("CITY-3", "tick p95 CITY-100 ÷ CITY-10", growth, "<= 10", growth <= 10,
               f"{tick100:.3f} s ÷ {tick10:.3f} s"),
        Result("CITY-4", "ingest capacity ÷ arrival rate at CITY-100", ingest, ">= 10", ingest >= 10,
               f"{large['capacity']:.0f} rows/s through the API ÷ {large['arrival']:.0f} rows/s arriving"),
        Result("RT-4", "memory per idle wall socket (KiB)", large["rt4_kib"], "<= 64", large["rt4_kib"] <= 64,
               f"{IDLE_SOCKETS} sockets on 2 uvicorn workers, resident memory before and after"),
    ]  # fmt: skip


if __name__ == "__main__":  # `python -m bench.city`: these alone
    for result in run():
        print(result.line())
