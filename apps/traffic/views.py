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
from apps.indicators.registry import indicator_registry
from apps.indicators.selectors import indicator_series
from apps.regions.models import Region
from apps.regions.selectors import region_feature_collection
from apps.traffic import charts, selectors


def band_names() -> dict[str, str]:
    return {
        "smooth": _("smooth"),
        "basically_smooth": _("basically smooth"),
        "light": _("light congestion"),
        "moderate": _("moderate congestion"),
        "severe": _("severe congestion"),
        "no_data": _("no data"),
        "incident": _("incident"),
    }


@permission_required("traffic.view_trafficincident")
def traffic_index(request: HttpRequest) -> HttpResponse:
    """Congestion on the monitored roads now, open incidents with their handling, and the city's trend."""
    city = user_home_region(user=request.user)  # the user's own "city": a district for a district's staff
    districts = list(Region.objects.filter(parent=city).order_by("code")) if city else []
    focus = next((d for d in districts if d.code == request.GET.get("region")), city)
    incidents = list(selectors.incident_list_for_user(user=request.user)[:50])
    segments = [
        {"code": s.code, "name": localized(s), "geometry": s.geometry}
        for s in selectors.segment_list_for_user(user=request.user).order_by("code")
    ]
    figure = trend_figure = None
    if city is not None and focus is not None:  # focus is the city or one of its districts
        markers = [
            {"id": i.id, "lon": i.lon, "lat": i.lat, "label": f"{i.get_kind_display()} · {i.get_status_display()}"}
            for i in incidents
        ]
        figure = charts.segment_map(
            outlines=region_feature_collection(parent_code=city.code),
            segments=segments,
            congestion=selectors.segment_congestion(user=request.user),
            incidents=markers,
            bbox=city.bbox,
            band_names=band_names(),
        )
        indicator = indicator_registry["traffic.congestion"]  # this app's own (its manifest registers it)
        now = timezone.now()
        points = indicator_series(
            indicator=indicator, region_id=focus.id, granularity="minute", start=now - timedelta(hours=6), end=now
        )
        title = _("Congestion index of %(region)s, last 6 hours") % {"region": focus.name}
        trend_figure = office_trend(points, title=title, unit="0–10")
    return render(
        request,
        "traffic/index.html",
        {
            "city": city,
            "districts": districts,
            "focus": focus,
            "incidents": incidents,
            "segments": segments,
            "figure": json.loads(pio.to_json(figure)) if figure else None,
            "trend": json.loads(pio.to_json(trend_figure)) if trend_figure else None,
            "can_handle": request.user.has_perm("traffic.change_trafficincident"),
            "can_dispatch": request.user.has_perms(["traffic.change_trafficincident", "indicators.dispatch_alert"]),
            "strings": {"failed": _("The action failed: %(reason)s")},
        },
    )
