from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

URL = "/api/v1/healthcare/snapshots"


@pytest.fixture
def facilities(city: dict[str, Any]) -> dict[str, Any]:
    """Source "hosp": tertiary T1 in street W1 (district W), secondary H2 in E, community center C3 in W2 and
    clinic K4 in E (no ICU, ER or fever clinic); source "other" has X9."""
    from apps.healthcare.models import Facility
    from apps.healthcare.services import facility_register
    from apps.indicators.models import DataSource
    from apps.ingest.services import ingest_token_create

    hosp = DataSource.objects.create(code="hosp", name_zh="医院", name_en="Hospitals", domain="healthcare")
    other = DataSource.objects.create(code="other", name_zh="其他", name_en="Other", domain="healthcare")
    made = {}
    for code, kind, lon, beds, icu, er, fever, source in (
        ("T1", "tertiary", 118.005, 100, 10, True, True, hosp),
        ("H2", "secondary", 118.03, 50, 5, True, True, hosp),
        ("C3", "community", 118.015, 20, 0, False, True, hosp),
        ("K4", "clinic", 118.035, 4, 0, False, False, hosp),
        ("X9", "secondary", 118.03, 50, 5, True, True, other),
    ):
        made[code] = facility_register(
            facility=Facility.objects.create(
                code=code, name_zh=f"{code}医院", name_en=f"{code} Hospital", kind=kind, lon=lon, lat=32.01, beds=beds,
                icu_beds=icu, emergency=er, fever_clinic=fever, source=source,
            )
        )  # fmt: skip
    token, _record = ingest_token_create(source_code="hosp", name="his-gateway")
    return {**made, "token": token}


def at(minutes_ago: float = 0) -> Any:
    return (timezone.now() - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)


def snap(facility: str = "T1", when: Any = None, **values: Any) -> dict[str, Any]:
    row = {"facility": facility, "observed_at": (when or at()).isoformat(), "beds_occupied": 80}
    return {**row, **values}


def post(client: Any, token: str, rows: list[dict[str, Any]], language: str = "en") -> Any:
    return client.post(URL, data=json.dumps(rows), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language)  # fmt: skip
