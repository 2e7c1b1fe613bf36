from __future__ import annotations

import json
from datetime import timedelta

import plotly.io as pio
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.selectors import user_home_region
from apps.core.decorators import permission_required
from apps.core.i18n import localized
from apps.dashboards.charts import office_trend
from apps.environment import charts
from apps.environment.selectors import public_air_quality, station_rows
from apps.indicators.registry import indicator_registry
from apps.indicators.selectors import indicator_series
from apps.regions.selectors import region_feature, region_feature_collection


def public_aqi(request: HttpRequest) -> HttpResponse:
    """Air quality for everyone, no sign-in: the city and each district, category and health advice."""
    return render(request, "environment/public_aqi.html", public_air_quality())


@permission_required("environment.view_station")
def environment_index(request: HttpRequest) -> HttpResponse:
    """For staff: the AQI map of the user's own region (the city, or their district) by the areas below it, its
    AQI over 24 hours, every station in it and its health."""
    home = user_home_region(user=request.user)
    air = public_air_quality(root=home) if home else {**public_air_quality(), "city": None, "districts": []}
    city = air["city"]
    figure = trend_figure = None
    stations = station_rows(user=request.user)
    if city is not None:
        # The areas below the user's region in their AQI colours; where none of them has its own AQI (a district's
        # streets: stations report per district), the region itself.
        shown = air["districts"] if any(a.category for a in air["districts"]) else [city]
        areas = {
            a.region.code: {"name": a.region.name, "aqi": a.aqi, "level": a.category.level} if a.category else None
            for a in shown
        }
        markers = [
            {"lon": s.lon, "lat": s.lat, "label": f"{s.code} · {localized(s)}"}
            for s in (r["station"] for r in stations)
        ]
        figure = charts.aqi_map(
            outlines=region_feature_collection(parent_code=city.region.code)
            if shown is air["districts"]
            else {"type": "FeatureCollection", "features": [region_feature(city.region, simplified=True)]},
            areas=areas,
            categories=air["categories"],
            stations=markers,
            bbox=city.region.bbox,
            names={"no_data": _("no AQI"), "stations": _("monitoring stations")},
        )
        indicator = indicator_registry["environment.aqi"]  # this app's own (its manifest registers it)
        now = timezone.now()
        points = indicator_series(
            indicator=indicator,
            region_id=city.region.id,
            granularity="minute",
            start=now - timedelta(hours=24),
            end=now,
        )
        trend_figure = office_trend(points, title=_("AQI of %(region)s, last 24 hours") % {"region": city.region.name},
                                    unit="AQI")  # fmt: skip
    return render(
        request,
        "environment/index.html",
        {
            **air,
            "stations": stations,
            "figure": json.loads(pio.to_json(figure)) if figure else None,
            "trend": json.loads(pio.to_json(trend_figure)) if trend_figure else None,
        },
    )
