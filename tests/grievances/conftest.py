from __future__ import annotations

from typing import Any

import pytest

PHONE = "13912345678"
NAME = "张三丰"
EMAIL = "zhang.sanfeng@example.cn"


@pytest.fixture
def submit(categories: dict[str, Any]) -> Any:
    from apps.grievances.services import grievance_submit

    def make(category: str = "pothole", *, lon: float = 118.005, lat: float = 32.01, **fields: Any) -> Any:
        values = {"description": "路面有个大坑", "attributes": {"size": "large"} if category == "pothole" else {},
                  "reporter_name": NAME, "reporter_phone": PHONE, "reporter_email": EMAIL,
                  "channel": "web"}  # fmt: skip
        values.update(fields)
        return grievance_submit(category=categories[category], lon=lon, lat=lat, **values)

    return make
