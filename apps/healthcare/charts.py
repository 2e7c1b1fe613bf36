"""The healthcare page's figures: facilities on the offline map, the surveillance chart of one district."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from apps.healthcare.surveillance import DayVerdict
from apps.regions.charts import office_map_layout, point_trace

# Occupancy bands: below 85 % admission flows; 85–95 % strained; 95 % and above full. Grey: not reporting.
BANDS = [(0, 85, "#2e9d5b"), (85, 95, "#e0a100"), (95, 1000, "#c62828")]
NOT_REPORTING = "#9aa5b1"


def facility_map(
    *, outlines: dict[str, Any], facilities: list[dict[str, Any]], bbox: list[float], names: dict[str, str]
) -> go.Figure:
    """Districts as outlines; each facility a circle sized by its beds (area ∝ beds) and coloured by its
    occupancy band — one trace per band so the legend explains the colours."""
    features = outlines["features"]
    traces: list[Any] = [
        go.Choroplethmap(
            geojson=outlines,
            featureidkey="properties.code",
            locations=[f["properties"]["code"] for f in features],
            z=[1] * len(features),
            colorscale=[[0, "#eef2f6"], [1, "#eef2f6"]],
            showscale=False,
            marker={"line": {"color": "#8a99ab", "width": 1}, "opacity": 0.6},
            text=[f["properties"].get("name", f["properties"]["code"]) for f in features],
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
            name="",
        )
    ]
    # (legend label, colour, which occupancies (a share in %, None when not reporting) it takes)
    groups: list[tuple[str, str, Callable[[float | None], bool]]] = [
        (names["not_reporting"], NOT_REPORTING, lambda o: o is None)
    ]
    for low, high, color in BANDS:
        label = names["band"] % {"low": low, "high": high} if high < 1000 else names["band_top"] % {"low": low}
        groups.append((label, color, _in_band(low, high)))
    for label, color, chosen in groups:
        members = [f for f in facilities if chosen(f["occupancy"])]
        if not members:
            continue
        marker = {"size": [marker_size(f["beds"]) for f in members], "color": color, "opacity": 0.85}
        traces.append(point_trace(members, name=label, marker=marker, id_key="code"))
    figure = go.Figure(traces)
    figure.update_layout(office_map_layout(bbox), clickmode="event")
    return figure


def _in_band(low: float, high: float) -> Callable[[float | None], bool]:
    return lambda occupancy: occupancy is not None and low <= occupancy < high


def marker_size(beds: int) -> float:
    """Marker diameter in pixels, its area proportional to beds (8 px for a clinic, ~40 for 2,500 beds)."""
    return round(8 + 0.65 * math.sqrt(max(beds, 0)), 1)


def surveillance_figure(verdicts: list[DayVerdict], *, title: str, names: dict[str, str]) -> go.Figure:
    """Visits per day as bars, the expected count as a line, alarm days marked."""
    days = [v.day for v in verdicts]
    figure = go.Figure(
        [
            go.Bar(
                x=days,
                y=[v.observed for v in verdicts],
                name=names["observed"],
                marker={"color": ["#c62828" if v.alarm else "#7a8ca3" for v in verdicts]},
            ),
            go.Scatter(
                x=days,
                y=[round(v.expected, 1) if v.expected is not None else None for v in verdicts],
                name=names["expected"],
                mode="lines",
                line={"color": "#1b2533", "width": 2},
            ),
        ]
    )
    figure.update_layout(
        margin={"l": 40, "r": 10, "t": 30, "b": 30},
        title={"text": title, "font": {"size": 14}},
        yaxis={"title": {"text": names["visits"]}},
        height=280,
        paper_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
        bargap=0.15,
    )
    return figure
