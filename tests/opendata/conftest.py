from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.clock import clock_start


def yesterday() -> date:
    """The local day before the one the test started on."""
    return timezone.localdate(clock_start()) - timedelta(days=1)


def at(hour: int, *, day: date | None = None) -> datetime:
    return timezone.make_aware(datetime.combine(day or yesterday(), time(hour)))


@pytest.fixture
def report(submit: Any) -> Any:
    """report(category, lon, lat, hour=10, **fields): a citizen report made yesterday at that local hour."""
    from apps.grievances.models import Grievance

    def make(category: str = "pothole", lon: float = 118.005, lat: float = 32.01, hour: int = 10, **fields: Any):
        grievance = submit(category, lon=lon, lat=lat, **fields)
        Grievance.objects.filter(pk=grievance.pk).update(created_at=at(hour))
        grievance.refresh_from_db()
        return grievance

    return make


@pytest.fixture
def reports(report: Any) -> list[Any]:
    """With k = 5: 6 potholes in street W1 (released), 3 in street W2 (still 3 in district W: suppressed),
    3 + 2 in two grid cells of district E, which has no streets (5 in district E: released there), and one
    leak in W1 (suppressed). 15 reports, 11 released, 4 suppressed in 2 cells, 5 generalised."""
    made = [report("pothole", 118.005, 32.01, hour=8 + i % 5) for i in range(6)]
    made += [report("pothole", 118.015, 32.01) for _ in range(3)]
    made += [report("pothole", 118.025, 32.005) for _ in range(3)]
    made += [report("pothole", 118.035, 32.015) for _ in range(2)]
    made.append(report("leak", 118.005, 32.01))
    return made
