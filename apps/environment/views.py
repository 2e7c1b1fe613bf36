from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.environment.selectors import public_air_quality


def public_aqi(request: HttpRequest) -> HttpResponse:
    """Air quality for everyone, no sign-in: the city and each district, category and health advice."""
    return render(request, "environment/public_aqi.html", public_air_quality())
