"""The staff page's map: districts in their AQI category's colour (the standard's own palette), stations on top."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from apps.environment.aqi import Category
from apps.regions.charts import office_map_layout, point_trace

NO_DATA = "#d5dbe3"


def aqi_map(
    *,
    outlines: dict[str, Any],
    areas: dict[str, Any],
    categories: list[Category],
    stations: list[dict[str, Any]],
    bbox: list[float],
    names: dict[str, str],
) -> go.Figure:
    """One trace per category (a legend entry each, in the standard's colour), grey where no AQI."""
    features = outlines["features"]
    traces: list[Any] = []
    all_codes = [f["properties"]["code"] for f in features]
    groups: list[tuple[str, str, list[str]]] = [(names["no_data"], NO_DATA, [c for c in all_codes if not areas.get(c)])]
    for category in categories:
        codes = [code for code, area in areas.items() if area is not None and area["level"] == category.level]
        groups.append((area_label(category), category.color, codes))
    for label, color, codes in groups:
        if not codes:
            continue
        chosen = {"type": "FeatureCollection", "features": [f for f in features if f["properties"]["code"] in codes]}
        traces.append(
            go.Choroplethmap(
                geojson=chosen,
                featureidkey="properties.code",
                locations=codes,
                z=[1] * len(codes),
                colorscale=[[0, color], [1, color]],
                showscale=False,
                marker={"line": {"color": "#ffffff", "width": 1}, "opacity": 0.75},
                text=[f"{areas[c]['name']}: AQI {areas[c]['aqi']}" if areas.get(c) else c for c in codes],
                hovertemplate="%{text}<extra></extra>",
                name=label,
                showlegend=True,
            )
        )
    traces.append(point_trace(stations, name=names["stations"], marker={"size": 10, "color": "#1b2533"}))
    figure = go.Figure(traces)
    figure.update_layout(office_map_layout(bbox))
    return figure


def area_label(category: Category) -> str:
    from apps.core.i18n import localized

    return f"{localized(category)} ({category.lower}–{category.upper})" if category.level < 6 else localized(category)
