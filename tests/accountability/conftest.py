from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def contest(city: dict[str, Any]) -> Any:
    """contest(text=…, indicator=…, region=…, report_code=…, …): a contest through the service, as the API takes it."""
    from apps.accountability.services import ContestInput, contest_submit

    def make(text: str = "面板说空气良，这里一股烟味", **fields: Any) -> Any:
        if "report_code" not in fields:
            fields.setdefault("indicator", "environment.aqi")
            fields.setdefault("region", "W")
        return contest_submit(data=ContestInput(text=text, **fields))

    return make


@pytest.fixture
def environment_source(city: dict[str, Any]) -> Any:
    from apps.indicators.models import DataSource

    return DataSource.objects.create(
        code="env-stations", name_zh="空气监测站", name_en="Air stations", domain="environment"
    )
