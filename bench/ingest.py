"""ING-1 / ING-2: rows per second through the readings API on a real server ÷ the database's own bulk
path for the same rows into the same table, measured in the same run.

ING-2 (SQLite): reference `sqlite3.executemany`. ING-1 (PostgreSQL, when it answers): reference psycopg
binary COPY. Both references write bare rows; the API also validates every row, rejects nothing here,
keeps re-sends idempotent and feeds the live spine (indicators, sensor health) — that is the price.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.harness import Result

ROOT = Path(__file__).resolve().parents[1]
BATCH = 5000
# 16 batches (80,000 rows, about a second through the API): with 4 (0.2 s) a single stall of the SQLite file
# (a WAL checkpoint) landing inside the timed window moved the figure by a quarter from run to run.
BATCHES = 16


def _rows(sensors: list[str], start: datetime, count: int) -> list[dict[str, object]]:
    rows = []
    for i in range(count):
        sensor = sensors[i % len(sensors)]
        at = start + timedelta(minutes=i // len(sensors))
        rows.append(
            {
                "sensor": sensor,
                "observed_at": at.isoformat(),
                "speed_kmh": 30.0 + i % 40,
                "volume": i % 50,
                "occupancy": float(i % 90),
            }
        )
    return rows


def _post(port: int, token: str, body: bytes) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/traffic/readings",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310  (loopback only)
        return json.loads(response.read())


def _wait_for_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("ingest server is not listening")


def _api_rate(env: dict[str, str]) -> tuple[float, str]:
    server = subprocess.Popen([sys.executable, "-m", "bench.ingest_server"], cwd=ROOT, env={**os.environ, **env},
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = server.stdout.readline().split()
        if not line or line[0] != "READY":
            raise RuntimeError("ingest server did not start")
        port, token = int(line[1]), line[2]
        _wait_for_port(port)
        sensors = [f"L-R{r:02d}-{n}" for r in range(1, 10) for n in (1, 2, 3)] + [
            f"L-H{r:02d}-{n}" for r in range(1, 10) for n in (1, 2, 3)
        ]
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=3)
        _post(port, token, json.dumps(_rows(sensors, start - timedelta(days=1), 500)).encode())  # warm-up
        # Bodies are encoded before the clock starts, as the reference's rows are built before its clock.
        bodies = [json.dumps(_rows(sensors, start + timedelta(hours=3 * b), BATCH)).encode() for b in range(BATCHES)]
        begun = time.perf_counter()
        for body in bodies:
            result = _post(port, token, body)
            assert result == {"accepted": BATCH, "duplicates": 0}, result
        rate = BATCHES * BATCH / (time.perf_counter() - begun)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rate, ""


def _sqlite_reference() -> float:
    """executemany into a traffic_trafficreading table of a fresh migrated database (same schema)."""
    import tempfile

    data = tempfile.mkdtemp(prefix="cityops-ingref-")
    env = {**os.environ, "CITYOPS_DATA_DIR": data, "DJANGO_SETTINGS_MODULE": "cityops.settings"}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    connection = sqlite3.connect(Path(data) / "cityops.sqlite3")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    stamp = ("2026-01-01", "2026-01-01")
    connection.execute(
        "INSERT INTO indicators_datasource (created_at, updated_at, code, name_zh, name_en, domain, "
        "expected_interval_s, flatline_after_s) VALUES (?, ?, 's', 's', 's', 'traffic', 60, 1800)",
        stamp,
    )
    connection.execute(
        "INSERT INTO traffic_roadsegment (created_at, updated_at, code, name_zh, name_en, road_class, "
        "free_flow_kmh, geometry) VALUES (?, ?, 'S', 'S', 'S', 'arterial', 60, '{}')",
        stamp,
    )
    connection.executemany(
        "INSERT INTO traffic_trafficsensor (created_at, updated_at, code, kind, lon, lat, segment_id, source_id) "
        "VALUES (?, ?, ?, 'loop', 0, 0, 1, 1)",
        [(*stamp, f"s{n}") for n in range(54)],
    )
    connection.commit()
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def row(b: int, i: int) -> tuple[object, ...]:
        at = (start + timedelta(hours=3 * b, minutes=i // 54)).strftime("%Y-%m-%d %H:%M:%S")
        return (1 + i % 54, at, 30.0 + i % 40, i % 50, float(i % 90))

    batches = [[row(b, i) for i in range(BATCH)] for b in range(BATCHES)]
    sql = (
        "INSERT INTO traffic_trafficreading (sensor_id, observed_at, speed_kmh, volume, occupancy) "
        "VALUES (?, ?, ?, ?, ?)"
    )
    begun = time.perf_counter()
    for rows in batches:
        connection.executemany(sql, rows)
        connection.commit()
    return BATCHES * BATCH / (time.perf_counter() - begun)


def _postgres_up() -> bool:
    try:
        import psycopg

        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
        return True
    except Exception:
        return False


def _production_env() -> dict[str, str]:
    """Settings of a deployed server (DEBUG off: no query log, no debug pages)."""
    from cryptography.fernet import Fernet

    return {
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CITYOPS_FIELD_KEYS": Fernet.generate_key().decode(),
        "SECURE_SSL_REDIRECT": "0",
    }


def _postgres_env() -> tuple[dict[str, str], str]:
    """A fresh database and the production-mode settings the server needs for it."""
    import psycopg

    name = f"cityops_bench_{os.getpid()}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return {**_production_env(), "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}"}, name


def _postgres_reference(name: str) -> float:
    """Binary COPY of the same number of rows into the same table (fresh timestamps, same sensors)."""
    import psycopg

    from apps.ingest.partitions import partition_create_sql

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}") as connection:
        sensor_ids = [row[0] for row in connection.execute("SELECT id FROM traffic_trafficsensor ORDER BY id")]
        start = datetime(2025, 1, 1, tzinfo=UTC)
        connection.execute(partition_create_sql("traffic_trafficreading", start.date()))  # the rows' month
        connection.commit()

        def row(b: int, i: int) -> tuple[object, ...]:
            at = start + timedelta(hours=3 * b, minutes=i // len(sensor_ids))
            return (sensor_ids[i % len(sensor_ids)], at, 30.0 + i % 40, i % 50, float(i % 90))

        batches = [[row(b, i) for i in range(BATCH)] for b in range(BATCHES)]
        sql = (
            "COPY traffic_trafficreading (sensor_id, observed_at, speed_kmh, volume, occupancy) "
            "FROM STDIN (FORMAT BINARY)"
        )
        begun = time.perf_counter()
        for rows in batches:
            with connection.cursor() as cursor, cursor.copy(sql) as copy:
                copy.set_types(["int8", "timestamptz", "float8", "int4", "float8"])
                for values in rows:
                    copy.write_row(values)
            connection.commit()
        return BATCHES * BATCH / (time.perf_counter() - begun)


def _postgres_drop(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run() -> list[Result]:
    api, _ = _api_rate({**_production_env(), "DATABASE_URL": ""})
    reference = _sqlite_reference()
    ratio = api / reference
    detail = f"SQLite: {api:,.0f} rows/s through the API vs {reference:,.0f} rows/s executemany"
    results = [Result("ING-2", "readings API ÷ sqlite3.executemany", ratio, ">= 0.4", ratio >= 0.4, detail)]
    if _postgres_up():
        env, name = _postgres_env()
        api, _ = _api_rate(env)
        reference = _postgres_reference(name)
        _postgres_drop(name)
        ratio = api / reference
        detail = f"PostgreSQL: {api:,.0f} rows/s through the API vs {reference:,.0f} rows/s binary COPY"
        results.append(Result("ING-1", "readings API ÷ psycopg binary COPY", ratio, ">= 0.5", ratio >= 0.5, detail))
    return results
