"""An AQI episode in the test city's West district, fed through the live spine as the demo's stations feed it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.accounts.services import staff_user_upsert
from apps.indicators.alerting import alerts_evaluate
from apps.indicators.models import Alert
from apps.indicators.services import Observation, indicator_minutes_put, indicator_rollups_settle
from tests.conftest import PASSWORD


def aqi_minutes(region: Any, values: list[float], *, start: Any = None) -> list[Alert]:
    """One AQI observation a minute in the region, ending a minute ago; then the live tick's alert evaluation."""
    now = timezone.now()
    start = start or now - timedelta(minutes=len(values))
    for i, value in enumerate(values):
        at = start + timedelta(minutes=i, seconds=10)
        indicator_minutes_put(observations=[Observation("environment.aqi", region.pk, at, value)])
    keys = indicator_rollups_settle()
    return alerts_evaluate(keys=keys, now=now)


@pytest.fixture
def episode(city: dict[str, Any]) -> Any:
    """West's AQI above 101 for 35 minutes: its threshold alert opens (warning, lightly polluted)."""

    def run(values: list[float] | None = None) -> Alert:
        aqi_minutes(city["W"], values or [130.0] * 35)
        return Alert.objects.get(indicator="environment.aqi", region=city["W"])

    return run


@pytest.fixture
def approvers(cast: dict[str, Any]) -> dict[str, Any]:
    """The command center (whole city), a command-center approver narrowed to East, a health official."""
    east = staff_user_upsert(username="east_command", password=PASSWORD, roles=[Role.COMMAND_CENTER],
                             region_codes=["E"])  # fmt: skip
    health = staff_user_upsert(username="health", password=PASSWORD, roles=[Role.COMMAND_CENTER])
    from django.contrib.auth.models import Permission

    health.user_permissions.add(Permission.objects.get(codename="choose_health_warning"))
    return {**cast, "east_command": east, "health": health}
