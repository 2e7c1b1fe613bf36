"""What the command wall needs besides its data: short labels, the standards' palettes and its own words.

Short labels: a tile on the wall is about 190 px wide at 1080p and its title is 22 px (read from 5 m), so the
indicators' full names ("Fever-clinic alarm", "Open traffic incidents") do not fit and were cut with an
ellipsis. Each indicator gets a short label written for the wall in both languages; an indicator without one
(a new domain's, a test's) shows its full name, wrapped, never a shortened made-up one.

Palettes: an indicator measured against a standard's categories is drawn in the standard's own colours on the
wall, as on every other page: AQI by the categories the public AQI page uses (apps.environment), congestion by
the traffic app's bands. Everything else keeps the status colours (normal / warning / critical).

Words: the wall's newer words are kept here in both languages rather than in the message catalogue, so the
wall's pieces can change without touching the shared catalogue that other work edits at the same time.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

# Indicator code → (Chinese, English) label for a wall tile, chip or map layer: at most ~8 CJK characters or
# ~14 Latin ones, so each fits a tile title at 22 px at 1080p.
WALL_LABELS: dict[str, tuple[str, str]] = {
    "traffic.congestion": ("拥堵指数", "Congestion"),
    "traffic.speed": ("平均车速", "Mean speed"),
    "traffic.volume": ("车流量", "Traffic"),
    "traffic.open_incidents": ("交通事件", "Incidents"),
    "environment.aqi": ("空气质量", "Air quality"),
    "environment.pm25": ("PM2.5", "PM2.5"),
    "environment.noise_over_limit": ("噪声超标", "Noise"),
    "environment.aqi_daily": ("昨日AQI", "AQI yesterday"),
    "environment.polluted_hours": ("污染小时", "Polluted hours"),
    "healthcare.bed_occupancy": ("床位使用", "Beds in use"),
    "healthcare.icu_occupancy": ("重症床位", "ICU beds"),
    "healthcare.er_wait": ("急诊候诊", "ER wait"),
    "healthcare.er_waiting": ("急诊排队", "ER queue"),
    "healthcare.fever_visits": ("发热门诊", "Fever visits"),
    "healthcare.fever_signal": ("发热预警", "Fever alarm"),
    "grievances.open": ("在办诉求", "Open cases"),
    "grievances.overdue": ("超期诉求", "Overdue"),
    "grievances.new_today": ("今日诉求", "New today"),
    "grievances.resolve_hours": ("办结时长", "Time to close"),
    "grievances.satisfaction": ("满意度", "Satisfaction"),
    "grievances.repeat": ("重复诉求", "Repeats"),
}

# The wall's own words, (Chinese, English); %(name)s placeholders as in the message catalogue.
WALL_TEXT: dict[str, tuple[str, str]] = {
    "unverified": ("未核实", "unverified"),
    "verified_short": ("核实 %(count)s 次", "checked %(count)s×"),
    "too_few": ("样本不足", "too few"),
    "too_few_count": ("%(count)s/%(min)s 个样本", "%(count)s of %(min)s samples"),
    "more_alerts": ("另有 %(count)s 条", "%(count)s more"),
    "group_below_warning": ("%(count)s 个%(level)s%(name)s低于预警值", "%(count)s %(levels)s: %(name)s below warning"),
    "group_above_warning": ("%(count)s 个%(level)s%(name)s高于预警值", "%(count)s %(levels)s: %(name)s above warning"),
    "group_below_critical": (
        "%(count)s 个%(level)s%(name)s低于严重值",
        "%(count)s %(levels)s: %(name)s below critical",
    ),
    "group_above_critical": (
        "%(count)s 个%(level)s%(name)s高于严重值",
        "%(count)s %(levels)s: %(name)s above critical",
    ),
    "group_items": ("%(where)s：%(name)s %(count)s 条", "%(name)s: %(count)s in %(where)s"),
    "group_where": ("%(count)s 个%(level)s", "%(count)s %(levels)s"),
    "group_other": ("%(count)s 个%(level)s：%(name)s", "%(count)s %(levels)s: %(name)s"),
    "includes_below": ("含 %(count)s 个下级区域", "includes %(count)s areas below"),
    "storm": (
        "告警激增：5 分钟内新增 %(count)s 条，已按指标归组",
        "Alert surge: %(count)s new in 5 min, grouped by indicator",
    ),
    "verdict_confirmed": ("现场属实", "confirmed"),
    "verdict_partly": ("部分属实", "partly"),
    "verdict_contradicted": ("现场不符", "contradicted"),
    "verdict_could_not_verify": ("无法核实", "could not verify"),
    "legend_warning_alert": ("预警告警", "warning alert"),
    "legend_critical_alert": ("严重告警", "critical alert"),
    "legend_no_data": ("无数据", "no data"),
    "map_layer": ("地图", "Map"),
    "in_region": ("%(name)s（%(parent)s）", "%(name)s (%(parent)s)"),
    "level_city": ("市", "cities"),
    "level_district": ("区", "districts"),
    "level_street": ("街道", "streets"),
    "level_community": ("社区", "communities"),
    "level_other": ("区域", "areas"),
    "trend": ("近一小时", "Last hour"),
}


def _zh() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def wall_text() -> dict[str, str]:
    """The wall's own words in the page's language."""
    index = 0 if _zh() else 1
    return {key: pair[index] for key, pair in WALL_TEXT.items()}


def wall_labels() -> dict[str, str]:
    """{indicator code: short label} in the page's language, for the indicators that have one."""
    index = 0 if _zh() else 1
    return {code: pair[index] for code, pair in WALL_LABELS.items()}


def wall_palettes() -> dict[str, list[dict[str, Any]]]:
    """{indicator code: bands [{lower, upper, color, name}]} for indicators drawn in a standard's palette."""
    palettes: dict[str, list[dict[str, Any]]] = {}
    aqi = _aqi_bands()
    if aqi:
        palettes["environment.aqi"] = aqi
        palettes["environment.aqi_daily"] = aqi
    congestion = _congestion_bands()
    if congestion:
        palettes["traffic.congestion"] = congestion
    return palettes


def _aqi_bands() -> list[dict[str, Any]]:
    # The categories the public AQI page colours by (apps.environment: the standard in force today).
    from apps.environment.aqi import STANDARDS
    from apps.environment.selectors import current_standard

    zh = _zh()
    return [
        {"lower": c.lower, "upper": c.upper, "color": c.color, "name": c.name_zh if zh else c.name_en}
        for c in STANDARDS[current_standard()].categories
    ]


# The traffic app's bands in the words of Chinese city traffic reports (apps/traffic/congestion.py).
_BAND_NAMES = {
    "smooth": ("畅通", "smooth"),
    "basically_smooth": ("基本畅通", "mostly smooth"),
    "light": ("轻度拥堵", "light"),
    "moderate": ("中度拥堵", "moderate"),
    "severe": ("严重拥堵", "severe"),
}


def _congestion_bands() -> list[dict[str, Any]]:
    from apps.traffic.charts import BAND_COLORS
    from apps.traffic.congestion import BANDS

    index = 0 if _zh() else 1
    bands, lower = [], 0.0
    for upper, name in BANDS:
        bands.append({"lower": lower, "upper": upper, "color": BAND_COLORS[name], "name": _BAND_NAMES[name][index]})
        lower = upper
    return bands


def palette_colorscale(bands: list[dict[str, Any]]) -> tuple[list[list[Any]], float, float]:
    """A stepped Plotly colour scale from bands, with its cmin and cmax (the last band's upper bound)."""
    top = float(bands[-1]["upper"])
    scale: list[list[Any]] = []
    start = 0.0
    for band in bands:  # each band from the previous one's upper bound: 50.4 is already 51's colour
        scale.append([start / top, band["color"]])
        scale.append([band["upper"] / top, band["color"]])
        start = float(band["upper"])
    return scale, 0.0, top
