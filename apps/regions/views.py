from __future__ import annotations

import json

import plotly.io as pio
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.core.decorators import permission_required
from apps.regions import charts, selectors
from apps.regions.models import Region


@permission_required("regions.view_region")
def region_index(request: HttpRequest) -> HttpResponse:
    """The administrative map: one region's children on a density map, with a table; click to drill down."""
    code = request.GET.get("code", "").strip()
    current = selectors.region_get(code=code) if code else Region.objects.filter(parent=None).first()
    if code and current is None:
        raise Http404(_("No region has the code %(code)s.") % {"code": code})
    children = list(selectors.region_list(parent_code=current.code)) if current else []
    figure = None
    if current:
        collection = selectors.region_feature_collection(parent_code=current.code)
        if not collection["features"]:  # a leaf: show its own outline
            collection = {
                "type": "FeatureCollection",
                "features": [selectors.region_feature(current, simplified=True)],
            }
        figure = charts.region_density_map(
            collection,
            bbox=current.bbox,
            colorbar_title=_("residents / km²"),
            hover_template=_("<b>%{customdata[0]}</b><br>population %{customdata[1]:,}<br>%{customdata[2]:,} per km²")
            + "<extra></extra>",
        )
    return render(
        request,
        "regions/index.html",
        {
            "current": current,
            "ancestors": selectors.region_ancestors(region=current) if current else [],
            "children": children,
            "figure": json.loads(pio.to_json(figure)) if figure else None,
        },
    )
