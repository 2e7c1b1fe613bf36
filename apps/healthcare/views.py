from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import plotly.io as pio
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.selectors import user_home_region
from apps.core.decorators import permission_required
from apps.core.i18n import localized
from apps.dashboards.charts import office_trend
from apps.healthcare import charts
from apps.healthcare.api.views import NearestQuerySerializer
from apps.healthcare.selectors import facilities_nearest, facility_states, region_rows, surveillance_table
from apps.indicators.registry import indicator_registry
from apps.indicators.selectors import indicator_series
from apps.regions.selectors import region_feature_collection


def need_names() -> dict[str, str]:
    return {
        "er": _("an emergency department"),
        "icu": _("a free ICU bed"),
        "bed": _("a free bed"),
    }


@permission_required("healthcare.view_facility")
def healthcare_index(request: HttpRequest) -> HttpResponse:
    """Facilities on the map, regions' capacity, trends, where a patient can go now, fever-clinic surveillance."""
    city = user_home_region(user=request.user)  # the user's own "city": a district for a district's staff
    states = facility_states(user=request.user)
    surveillance = surveillance_table(user=request.user)
    chosen = next((s for s in surveillance if s.region.code == request.GET.get("district")), None)
    chosen = chosen or (surveillance[0] if surveillance else None)
    figure = trend = signal = None
    if city is not None:
        markers = [
            {
                "code": s.facility.code,
                "lon": s.facility.lon,
                "lat": s.facility.lat,
                "beds": s.facility.beds,
                "occupancy": s.occupancy if s.fresh else None,
                "label": _marker_label(s),
            }
            for s in states
        ]
        figure = charts.facility_map(
            outlines=region_feature_collection(parent_code=city.code),
            facilities=markers,
            bbox=city.bbox,
            names={
                "not_reporting": _("not reporting"),
                "band": _("%(low)s–%(high)s %% of beds occupied"),
                "band_top": _("%(low)s %% and more occupied"),
            },
        )
        indicator = indicator_registry["healthcare.bed_occupancy"]  # this app's own (its manifest registers it)
        now = timezone.now()
        points = indicator_series(
            indicator=indicator, region_id=city.id, granularity="minute", start=now - timedelta(hours=24), end=now
        )
        trend = office_trend(points, title=_("Bed occupancy of %(region)s, last 24 hours") % {"region": city.name},
                             unit="%")  # fmt: skip
    if chosen is not None:
        signal = charts.surveillance_figure(
            chosen.verdicts,
            title=_("Fever-clinic visits in %(region)s, last 8 weeks") % {"region": chosen.region.name},
            names={"observed": _("visits"), "expected": _("expected"), "visits": _("visits per day")},
        )
    nearest = None
    query = NearestQuerySerializer(data=request.GET)
    if "lon" in request.GET and query.is_valid():
        nearest = facilities_nearest(user=request.user, **query.validated_data)
        for f in nearest["facilities"]:
            f["observed_local"] = timezone.localtime(datetime.fromisoformat(f["observed_at"]))
    return render(
        request,
        "healthcare/index.html",
        {
            "city": city,
            "regions": region_rows(root=city),
            "states": states,
            "surveillance": surveillance,
            "chosen": chosen,
            "nearest": nearest,
            "nearest_errors": query.errors if "lon" in request.GET else {},
            "need": request.GET.get("need", "er"),
            "needs": need_names(),
            "figure": _json(figure),
            "trend": _json(trend),
            "signal": _json(signal),
            "strings": {
                "failed": _("The search failed: %(reason)s"),
                "none": _("No reporting facility has %(need)s."),
                "not_reporting": _("Not reporting, so left out: %(count)s."),
                "km": _("%(km)s km"),
                "min": _("%(min)s min"),
                "waiting": _("%(count)s waiting"),
                "free_icu": _("%(count)s ICU beds free"),
                "free_beds": _("%(count)s beds free"),
                "picked": _("Point %(lon)s, %(lat)s"),
                "needs": need_names(),
            },
        },
    )


def _json(figure: Any) -> Any:
    return json.loads(pio.to_json(figure)) if figure is not None else None


def _marker_label(state: Any) -> str:
    f = state.facility
    lines = [f"<b>{localized(f)}</b> · {f.get_kind_display()}"]
    if not state.fresh:
        lines.append(_("not reporting"))
    else:
        if f.beds:
            lines.append(_("beds %(occupied)s / %(beds)s") % {"occupied": state.snapshot.beds_occupied, "beds": f.beds})
        if state.icu_free is not None:
            lines.append(_("ICU free %(free)s / %(beds)s") % {"free": state.icu_free, "beds": f.icu_beds})
        if f.emergency and state.snapshot.er_waiting is not None:
            lines.append(
                _("emergency: %(waiting)s waiting, %(minutes)s min")
                % {"waiting": state.snapshot.er_waiting, "minutes": state.snapshot.er_wait_minutes}
            )
    return "<br>".join(lines)
