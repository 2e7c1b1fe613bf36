from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.utils import timezone

from tests.clock import SENT, at_send

URL = "/api/v1/healthcare/snapshots"


def at(minutes_ago: float = 0) -> Any:
    return (timezone.now() - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)


def snap(facility: str = "T1", when: Any = None, **values: Any) -> dict[str, Any]:
    """A capacity snapshot; at the minute the test sends it in, unless `when` says otherwise."""
    row = {"facility": facility, "observed_at": when.isoformat() if when else SENT, "beds_occupied": 80}
    return {**row, **values}


def post(client: Any, token: str, rows: list[dict[str, Any]], language: str = "en") -> Any:
    rows = at_send(rows, at())
    return client.post(URL, data=json.dumps(rows), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language)  # fmt: skip
