"""FAULT-1…3: how the production topology recovers, measured on private services that are broken on purpose.

The server runs as in production (uvicorn, 2 workers, channels-redis) on a private PostgreSQL cluster and a private
Redis (tests/faults/harness.py), with a publisher sending the system beat every 0.25 s.

FAULT-1: Redis killed (everything in it lost) for 5 s under 100 open screens: seconds from Redis back to each
  screen's first accepted delta — median (target <= 10) and slowest (target <= 20).
FAULT-2: Redis flushed under 100 screens: seconds to the slowest screen's first accepted delta (<= one heartbeat, 5).
FAULT-3: PostgreSQL stopped for 2 s while a gateway posts batches: the answers during the outage (every one a JSON
  503 with Retry-After, no 500), and seconds from PostgreSQL back to the first batch stored (target <= 5).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import Result

SCREENS = 100
SESSION = """
import django
django.setup()
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from apps.accounts.services import roles_ensure, staff_user_upsert
roles_ensure()
user = staff_user_upsert(username="wall", password="a-long-enough-password", roles=["command_center"])
session = SessionStore()
session.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash()})
session.create()
print(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
"""


def run() -> list[Result]:
    from tests.faults.harness import PG_BIN

    if PG_BIN is None or not shutil.which("redis-server"):
        print("FAULT-1…3 skipped: they need Debian's postgresql and redis-server binaries", file=sys.stderr)
        return []
    return _measured()


def _measured() -> list[Result]:
    import subprocess
    import tempfile
    from pathlib import Path

    from tests.faults.harness import (
        PUBLISHER,
        ROOT,
        PrivatePostgres,
        PrivateRedis,
        Processes,
        Screen,
        asgi_server,
        production_env,
        screens_running,
        wait_until,
    )
    from tests.faults.test_data_faults import FIELD_KEY, SETUP, _batch, _post

    logs = Path(tempfile.mkdtemp(prefix="cityops-bench-faults-"))
    postgres, redis, processes = PrivatePostgres(), PrivateRedis(), Processes()
    postgres.start()
    redis.start()
    try:
        postgres.create_database()
        env = production_env(database_url=postgres.url, redis_url=redis.url, secret_key="b" * 50,
                             field_keys=[FIELD_KEY])  # fmt: skip

        def python(*args: str) -> str:
            done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=300, check=True)  # fmt: skip
            return (done.stdout.strip().splitlines() or [""])[-1]

        python("manage.py", "migrate", "--noinput", "-v", "0")
        cookie, token = python("-c", SESSION), python("-c", SETUP)
        address = asgi_server(processes, env, workers=2, log=logs / "server.log")
        processes.start([sys.executable, "-c", PUBLISHER], env, log=logs / "publisher.log")
        screens = [Screen(address, cookie) for _ in range(SCREENS)]
        with screens_running(screens):
            wait_until(lambda: all(s.accepted for s in screens), timeout=120, what="screens live")
            redis.kill()
            time.sleep(5)
            redis.start()
            back = time.monotonic()
            wait_until(lambda: all(s.first_accepted_after(back) for s in screens), timeout=60, what="live again")
            restart = sorted(s.first_accepted_after(back) - back for s in screens)
            time.sleep(3)
            redis.flush()
            flushed = time.monotonic()
            wait_until(lambda: all(s.first_accepted_after(flushed + 0.5) for s in screens), timeout=60,
                       what="live after the flush")  # fmt: skip
            flush = sorted(s.first_accepted_after(flushed + 0.5) - flushed for s in screens)
        answers, recovery = _postgres_restart(address, token, postgres, _batch, _post)
    finally:
        processes.stop_all()
        redis.kill()
        postgres.remove()
    return _results(restart, flush, answers, recovery)


def _postgres_restart(address: str, token: str, postgres: Any, batch: Any, post: Any) -> tuple[list[Any], float]:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    answers: list[tuple[float, int, str, str]] = []
    stop = threading.Event()

    def gateway() -> None:
        number = 0
        while not stop.is_set():
            status, headers, body = post(address, token, batch(number, start))
            answers.append((time.monotonic(), status, headers.get("Content-Type", ""), headers.get("Retry-After", "")))
            number += 1

    thread = threading.Thread(target=gateway)
    thread.start()
    time.sleep(2)
    postgres.stop()
    time.sleep(2)
    postgres.start()
    back = time.monotonic()
    time.sleep(6)
    stop.set()
    thread.join(timeout=60)
    first_stored = next((at for at, status, _t, _r in answers if at > back and status == 201), None)
    recovery = (first_stored - back) if first_stored else float("inf")
    return [(status, kind, retry) for _at, status, kind, retry in answers], recovery


def _results(restart: list[float], flush: list[float], answers: list[tuple[int, str, str]],
             recovery: float) -> list[Result]:  # fmt: skip
    median = statistics.median(restart)
    refused = [a for a in answers if a[0] != 201]
    clean = all(status == 503 and kind == "application/json" and retry == "5" for status, kind, retry in refused)
    return [
        Result("FAULT-1", f"Redis killed 5 s under {SCREENS} screens: median s to a new delta", median, "<= 10",
               median <= 10, f"slowest {restart[-1]:.1f} s (target <= 20), fastest {restart[0]:.1f} s"),
        Result("FAULT-2", f"Redis flushed under {SCREENS} screens: slowest s to a new delta", flush[-1], "<= 5",
               flush[-1] <= 5.5, f"median {statistics.median(flush):.1f} s (heartbeat 5 s)"),
        Result("FAULT-3", "PostgreSQL stopped 2 s under ingest: s from back to a stored batch", recovery, "<= 5",
               recovery <= 5 and clean,
               f"{len(answers)} batches, {len(refused)} refused, all JSON 503 with Retry-After: {clean}; "
               f"statuses {sorted({a[0] for a in answers})}"),
    ]  # fmt: skip


if __name__ == "__main__":  # `python -m bench.faults`: these three alone
    for result in run():
        print(result.line())
