from __future__ import annotations

from typing import Any

import pytest

PHONE = "13912345678"
NAME = "张三丰"
EMAIL = "zhang.sanfeng@example.cn"


@pytest.fixture
def categories(city: dict[str, Any], cast: dict[str, Any]) -> dict[str, Any]:
    """Department "urban" (the cast's staff) handles pothole reports (72 h) with a size question; "water"
    handles water reports (24 h), staffed by water_staff; staff_w works for urban, narrowed to district W."""
    from apps.accounts.roles import Role
    from apps.accounts.services import department_upsert, staff_user_upsert
    from apps.grievances.models import Category, CategoryAttribute
    from tests.conftest import PASSWORD

    urban = department_upsert(code="urban", name_zh="城管局", name_en="Urban Management")
    water = department_upsert(code="water", name_zh="水务局", name_en="Water")
    pothole = Category.objects.create(code="pothole", name_zh="道路坑洼", name_en="Pothole", department=urban,
                                      deadline_hours=72, keywords="road")  # fmt: skip
    CategoryAttribute.objects.create(
        category=pothole, code="size", description_zh="大小", description_en="Size", datatype="singlevaluelist",
        required=True, order=1,
        values=[{"key": "small", "name_zh": "小", "name_en": "small"},
                {"key": "large", "name_zh": "大", "name_en": "large"}],
    )  # fmt: skip
    CategoryAttribute.objects.create(category=pothole, code="depth", description_zh="深度（厘米）",
                                     description_en="Depth (cm)", datatype="number", order=2)  # fmt: skip
    leak = Category.objects.create(code="leak", name_zh="漏水", name_en="Water leak", department=water,
                                   deadline_hours=24)  # fmt: skip
    water_staff = staff_user_upsert(username="water", password=PASSWORD, roles=[Role.DEPARTMENT_STAFF],
                                    department_codes=["water"])  # fmt: skip
    staff_w = staff_user_upsert(username="staff_w", password=PASSWORD, roles=[Role.DEPARTMENT_STAFF],
                                department_codes=["urban"], region_codes=["W"])  # fmt: skip
    return {"pothole": pothole, "leak": leak, "water_staff": water_staff, "staff_w": staff_w, "urban": urban}


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
