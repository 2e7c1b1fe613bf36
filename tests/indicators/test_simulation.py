"""The demo simulator framework: due simulators step once per interval, failures are isolated."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache

from apps.core.simulation import Simulator, simulation_active, simulator_registry, simulators_run

T0 = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)


@pytest.fixture
def sims(settings, monkeypatch) -> Iterator[Any]:
    """add(name, every_s, step): a simulator registered for one test, alone (the apps' own simulators are set
    aside); the cache is clean before and after."""
    settings.CITYOPS_SIMULATE = True
    cache.clear()

    def add(name: str, every_s: float, step: Any) -> None:
        simulator_registry.register(Simulator(name=name, every=timedelta(seconds=every_s), step=step))

    try:
        with simulator_registry.override(replace=True):
            yield add
    finally:
        cache.clear()


def recorder(calls: list[datetime], produced: int = 3) -> Any:
    def step(now: datetime) -> int:
        calls.append(now)
        return produced

    return step


def test_a_simulator_runs_once_per_interval(sims):
    # given a simulator that steps every 10 seconds
    calls: list[datetime] = []
    sims("traffic", 10, recorder(calls))

    # when run at T0, 5 s later, 10 s later and 15 s later
    results = [simulators_run(now=T0 + timedelta(seconds=s)) for s in (0, 5, 10, 15)]

    # then it ran at T0 and T0 + 10 s only
    assert calls == [T0, T0 + timedelta(seconds=10)]
    assert results == [{"traffic": 3}, {}, {"traffic": 3}, {}]


def test_simulators_keep_their_own_intervals(sims):
    # given a fast and a slow simulator
    fast: list[datetime] = []
    slow: list[datetime] = []
    sims("fast", 2, recorder(fast, 1))
    sims("slow", 60, recorder(slow, 5))

    # when
    results = [simulators_run(now=T0 + timedelta(seconds=s)) for s in (0, 2, 4)]

    # then
    assert results == [{"fast": 1, "slow": 5}, {"fast": 1}, {"fast": 1}]
    assert (len(fast), slow) == (3, [T0])


def test_a_failing_simulator_is_logged_and_the_others_still_run(sims, caplog):
    # given a broken simulator sorted before a working one
    calls: list[datetime] = []

    def broken(now: datetime) -> int:
        raise RuntimeError("sensor model diverged")

    sims("a-broken", 10, broken)
    sims("b-working", 10, recorder(calls))

    # when
    with caplog.at_level(logging.ERROR, logger="apps.core.simulation"):
        result = simulators_run(now=T0)

    # then
    assert result == {"b-working": 3}
    assert calls == [T0]
    [record] = [r for r in caplog.records if r.name == "apps.core.simulation"]
    assert record.getMessage() == "simulator a-broken failed"
    assert record.exc_info[0] is RuntimeError


def test_nothing_runs_when_simulation_is_off(sims, settings):
    # given a registered simulator, with simulation switched off
    calls: list[datetime] = []
    sims("traffic", 10, recorder(calls))
    settings.CITYOPS_SIMULATE = False

    # when
    result = simulators_run(now=T0)

    # then nothing ran and nothing was remembered: switching on runs it at once
    assert result == {}
    assert calls == []
    assert simulation_active() is False
    settings.CITYOPS_SIMULATE = True
    assert simulators_run(now=T0 + timedelta(seconds=1)) == {"traffic": 3}


def test_simulation_is_active_only_with_the_setting_and_a_simulator(sims, settings):
    # given no simulator
    assert simulation_active() is False

    # when one is registered
    sims("traffic", 10, recorder([]))

    # then
    assert simulation_active() is True
