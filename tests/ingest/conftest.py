"""The feeds' own fixtures, so one test can post to every feed; old readings for the raw data lifecycle."""

from datetime import datetime
from typing import Any

import pytest

from tests.traffic.conftest import network  # noqa: F401  (a fixture: the traffic feed's sensors and tokens)

# Readings of loop L1 at noon UTC on these days, sent in on 2026-10-01 (all within 400 days then).
HISTORY = ["2025-09-15", "2025-10-02", "2025-10-29", "2025-11-05"]


def noon(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00:00+00:00")


def reading(at: str, sensor: str = "L1") -> dict[str, Any]:
    return {"sensor": sensor, "observed_at": at, "speed_kmh": 40.0, "volume": 10, "occupancy": 5.0}


@pytest.fixture
def history(clock: Any, network: Any) -> None:  # noqa: F811  (network: the fixture imported above)
    """HISTORY ingested on 2026-10-01 and folded into the rollups; then the clock is at 2026-12-02 10:00 local,
    when 400 days back is 2025-10-28 02:00 UTC."""
    from apps.indicators.models import DataSource
    from apps.indicators.services import indicator_rollups_settle
    from apps.ingest.feeds import feeds_aggregate
    from apps.traffic.services import traffic_readings_ingest

    clock.move_to("2026-10-01T10:00:00+08:00")
    rows = [reading(f"{day}T12:00:00Z") for day in HISTORY]
    traffic_readings_ingest(source=DataSource.objects.get(code="loops"), rows=rows)
    while feeds_aggregate():
        pass
    indicator_rollups_settle()
    clock.move_to("2026-12-02T10:00:00+08:00")
