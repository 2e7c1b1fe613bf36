"""What the command wall needs besides its data: short labels, the standards' palettes and its own words.

Short labels: a tile on the wall is about 190 px wide at 1080p and its title is 22 px (read from 5 m), so the
indicators' full names ("Fever-clinic alarm", "Open traffic incidents") do not fit and were cut with an
ellipsis. Each indicator gets a short label written for the wall in both languages; an indicator without one
(a new domain's, a test's) shows its full name, wrapped, never a shortened made-up one.

Palettes: an indicator measured against a standard's categories is drawn in the standard's own colours on the
wall, as on every other page: AQI by the categories the public AQI page uses (apps.environment), congestion by
the traffic app's bands. Everything else keeps the status colours (normal / warning / critical).

Words: the wall's own words (verdicts, group titles, level words) are in the message catalogue like every other
page's, under the context "wall" so that a word shared with other pages ("confirmed", "no data") can say what it
means on the wall; `wall_text()` hands them to the script by key. The short labels stay pairs here: they are
data per indicator, checked for length in both languages together.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language, npgettext, pgettext_lazy

from apps.indicators.registry import indicators

# The wall's own words: English msgids in the "wall" context (the same English word means something else on
# other pages: "confirmed" is a verdict here, a lifecycle status there), Chinese in locale/zh_Hans. The keys are
# the script's (config.strings); %(name)s placeholders are filled by the script, and the Chinese uses the same
# names as the English (msgfmt checks them).
WALL_TEXT: dict[str, Promise] = {
    "unverified": pgettext_lazy("wall", "unverified"),
    "verified_short": pgettext_lazy("wall", "checked %(count)s×"),
    "too_few": pgettext_lazy("wall", "too few"),
    "too_few_count": pgettext_lazy("wall", "%(count)s of %(min)s samples"),
    "more_alerts": pgettext_lazy("wall", "%(count)s more"),
    "group_below_warning": pgettext_lazy("wall", "%(count)s %(levels)s: %(name)s below warning"),
    "group_above_warning": pgettext_lazy("wall", "%(count)s %(levels)s: %(name)s above warning"),
    "group_below_critical": pgettext_lazy("wall", "%(count)s %(levels)s: %(name)s below critical"),
    "group_above_critical": pgettext_lazy("wall", "%(count)s %(levels)s: %(name)s above critical"),
    "group_items": pgettext_lazy("wall", "%(name)s: %(count)s in %(where)s"),
    "group_where": pgettext_lazy("wall", "%(count)s %(levels)s"),
    "group_other": pgettext_lazy("wall", "%(count)s %(levels)s: %(name)s"),
    "includes_below": pgettext_lazy("wall", "includes %(count)s areas below"),
    "includes_one_below": pgettext_lazy("wall", "includes 1 area below"),
    "storm": pgettext_lazy("wall", "Alert surge: %(count)s new in %(minutes)s min, grouped by indicator"),
    "verdict_confirmed": pgettext_lazy("wall", "confirmed"),
    "verdict_partly": pgettext_lazy("wall", "partly"),
    "verdict_contradicted": pgettext_lazy("wall", "contradicted"),
    "verdict_could_not_verify": pgettext_lazy("wall", "could not verify"),
    "legend_warning_alert": pgettext_lazy("wall", "warning alert"),
    "legend_critical_alert": pgettext_lazy("wall", "critical alert"),
    "legend_no_data": pgettext_lazy("wall", "no data"),
    "map_layer": pgettext_lazy("wall", "Map"),
    "in_region": pgettext_lazy("wall", "%(name)s (%(parent)s)"),
    "level_city": pgettext_lazy("wall", "cities"),
    "level_district": pgettext_lazy("wall", "districts"),
    "level_street": pgettext_lazy("wall", "streets"),
    "level_community": pgettext_lazy("wall", "communities"),
    "level_other": pgettext_lazy("wall", "areas"),
    "trend": pgettext_lazy("wall", "Last hour"),
    # Statuses on a card (read-only, kiosk too): what the room has already done about an alert.
    "sent_count": pgettext_lazy("wall", "%(count)s sent for verification"),
    # Regions with alerts but nobody on site in 30 days: one line, the count and the first names that fit.
    "screen_only": pgettext_lazy("wall", "%(count)s areas screen-only: %(names)s"),
    "screen_only_one": pgettext_lazy("wall", "Screen-only: %(names)s"),
    "names_and_more": pgettext_lazy("wall", "%(names)s …"),
    # What citizens say back (apps/accountability): figures contested now, and the largest 接诉即办 gap.
    "contests": pgettext_lazy("wall", "Contested by citizens: %(checking)s being checked, %(waiting)s waiting"),
    "contests_wrong": pgettext_lazy("wall", "%(count)s found wrong on site"),
    "gap_resolution": pgettext_lazy("wall", "%(name)s: resolved %(claimed)s claimed, %(verified)s verified"),
    "gap_satisfaction": pgettext_lazy("wall", "%(name)s: satisfied %(claimed)s claimed, %(verified)s verified"),
}


def _zh() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def wall_text() -> dict[str, str]:
    """The wall's own words in the page's language."""
    return {**{key: str(text) for key, text in WALL_TEXT.items()}, "trend_empty": trend_empty_text()}


def trend_empty_text() -> str:
    """What the trend panel says when the selected indicator has no value in the sparkline's window."""
    from apps.indicators.selectors import SPARK_POINTS  # the window: one minute a point

    hours, minutes = divmod(SPARK_POINTS, 60)
    if minutes:
        count = SPARK_POINTS
        text = npgettext("wall", "No data in the last minute", "No data in the last %(count)s minutes", count)
    else:
        count = hours
        text = npgettext("wall", "No data in the last hour", "No data in the last %(count)s hours", count)
    return text % {"count": count}


def wall_labels() -> dict[str, str]:
    """{indicator code: its short name for a tile, chip or map layer} in the page's language (Indicator.short)."""
    language = "zh" if _zh() else "en"
    return {indicator.code: indicator.short(language) for indicator in indicators()}


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
