"""Plotly figures of the wall and region pages: pure functions from selector output to go.Figure."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from django.utils import timezone
from django.utils.translation import get_language

from apps.dashboards.wall import palette_colorscale, wall_palettes
from apps.indicators.registry import Indicator
from apps.indicators.selectors import AlertPayload, MapValue, SeriesPoint
from apps.regions.charts import OFFICE_MAP_STYLE, WALL_MAP_STYLE, map_view

# Status colours (normal / warning / critical) — the same three as the tiles and the alert feed.
STATUS_COLORS = {"normal": "#2ecc71", "warning": "#ffb300", "critical": "#ff4d4f"}
NO_DATA = "#3a4f6b"


def severity_colorscale(indicator: Indicator) -> tuple[list[list[Any]], float, float]:
    """A colour scale whose bands fall on the indicator's thresholds, with its cmin and cmax; a standard's own
    palette (AQI categories, congestion bands) for the indicators that have one."""
    bands = wall_palettes().get(indicator.code)
    if bands:
        return palette_colorscale(bands)
    warning, critical = indicator.warning, indicator.critical
    if warning is None or critical is None:
        return [[0, "#1d4f86"], [1, "#4fc3f7"]], 0.0, float(critical or warning or 1)
    high = indicator.bad_direction == "high"
    top = critical * 1.25 if high else warning * 1.25
    w, c = warning / top, critical / top
    if high:
        return (
            [[0, "#1f8f4e"], [w, "#7ed957"], [w, "#ffb300"], [c, "#ff8c00"], [c, "#ff4d4f"], [1, "#b3001b"]],
            0.0,
            top,
        )
    return [[0, "#b3001b"], [c, "#ff4d4f"], [c, "#ff8c00"], [w, "#ffb300"], [w, "#7ed957"], [1, "#1f8f4e"]], 0.0, top


def indicator_map(
    collection: dict[str, Any],
    *,
    bbox: list[float],
    indicator: Indicator | None,
    values: dict[str, MapValue],
    alerts: list[AlertPayload],
    theme: str = "wall",
    labels: dict[str, str] | None = None,
) -> go.Figure:
    """Regions coloured by an indicator's latest value (grey where none), alerts as markers on top."""
    labels = labels or {}
    features = collection["features"]
    codes = [f["properties"]["code"] for f in features]
    z = [values[code]["value"] if code in values else None for code in codes]
    if indicator is not None:
        colorscale, cmin, cmax = severity_colorscale(indicator)
    else:
        colorscale, cmin, cmax = [[0, NO_DATA], [1, NO_DATA]], 0.0, 1.0
    dark = theme == "wall"
    # Every region drawn in the no-data colour underneath: where the indicator has no value, the outline
    # still shows (a NaN in the value layer alone would leave a hole in the map).
    base = go.Choroplethmap(
        geojson=collection,
        featureidkey="properties.code",
        locations=codes,
        z=[0] * len(codes),
        zmin=0,
        zmax=1,
        colorscale=[[0, NO_DATA], [1, NO_DATA]],
        marker={"line": {"color": "#8fb3d9" if dark else "#ffffff", "width": 1}, "opacity": 0.6},
        text=[f["properties"]["name"] for f in features],
        hovertemplate="<b>%{text}</b><extra></extra>",
        showscale=False,
        name="base",
    )
    regions = go.Choroplethmap(
        geojson=collection,
        featureidkey="properties.code",
        locations=codes,
        z=[v if v is not None else float("nan") for v in z],
        zmin=cmin,
        zmax=cmax,
        colorscale=colorscale,
        marker={"line": {"color": "#8fb3d9" if dark else "#ffffff", "width": 1}, "opacity": 0.8},
        text=[f["properties"]["name"] for f in features],
        hovertemplate="<b>%{text}</b><br>%{z}<extra></extra>",
        # Inside the plot (anchored to its right edge, 90 % of its height): the whole range stays visible.
        colorbar={
            "thickness": 14,
            "x": 1,
            "xanchor": "right",
            "xpad": 8,
            "y": 0.5,
            "yanchor": "middle",
            "len": 0.9,
            "title": {"text": _unit(indicator)},
            "tickfont": {"color": "#c9d8e8" if dark else "#1b2533"},
        },
        showscale=indicator is not None,
        name=labels.get("regions", "regions"),
    )
    markers = go.Scattermap(
        lon=[a["lon"] for a in alerts],
        lat=[a["lat"] for a in alerts],
        customdata=[a["id"] for a in alerts],
        text=[a["title_zh"] for a in alerts],
        mode="markers",
        marker={"size": 16, "color": [STATUS_COLORS.get(a["severity"], "#ff4d4f") for a in alerts]},
        hovertemplate="%{text}<extra></extra>",
        name=labels.get("alerts", "alerts"),
    )
    figure = go.Figure([base, regions, markers])
    figure.update_layout(
        # The map leaves the right edge to the colour bar, so neither covers the other.
        map={
            "style": WALL_MAP_STYLE if dark else OFFICE_MAP_STYLE,
            "domain": {"x": [0, 0.88], "y": [0, 1]},
            **map_view(bbox),
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor="rgba(0,0,0,0)",
        showlegend=False,
        font={"family": "Noto Sans CJK SC, Noto Sans SC, sans-serif", "color": "#e6f0fa" if dark else "#1b2533"},
        uirevision="keep",  # live updates keep the user's zoom and pan
    )
    return figure


def office_trend(points: list[SeriesPoint], *, title: str, unit: str) -> go.Figure:
    """A line of (bucket_start, value) points on the city's clock, for the office pages."""
    figure = go.Figure(
        go.Scatter(
            # On the city's clock, as the rest of the page (Plotly would show the UTC wall time otherwise).
            x=[timezone.localtime(p["bucket_start"]).replace(tzinfo=None) for p in points],
            y=[p["value"] for p in points],
            mode="lines",
            line={"width": 2},
        )
    )
    figure.update_layout(
        margin={"l": 40, "r": 10, "t": 30, "b": 30},
        title={"text": title, "font": {"size": 14}},
        yaxis={"title": {"text": unit}},
        height=260,
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return figure


def _unit(indicator: Indicator | None) -> str:
    """The indicator's unit in the page's language ("辆" / "veh"), for the colour bar's title."""
    if indicator is None:
        return ""
    return indicator.unit_shown("zh" if (get_language() or "").startswith("zh") else "en")
