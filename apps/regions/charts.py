"""Plotly figures of regions: pure functions from selector output to go.Figure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

# MapLibre styles that need no tile server, glyphs or sprites (command centers run on closed networks).
OFFICE_MAP_STYLE = "white-bg"
WALL_MAP_STYLE: dict[str, Any] = {
    "version": 8,
    "sources": {},
    "layers": [{"id": "bg", "type": "background", "paint": {"background-color": "#0b1a2e"}}],
}


NO_DATA_COLOR = "#c4ccd6"  # grey, apart from every shade of the density scale


def map_view(bbox: Sequence[float], *, width_px: int = 900, height_px: int = 600) -> dict[str, Any]:
    """Center and zoom that fit a [west, south, east, north] box into a map of the given size."""
    west, south, east, north = bbox
    lon_span = max(east - west, 1e-6)
    # Web Mercator: the vertical span in "equator degrees" grows with latitude.
    y_span = max(abs(_mercator_deg(north) - _mercator_deg(south)), 1e-6)
    zoom = min(math.log2(width_px * 360 / (512 * lon_span)), math.log2(height_px * 360 / (512 * y_span)))
    return {"center": {"lon": (west + east) / 2, "lat": (south + north) / 2}, "zoom": round(zoom - 0.15, 2)}


def office_map_layout(bbox: Sequence[float]) -> dict[str, Any]:
    """The layout every staff page's map shares: the office style fitted to the box, no margins, the legend
    in a row under the map, and ``uirevision`` kept so a live update does not reset the user's pan and zoom."""
    return {
        "map": {"style": OFFICE_MAP_STYLE, **map_view(bbox)},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "legend": {"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "uirevision": "keep",
    }


def point_trace(
    points: Sequence[dict[str, Any]], *, name: str, marker: dict[str, Any], id_key: str | None = None
) -> go.Scattermap:
    """Points (each with ``lon``, ``lat`` and ``label``) as one legend entry of markers that hover their label;
    ``id_key`` names the field a click hands back to the page as ``customdata``."""
    return go.Scattermap(
        lon=[p["lon"] for p in points],
        lat=[p["lat"] for p in points],
        text=[p["label"] for p in points],
        customdata=[p[id_key] for p in points] if id_key else None,
        mode="markers",
        marker=marker,
        name=name,
        hoverinfo="text",
    )


def _mercator_deg(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def region_density_map(
    collection: dict[str, Any],
    *,
    bbox: Sequence[float],
    colorbar_title: str,
    hover_template: str,
    no_data_label: str = "",
    theme: str = "office",
) -> go.Figure:
    """A choropleth of the collection's features by population density (residents per km²).

    Features without population or area are drawn grey as a legend entry of their own (`no_data_label`), so an
    empty place is never read as a sparse one. Hover shows name, population and density.
    """
    features = collection["features"]
    codes = [f["properties"]["code"] for f in features]
    density = [_density(f["properties"]) for f in features]
    customdata = [
        [f["properties"]["name"], f["properties"]["population"] or 0, round(d or 0)]
        for f, d in zip(features, density, strict=True)
    ]
    dark = theme == "wall"
    figure = go.Figure(
        go.Choroplethmap(
            geojson=collection,
            featureidkey="properties.code",
            locations=codes,
            z=[d if d is not None else float("nan") for d in density],
            customdata=customdata,
            hovertemplate=hover_template,
            colorscale="Blues" if not dark else "Viridis",
            marker={"line": {"color": "#0b1a2e" if dark else "#ffffff", "width": 1}, "opacity": 0.85},
            colorbar={"title": {"text": colorbar_title}, "thickness": 12},
        )
    )
    unknown = [f for f, d in zip(features, density, strict=True) if d is None]
    if unknown:
        figure.add_trace(_no_data_trace(unknown, label=no_data_label, dark=dark))
    figure.update_layout(
        map={"style": WALL_MAP_STYLE if dark else OFFICE_MAP_STYLE, **map_view(bbox)},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0},
        paper_bgcolor="rgba(0,0,0,0)",
        font={"family": "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif"},
    )
    return figure


def _no_data_trace(features: list[dict[str, Any]], *, label: str, dark: bool) -> go.Choroplethmap:
    codes = [f["properties"]["code"] for f in features]
    return go.Choroplethmap(
        geojson={"type": "FeatureCollection", "features": features},
        featureidkey="properties.code",
        locations=codes,
        z=[1] * len(codes),
        colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]],
        showscale=False,
        marker={"line": {"color": "#0b1a2e" if dark else "#ffffff", "width": 1}, "opacity": 0.85},
        text=[f"{f['properties']['name']}: {label}" for f in features],
        hovertemplate="%{text}<extra></extra>",
        name=label,
        showlegend=True,
    )


def _density(properties: dict[str, Any]) -> float | None:
    population, area = properties.get("population"), properties.get("area_km2")
    if population is None or not area:
        return None
    return population / area
