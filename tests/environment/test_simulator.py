"""The simulated episode builds in one district, reaches its neighbours later and weaker, then clears."""

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from apps.environment.simulator import episode

SHANGHAI = ZoneInfo("Asia/Shanghai")
HERE = SimpleNamespace(lon=118.0, lat=32.0, kind="air")
NEAR = SimpleNamespace(lon=118.06, lat=32.0, kind="air")  # 0.06° away: two hours later, e⁻¹ as strong


def test_an_episode_builds_reaches_farther_stations_later_and_weaker_then_clears():
    stations = [HERE]  # the only air station, so every episode starts here
    day = next(  # a day with an episode, after a clean day
        datetime(2026, month, d, tzinfo=SHANGHAI)
        for month in range(1, 13)
        for d in range(2, 29)
        if max(episode(HERE, stations, datetime(2026, month, d, h, tzinfo=SHANGHAI)) for h in range(10, 24)) > 0
        and all(episode(HERE, stations, datetime(2026, month, d, h, tzinfo=SHANGHAI)) == 0 for h in range(10))
    )
    times = [day + timedelta(minutes=30 * k) for k in range(72)]  # 36 hours from that midnight
    here = [episode(HERE, stations, t) for t in times]
    near = [episode(NEAR, stations, t) for t in times]

    onset_here = next(i for i, v in enumerate(here) if v > 0)
    onset_near = next(i for i, v in enumerate(near) if v > 0)
    assert max(here) > 100  # heavy where it starts
    assert onset_near > onset_here  # later farther away
    assert max(near) < max(here)  # and weaker
    assert here[times.index(day + timedelta(hours=33))] == 0  # cleared by the next morning (no jump at midnight)
    midnight = times.index(day + timedelta(hours=24))
    assert abs(here[midnight] - here[midnight - 1]) < 25
