"""Traffic figures: road segments coloured by congestion band over the region outlines; trends."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from apps.regions.charts import office_map_layout, point_trace
from apps.traffic.selectors import SegmentCongestion

# Congestion bands in the colours of Chinese traffic maps (green → dark red), each with a word in legends.
BAND_COLORS = {
    "smooth": "#1f9d55",
    "basically_smooth": "#8bc34a",
    "light": "#f6c000",
    "moderate": "#f57c00",
    "severe": "#b71c1c",
    "no_data": "#9aa7b8",
}


def segment_map(
    *,
    outlines: dict[str, Any],
    segments: list[dict[str, Any]],
    congestion: dict[str, SegmentCongestion],
    incidents: list[dict[str, Any]],
    bbox: list[float],
    band_names: dict[str, str],
) -> go.Figure:
    """One line trace per band (a legend entry each), incidents as markers, districts as pale outlines."""
    base = go.Choroplethmap(
        geojson=outlines,
        featureidkey="properties.code",
        locations=[f["properties"]["code"] for f in outlines["features"]],
        z=[0] * len(outlines["features"]),
        colorscale=[[0, "#eef2f7"], [1, "#eef2f7"]],
        showscale=False,
        marker={"line": {"color": "#9aa7b8", "width": 1}, "opacity": 0.6},
        hoverinfo="skip",
        name="",
    )
    traces: list[Any] = [base]
    for band, color in BAND_COLORS.items():
        lon: list[float | None] = []
        lat: list[float | None] = []
        text: list[str | None] = []
        for segment in segments:
            state = congestion.get(segment["code"])
            if (state["band"] if state else "no_data") != band:
                continue
            for x, y in segment["geometry"]["coordinates"]:
                lon.append(x)
                lat.append(y)
                label = f"{segment['name']}: {state['index']} ({state['speed_kmh']} km/h)" if state else segment["name"]
                text.append(label)
            lon.append(None)
            lat.append(None)
            text.append(None)
        traces.append(
            go.Scattermap(
                lon=lon,
                lat=lat,
                text=text,
                mode="lines",
                line={"width": 6, "color": color},
                name=band_names.get(band, band),
                hoverinfo="text",
                legendgroup=band,
            )  # fmt: skip
        )
    incident_marker = {"size": 16, "color": "#d32f2f"}
    traces.append(
        point_trace(incidents, name=band_names.get("incident", "incident"), marker=incident_marker, id_key="id")
    )
    figure = go.Figure(traces)
    figure.update_layout(office_map_layout(bbox))
    return figure
