from __future__ import annotations

import json
from typing import Any

import plotly.io as pio
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.accounts.selectors import user_can_access_region, user_home_region
from apps.core.decorators import permission_required
from apps.core.text import parse_id
from apps.dashboards import charts, selectors
from apps.dashboards.wall import wall_labels, wall_palettes, wall_text
from apps.indicators.registry import get_indicator, indicators
from apps.indicators.selectors import SPARK_POINTS, alert_list_for_user, alert_payloads
from apps.regions import charts as region_charts
from apps.regions import selectors as region_selectors
from apps.regions.models import Region


def _figure_json(figure: Any) -> Any:
    return json.loads(pio.to_json(figure))


@permission_required("indicators.view_wall")
def wall(request: HttpRequest) -> HttpResponse:
    """The command wall for big screens (1920×1080 to 3840×2160); `?kiosk=1` for unattended screens, which
    turn every 15 seconds (`&every=N`, 5–300) through indicators and regions needing verification.

    It shows the user's own "city" (`user_home_region`): the city for city-wide staff, a district for a
    district's staff; `?region=CODE` picks another region the user sees.
    """
    root = user_home_region(user=request.user, code=request.GET.get("region", ""))
    registered = indicators()
    figure = None
    if root is not None:
        collection = _map_collection(root)
        first = registered[0] if registered else None
        values = selectors.children_values(region=root, codes=[first.code]).get(first.code, {}) if first else {}
        alerts = alert_list_for_user(user=request.user).filter(region__path__startswith=root.path)[:50]
        payloads = alert_payloads(list(alerts))  # what the alerts hold back read in one query, not one each
        figure = charts.indicator_map(
            collection, bbox=root.bbox, indicator=first, values=values, alerts=[a for a in payloads if a["lon"]]
        )
    kiosk = request.GET.get("kiosk") == "1"
    return render(
        request,
        "dashboards/wall.html",
        {
            "city": root,
            "figure": _figure_json(figure) if figure else None,
            "kiosk": kiosk,
            "config": {
                "kiosk": kiosk,
                "kiosk_seconds": min(max(parse_id(request.GET.get("every")) or 15, 5), 300),
                "root": root.code if root else None,
                "root_path": root.path if root else None,
                "root_is_top": bool(root and root.parent_id is None),
                "bbox": root.bbox if root else None,
                "can_acknowledge": request.user.has_perm("indicators.acknowledge_alert"),
                "can_dispatch": request.user.has_perm("indicators.dispatch_alert"),
                "strings": {**wall_strings(), **wall_text()},
                "labels": wall_labels(),
                "trend_minutes": SPARK_POINTS,  # the sparkline's window: the trend says when nothing is in it
                "palettes": wall_palettes(),
                # A region's outline for the kiosk's rotation (the regions API's GeoJSON Feature).
                "region_url": reverse("regions-api:region-detail", args=["CODE"]),
            },
        },
    )


def _map_collection(region: Region) -> dict[str, Any]:
    """A region's children as a GeoJSON layer, or its own outline when nothing is recorded below it."""
    collection = region_selectors.region_feature_collection(parent_code=region.code)
    if not collection["features"]:
        collection = {
            "type": "FeatureCollection",
            "features": [region_selectors.region_feature(region, simplified=True)],
        }
    return collection


def wall_strings() -> dict[str, str]:
    """Words the wall's script shows, in the page's language."""
    return {
        "acknowledge": _("Acknowledge"),
        "due_by": _("due %(time)s"),
        "overdue_since": _("overdue since %(time)s"),
        "send_for_verification": _("Send for verification"),
        "not_verified": _("not verified on site"),
        "verified_share": _("%(share)s of %(alerts)s alerts verified on site"),
        "contradicted": _("%(count)s contradicted"),
        "no_alerts_30d": _("no alerts in 30 days"),
        "live": _("live"),
        "lost": _("connection lost — last update %(time)s"),
        "connecting": _("connecting…"),
        "stale": _("stale"),
        "no_data": _("no data"),
        "updated": _("updated %(time)s"),
        "more_alerts": _("+%(count)s more"),
        "needs_verification": _("Needs verification on site: %(name)s"),
        "screen_only_region": _("Screen-only — nobody has been to %(name)s in 30 days despite its alerts"),
        "failed": _("The action failed: %(reason)s"),
        "status_open": _("open"),
        "status_acknowledged": _("acknowledged"),
        "status_verification_requested": _("sent for verification"),
        "status_confirmed": _("confirmed on site"),
        "status_contradicted": _("contradicted on site"),
        "status_could_not_verify": _("could not verify"),
        "status_resolved": _("resolved"),
        "severity_warning": _("warning"),
        "severity_critical": _("critical"),
        "verified_count": _("verified on site %(count)s×"),
    }


@permission_required("regions.view_region")
def region_index(request: HttpRequest) -> HttpResponse:
    """/regions/ opens the top of what the user sees (and keeps old ?code= links working)."""
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("dashboards:region", code=code)
    home = user_home_region(user=request.user)
    if home is None:
        no_regions = selectors.city_region() is not None  # regions exist, none of them is this user's
        return render(request, "dashboards/region.html", {"current": None, "no_regions_assigned": no_regions})
    return redirect("dashboards:region", code=home.code)


@permission_required("regions.view_region")
def region_page(request: HttpRequest, code: str) -> HttpResponse:
    """A region's indicators, alerts and child areas side by side, live; drill down and up within the scope."""
    current = region_selectors.region_get(code=code)
    if current is None or not user_can_access_region(user=request.user, region_id=current.id):
        raise Http404(_("No region has the code %(code)s.") % {"code": code})
    children = list(region_selectors.region_list(parent_code=current.code))
    collection = _map_collection(current)
    indicator = get_indicator(request.GET.get("indicator", "")) or (indicators()[0] if indicators() else None)
    figure = _region_figure(current, collection, indicator)
    ancestors = [
        (ancestor, user_can_access_region(user=request.user, region_id=ancestor.id))
        for ancestor in region_selectors.region_ancestors(region=current)
    ]
    return render(
        request,
        "dashboards/region.html",
        {
            "current": current,
            "ancestors": ancestors,
            "children": children,
            "figure": _figure_json(figure),
            "indicator": indicator,
            "indicators": indicators(),
            "strings": {**wall_strings(), **wall_text()},
            "ground": selectors.ground_truth(region=current),
        },
    )


def _region_figure(current: Region, collection: dict[str, Any], indicator: Any) -> Any:
    if indicator is None:
        return region_charts.region_density_map(
            collection,
            bbox=current.bbox,
            colorbar_title=_("residents / km²"),
            no_data_label=_("no data"),
            hover_template=_("<b>%{customdata[0]}</b><br>population %{customdata[1]:,}<br>%{customdata[2]:,} per km²")
            + "<extra></extra>",
        )
    values = selectors.children_values(region=current, codes=[indicator.code]).get(indicator.code, {})
    return charts.indicator_map(
        collection, bbox=current.bbox, indicator=indicator, values=values, alerts=[], theme="office"
    )
