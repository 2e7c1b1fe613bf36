"""single_flight: one live tick at a time across worker processes (PostgreSQL advisory locks)."""

import pytest
from django.db import connection

from apps.core.locks import single_flight
from apps.dashboards import services, tasks

pytestmark = pytest.mark.django_db


def other_process_holding(name):
    """A second connection to the same database holding the lock, as another worker's tick would."""
    import psycopg

    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    got = other.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [f"cityops.single:{name}"]).fetchone()[0]
    assert got, "the lock was held already"
    return other


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's: make test-services")
def test_a_tick_while_another_process_ticks_leaves_the_work_to_it(monkeypatch):
    # given another worker's tick in progress
    ran = []
    monkeypatch.setattr(services, "live_tick", lambda: ran.append(1))
    other = other_process_holding("live-tick")

    # when the beat's next tick arrives, and again once the other has ended (its connection gone, as after kill -9)
    tasks.live_tick_task()
    skipped = list(ran)
    other.close()
    tasks.live_tick_task()

    # then the first did nothing and the second ran
    assert skipped == []
    assert ran == [1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's: make test-services")
def test_the_lock_is_released_when_the_run_ends_even_by_an_error():
    def failing_run():
        with single_flight("job"):
            raise RuntimeError("the run failed")

    with pytest.raises(RuntimeError):
        failing_run()
    other = other_process_holding("job")  # it gets the lock at once: nothing was left holding it
    other.close()


def test_without_postgresql_every_run_goes_ahead():
    # SQLite: the embedded scheduler runs one task after another in one process
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's behaviour")
    with single_flight("job") as first, single_flight("job") as second:
        assert (first, second) == (True, True)
