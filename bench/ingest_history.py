"""ING-3: ingest rate with 50 million raw traffic readings stored ÷ the rate on an empty table, on PostgreSQL.

Two private databases, each migrated and seeded with the demo city by a worker process of its own. The "full"
one then gets HISTORY_ROWS readings of the demo's 54 loops, spread evenly over the retention period up to two days
ago (a reading every ~37 s per loop, time order). Generating them is not ingest, so it takes the fastest way
in: per month, `INSERT … SELECT generate_series` into a bare table, its keys and index built once, then
attached as that month's partition (each partition exactly as the migration's would be); two connections,
one month each at a time.

Then both workers ingest the same fresh readings (the last two days) through the traffic feed's ingest service
— what POST /api/v1/traffic/readings calls: the JSON body checked, the rows COPYed, the minutes marked —
ROUNDS rounds of BATCHES batches of 5,000 rows, alternately, so machine noise hits both alike; the figure is
median rows/s with the history ÷ median rows/s on the empty table. With monthly partitions new readings go
to the current month, whose indexes are a month's size however long the history is.

Run alone: `python -m bench.ingest_history` (about 4 minutes; set ING3_ROWS for a smaller history).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from queue import Empty, Queue
from typing import Any

from bench.harness import Result

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HISTORY_ROWS = int(os.environ.get("ING3_ROWS", 50_000_000))
BATCH = 5000
BATCHES = 8  # per round: 40,000 rows, about half a second
ROUNDS = 9
LOADERS = 2  # connections generating the history at once (this machine has two cores)
TABLE = "traffic_trafficreading"


def run() -> list[Result]:
    if not _postgres_up():
        print("ING-3  skipped: PostgreSQL does not answer on 127.0.0.1:5432 (user postgres, trust)")
        return []
    names = {kind: f"cityops_ing3_{kind}_{os.getpid()}" for kind in ("empty", "full")}
    workers: dict[str, subprocess.Popen] = {}
    try:
        for kind, name in names.items():
            _database_create(name)
            workers[kind] = _worker_start(name)
        ready = {kind: _answer(worker) for kind, worker in workers.items()}
        began = time.perf_counter()
        _history_generate(names["full"], sensors=ready["full"]["sensors"], end=_fresh_start())
        generated = time.perf_counter() - began
        starts = _series_starts()
        stored = {series: _partition_rows(names["full"], start) for series, start in starts.items()}
        rates = _measure(workers, starts)
    finally:
        for worker in workers.values():
            _stop(worker)
        for name in names.values():
            _database_drop(name)
    median = {key: statistics.median(values) for key, values in rates.items()}
    ratio = median["full", "now"] / median["empty", "now"]
    late = median["full", "late"] / median["empty", "late"]
    detail = (
        f"{median['full', 'now']:,.0f} rows/s with {HISTORY_ROWS:,} readings stored (this month's partition "
        f"{stored['now']:,} of them) vs {median['empty', 'now']:,.0f} on an empty table; a backlog into last "
        f"month's partition ({stored['late']:,} rows) {late:.3f}; median of {ROUNDS} rounds of {BATCHES * BATCH:,} "
        f"rows through the ingest service; history generated in {generated:.0f} s"
    )
    return [Result("ING-3", "ingest with 50M rows stored ÷ on an empty table", ratio, ">= 0.9", ratio >= 0.9, detail)]


# --- The databases and the workers -----------------------------------------------------------------------


def _postgres_up() -> bool:
    try:
        import psycopg

        psycopg.connect(ADMIN_URL, connect_timeout=2).close()
        return True
    except Exception:
        return False


def _database_create(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _database_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _worker_start(name: str) -> subprocess.Popen:
    from bench.ingest import _production_env

    env = {**os.environ, **_production_env(), "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}"}
    command = [sys.executable, "-m", "bench.ingest_history", "worker"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _answer(worker: subprocess.Popen) -> dict[str, Any]:
    line = worker.stdout.readline() if worker.stdout else ""
    if not line:
        raise RuntimeError(f"ING-3 worker ended (exit {worker.wait()})")
    return json.loads(line)


def _ask(worker: subprocess.Popen, command: dict[str, Any]) -> dict[str, Any]:
    assert worker.stdin is not None
    worker.stdin.write(json.dumps(command) + "\n")
    worker.stdin.flush()
    return _answer(worker)


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        worker.wait(timeout=30)


def _fresh_start() -> datetime:
    """Where the measured readings begin (and the history ends): two days ago, on the minute."""
    return datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=2)


def _series_starts() -> dict[str, datetime]:
    """Where each series of measured readings begins: "now" where the history ends, as a live feed sends;
    "late" on the 10th of last month, a backlog into a month whose partition the history filled (a fraction of
    a second off every instant the history has, so no reading is already stored)."""
    from apps.ingest.partitions import month_bounds, month_of

    this_month, _end = month_bounds(month_of(datetime.now(UTC)))
    last_month, _end = month_bounds(month_of(this_month - timedelta(days=1)))
    return {"now": _fresh_start(), "late": last_month + timedelta(days=10, microseconds=123_457)}


def _measure(workers: dict[str, subprocess.Popen], starts: dict[str, datetime]) -> dict[tuple[str, str], list[float]]:
    """A warm-up round, then ROUNDS rounds, each series on both databases in turn (the same readings for both).
    {(database, series): rows/s of each round}."""
    rates: dict[tuple[str, str], list[float]] = {(kind, series): [] for kind in workers for series in starts}
    for number in range(ROUNDS + 1):
        order = list(workers) if number % 2 else list(reversed(workers))
        for series, start in starts.items():
            for kind in order:
                answer = _ask(workers[kind], {"start": start.isoformat(), "round": number})
                if number:  # round 0 warms caches and connections up (and makes last month's partition when empty)
                    rates[kind, series].append(answer["rate"])
    return rates


# --- The history: monthly partitions generated, indexed, attached ---------------------------------------


def _history_generate(name: str, *, sensors: list[int], end: datetime) -> None:
    """HISTORY_ROWS readings of `sensors` over the retention period up to `end`, one partition per UTC month."""
    from django.conf import settings

    start = end - timedelta(days=settings.CITYOPS_RAW_RETENTION_DAYS - 1)
    slots = HISTORY_ROWS // len(sensors)  # readings per sensor
    step = (end - start) / slots
    months: Queue[date] = Queue()
    for month in _months(start, end):
        months.put(month)
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    _empty_partitions_drop(url, list(months.queue))
    errors: list[BaseException] = []

    def load() -> None:
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("SET synchronous_commit = off")
            connection.execute("SET maintenance_work_mem = '256MB'")
            while not errors:
                try:
                    month = months.get_nowait()
                except Empty:
                    return
                try:
                    _month_generate(connection, month, sensors=sensors, start=start, step=step, slots=slots)
                except BaseException as exc:
                    errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(LOADERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    _history_finish(url, total=slots * len(sensors))


def _empty_partitions_drop(url: str, months: list[date]) -> None:
    """The (empty) partitions the migration made ahead for months the history fills: the history's replace them."""
    import psycopg

    from apps.ingest.partitions import partition_name, quote

    with psycopg.connect(url, autocommit=True) as connection:
        for month in months:
            connection.execute(f"DROP TABLE IF EXISTS {quote(partition_name(TABLE, month))}")


def _months(start: datetime, end: datetime) -> list[date]:
    from apps.ingest.partitions import month_of, months_from

    return months_from(month_of(start), month_of(end - timedelta(microseconds=1)))


def _month_generate(
    connection: Any, month: date, *, sensors: list[int], start: datetime, step: timedelta, slots: int
) -> None:
    """One month's readings into a bare table, its keys and index built, then attached as the month's partition
    (each step its own transaction: the parent table is locked only for the short ATTACH)."""
    from apps.ingest.partitions import month_bounds, partition_name, quote

    low, high = month_bounds(month)
    first = max(0, -(-(low - start) // step))  # the first slot at or after the month's start
    last = min(slots, -(-(high - start) // step))
    name, q = partition_name(TABLE, month), quote
    bounds = f"FROM ('{low.isoformat()}') TO ('{high.isoformat()}')"
    connection.execute(f"CREATE TABLE {q(name)} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    connection.execute(
        f"INSERT INTO {q(name)} (id, sensor_id, observed_at, speed_kmh, volume, occupancy) "  # noqa: S608
        "SELECT t * %(n)s + s.k, s.sensor, %(start)s + t * %(step)s, 20 + (t + s.k) %% 60, (t + s.k) %% 40, "
        "((t * 7 + s.k) %% 90)::float8 FROM generate_series(%(first)s::bigint, %(last)s::bigint - 1) AS t, "
        "unnest(%(sensors)s::bigint[]) WITH ORDINALITY AS s(sensor, k)",
        {"n": len(sensors), "start": start, "step": step, "first": first, "last": last, "sensors": sensors},
    )
    # The bounds as a CHECK spare ATTACH a scan of the rows; the keys and index as the parent's are attached to
    # its own rather than built again.
    connection.execute(
        f"ALTER TABLE {q(name)} ADD CONSTRAINT {q(name + '_bounds')} "
        f"CHECK (observed_at >= '{low.isoformat()}' AND observed_at < '{high.isoformat()}')"
    )
    connection.execute(f"ALTER TABLE {q(name)} ADD PRIMARY KEY (id, observed_at)")
    connection.execute(f"ALTER TABLE {q(name)} ADD UNIQUE (sensor_id, observed_at)")
    connection.execute(f"CREATE INDEX ON {q(name)} (sensor_id)")
    with connection.transaction():
        connection.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {q(name)} FOR VALUES {bounds}")
        connection.execute(f"ALTER TABLE {q(name)} DROP CONSTRAINT {q(name + '_bounds')}")


def _history_finish(url: str, *, total: int) -> None:
    """Ids go on after the history's; statistics as autovacuum would leave them; dirty pages written out."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), %s)", [total + 1_000_000])
        connection.execute(f"ANALYZE {TABLE}")
        connection.execute("CHECKPOINT")


def _partition_rows(name: str, moment: datetime) -> int:
    """Rows in the partition of `moment`'s month."""
    import psycopg

    from apps.ingest.partitions import month_of, partition_name, quote

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}") as connection:
        partition = quote(partition_name(TABLE, month_of(moment)))
        return int(connection.execute(f"SELECT count(*) FROM {partition}").fetchone()[0])  # noqa: S608


# --- The worker: one database, the real ingest service ---------------------------------------------------


def worker() -> None:
    """Migrate, seed the demo city, answer {"sensors"}; then for each {"start", "round"} on stdin ingest that
    round's batches and answer {"rate"} (rows/s)."""
    import io
    import tempfile

    os.environ["CITYOPS_DATA_DIR"] = tempfile.mkdtemp(prefix="cityops-ing3-")
    os.environ.update(CITYOPS_EMBEDDED_SCHEDULER="0", CITYOPS_SIMULATE="0", DJANGO_SETTINGS_MODULE="cityops.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from apps.indicators.models import DataSource
    from apps.traffic.models import TrafficSensor
    from apps.traffic.services import traffic_readings_ingest

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    source = DataSource.objects.get(code="traffic-police-loops")
    sensors = list(TrafficSensor.objects.filter(source=source).order_by("id").values_list("id", "code"))
    print(json.dumps({"sensors": [pk for pk, _code in sensors]}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        start = datetime.fromisoformat(command["start"])
        bodies = _round_bodies([code for _pk, code in sensors], start, command["round"])
        began = time.perf_counter()
        for body in bodies:
            result = traffic_readings_ingest(source=source, body=body)
            assert result == {"accepted": BATCH, "duplicates": 0}, result
        print(json.dumps({"rate": len(bodies) * BATCH / (time.perf_counter() - began)}), flush=True)


def _round_bodies(codes: list[str], start: datetime, number: int) -> list[bytes]:
    """The round's batches as JSON bodies, a reading per loop every second from the round's own start."""
    first = start + timedelta(seconds=number * BATCHES * BATCH // len(codes) + number)
    rows = [
        {
            "sensor": codes[i % len(codes)],
            "observed_at": (first + timedelta(seconds=i // len(codes))).isoformat(),
            "speed_kmh": 30.0 + i % 40,
            "volume": i % 50,
            "occupancy": float(i % 90),
        }
        for i in range(BATCHES * BATCH)
    ]
    return [json.dumps(rows[b * BATCH : (b + 1) * BATCH]).encode() for b in range(BATCHES)]


if __name__ == "__main__":
    if sys.argv[1:] == ["worker"]:
        worker()
    else:  # alone: Django only for its settings and the partition helpers
        import tempfile

        os.environ.update(CITYOPS_DATA_DIR=tempfile.mkdtemp(prefix="cityops-ing3-"), CITYOPS_EMBEDDED_SCHEDULER="0")
        os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "cityops.settings"
        import django

        django.setup()
        for result in run():
            print(result.line())
