from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from apps.core.simulation import simulation_active
from apps.core.surfaces import surfaces_for_user
from cityops.staticfinders import PLOTLY_JS_STATIC_PATH


def cityops(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    nav = [s for s in surfaces_for_user(user) if s.in_nav]
    return {
        "nav_surfaces": nav,
        # (surface, count waiting for the user or 0): "公共预警 (2)"
        "nav_items": [(s, s.badge(user) if s.badge else 0) for s in nav],
        "plotly_js": PLOTLY_JS_STATIC_PATH,
        "city_time_zone": settings.TIME_ZONE,
        "simulated_data": simulation_active(),
    }
