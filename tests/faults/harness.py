"""Real services to break: a private Redis and a private PostgreSQL (never the machine's shared ones, which the
rest of the suite uses), the production ASGI server in its own processes, and screens that speak the live
protocol as static/js/lib/live.js does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = (
    next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
    if Path("/usr/lib/postgresql").exists()
    else None
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Any, *, timeout: float, step: float = 0.05, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(step)


class PrivateRedis:
    """A redis-server of our own, stopped hard (SIGKILL: nothing saved, every connection cut) and started again on
    the same port with nothing in it, as a restart of the machine's Redis (which keeps nothing on disk) would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.answers, timeout=10, what="private Redis started")

    def answers(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
        return False

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            assert conn.recv(16).startswith(b"+OK")


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb as the postgres account), restarted with pg_ctl."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="cityops-pg-"))
        shutil.chown(self.dir, "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/cityops"

    def _as_postgres(self, command: str) -> None:
        subprocess.run(["su", "postgres", "-c", command], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        data = self.dir / "data"
        if not data.exists():
            self._as_postgres(f"{PG_BIN}/initdb -D {data} -A trust -U postgres")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(f"{PG_BIN}/pg_ctl -D {data} -o '{options}' -l {self.dir}/log -w start")

    def stop(self) -> None:
        self._as_postgres(f"{PG_BIN}/pg_ctl -D {self.dir / 'data'} -m fast -w stop")

    def create_database(self) -> None:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "cityops"],
                       check=True, capture_output=True, timeout=60)  # fmt: skip

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def production_env(*, database_url: str, redis_url: str, secret_key: str, field_keys: list[str]) -> dict[str, str]:
    """The environment of a production process of CityOps on these services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYOPS_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="cityops.settings", DATABASE_URL=database_url, REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url.rsplit("/", 1)[0] + "/1", SECRET_KEY=secret_key,
        CITYOPS_FIELD_KEYS=",".join(field_keys), ALLOWED_HOSTS="127.0.0.1,localhost", CITYOPS_HTTPS="0",
        CITYOPS_DATA_DIR=tempfile.mkdtemp(prefix="cityops-fault-"), CITYOPS_SIMULATE="0", LOG_LEVEL="WARNING",
    )  # fmt: skip
    env.pop("CELERY_RESULT_BACKEND", None)
    return env


class Processes:
    """Child processes started for one test, stopped (and their whole process group) at the end."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], env: dict[str, str], *, log: Path) -> subprocess.Popen[bytes]:
        with open(log, "wb") as handle:  # the child has its own copy; ours is closed once it started
            process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                       start_new_session=True)  # fmt: skip
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)


def asgi_server(processes: Processes, env: dict[str, str], *, workers: int, log: Path) -> str:
    """The production ASGI server (uvicorn, `workers` processes) on a free port; its address once it answers."""
    port = free_port()
    processes.start([sys.executable, "-m", "uvicorn", "cityops.asgi:application", "--host", "127.0.0.1",
                     "--port", str(port), "--workers", str(workers), "--lifespan", "off", "--no-proxy-headers",
                     "--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--log-level", "warning"],
                    env, log=log)  # fmt: skip

    def up() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
                return response.status in (200, 503)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    wait_until(up, timeout=60, step=0.2, what="ASGI server answering")
    return f"127.0.0.1:{port}"


# A publisher of the live spine: the system beat every quarter second, as the beat schedule's heartbeat and the
# publish tick would, through stream_publish (which must survive the outage itself).
PUBLISHER = """
import time, django
django.setup()
from django.utils import timezone
from cityops.realtime import stream_publish
while True:
    stream_publish(stream="system", params={}, payload={"server_time": timezone.now().isoformat()})
    time.sleep(0.25)
"""


@dataclass
class Screen:
    """A screen speaking the live protocol of static/js/lib/live.js: snapshot, then deltas in order within an
    epoch; a gap, a new epoch or a silent heartbeat stream asks for a snapshot again; a lost socket reconnects
    with backoff. `accepted` holds the monotonic times of the deltas it accepted."""

    address: str
    cookie: str
    stream: str = "system"
    accepted: list[float] = field(default_factory=list)
    snapshots: list[float] = field(default_factory=list)
    reconnects: int = 0
    _seq: int | None = None
    _epoch: str | None = None
    _heartbeat: float | None = None
    _last_accept: float = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        import websockets

        backoff = 1.0
        while not stop.is_set():
            try:
                async with websockets.connect(
                    f"ws://{self.address}/ws/live/", open_timeout=10,
                    additional_headers={"Cookie": self.cookie, "Origin": f"http://{self.address}"},
                ) as socket_:  # fmt: skip
                    backoff = 1.0
                    await self._subscribe(socket_)
                    await self._listen(socket_, stop)
            except (TimeoutError, OSError, websockets.exceptions.WebSocketException):
                pass
            if stop.is_set():
                return
            self.reconnects += 1
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)

    async def _subscribe(self, socket_: Any) -> None:
        self._seq = None
        self._last_accept = time.monotonic()
        await socket_.send(json.dumps({"type": "subscribe", "stream": self.stream, "params": {}}))

    async def _listen(self, socket_: Any, stop: asyncio.Event) -> None:
        silent_since = time.monotonic()
        while not stop.is_set():
            try:
                text = await asyncio.wait_for(socket_.recv(), timeout=1.0)
            except TimeoutError:
                if time.monotonic() - silent_since > 20:  # the link is dead: reconnect
                    return
                await self._watchdog(socket_)
                continue
            silent_since = time.monotonic()
            await self._receive(socket_, json.loads(text))
            await self._watchdog(socket_)

    async def _watchdog(self, socket_: Any) -> None:
        if self._heartbeat and time.monotonic() - self._last_accept > 2 * self._heartbeat:
            await self._subscribe(socket_)

    async def _receive(self, socket_: Any, message: dict[str, Any]) -> None:
        now = time.monotonic()
        if message.get("type") == "snapshot":
            self._seq, self._epoch, self._heartbeat = message["seq"], message["epoch"], message.get("heartbeat")
            self._last_accept = now
            self.snapshots.append(now)
        elif message.get("type") == "delta" and self._seq is not None:
            if message["epoch"] != self._epoch or message["seq"] > self._seq + 1:
                await self._subscribe(socket_)
            elif message["seq"] > self._seq:
                self._seq, self._last_accept = message["seq"], now
                self.accepted.append(now)

    def first_accepted_after(self, moment: float) -> float | None:
        return next((t for t in self.accepted if t > moment), None)


@contextlib.contextmanager
def screens_running(screens: list[Screen]) -> Iterator[None]:
    """The screens run on an event loop in a thread of their own while the body breaks things."""
    import threading

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        await asyncio.gather(*(screen.run(stop) for screen in screens))

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
