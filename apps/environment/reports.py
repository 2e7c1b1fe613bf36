"""Real-time and daily AQI reports from hourly means — pure functions, exact arithmetic.

Hourly series are lists of hourly mean concentrations, oldest first, the last entry the hour being
reported; `None` is a missing or invalid hour. Validity follows GB 3095-2012: a 24-hour mean needs at
least 20 valid hours, an 8-hour mean at least 6, and the daily maximum 8-hour O3 at least 14 valid 8-hour
means among those ending 08:00–24:00.

Pollutants: so2 no2 co o3 pm10 pm25 (China: µg/m³, CO mg/m³).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from apps.environment.aqi import HJ633_2012, HJ633_2026, US_EPA_2024, AqiResult, aqi, exact

Series = Sequence[Any]  # hourly means (numbers or decimal text), None where missing

MIN_VALID_24H = 20
MIN_VALID_8H = 6
MIN_VALID_8H_MEANS = 14


def mean_of_last(hourly: Series, hours: int, min_valid: int) -> Fraction | None:
    """The mean of the last `hours` hours, or None with fewer than `min_valid` valid ones among them."""
    window = [exact(v) for v in list(hourly)[-hours:] if v is not None]
    if len(window) < min_valid:
        return None
    return sum(window, Fraction(0)) / len(window)


def daily_max_8h(day: Series) -> Fraction | None:
    """The day's maximum 8-hour mean: `day` holds the 24 hourly means of the day (00–01 … 23–24).

    8-hour means end at 08:00 … 24:00 (17 of them); at least 14 must be valid.
    """
    hours = list(day)
    if len(hours) != 24:
        raise ValueError("a day has 24 hourly means")
    means = [mean_of_last(hours[: end + 1], 8, MIN_VALID_8H) for end in range(7, 24)]
    valid = [m for m in means if m is not None]
    return max(valid) if len(valid) >= MIN_VALID_8H_MEANS else None


def realtime_report(standard: str, hourly: Mapping[str, Series]) -> AqiResult:
    """The hourly (real-time) AQI from each pollutant's recent hourly means (the last 24 hours or more).

    HJ 633-2012: 1-hour SO2, NO2, CO, O3; O3 8-hour sliding mean; PM10 and PM2.5 24-hour sliding means.
    HJ 633-2026: the 1-hour means of all six. US EPA: NowCast PM2.5 and PM10, 8-hour O3 and CO sliding
    means, 1-hour O3, SO2 and NO2 (in EPA units).
    """
    values: dict[str, Any] = {}

    def latest(pollutant: str) -> Any:
        series = list(hourly.get(pollutant) or [])
        return series[-1] if series else None

    def put(key: str, value: Any) -> None:
        if value is not None:
            values[key] = value

    if standard == HJ633_2026:
        for pollutant in ("so2", "no2", "co", "o3", "pm10", "pm25"):
            put(f"{pollutant}_1h", latest(pollutant))
    elif standard == HJ633_2012:
        for pollutant in ("so2", "no2", "co", "o3"):
            put(f"{pollutant}_1h", latest(pollutant))
        put("o3_8h", mean_of_last(hourly.get("o3") or [], 8, MIN_VALID_8H))
        for pollutant in ("pm10", "pm25"):
            put(f"{pollutant}_24h", mean_of_last(hourly.get(pollutant) or [], 24, MIN_VALID_24H))
    elif standard == US_EPA_2024:
        put("pm25_24h", nowcast(hourly.get("pm25") or []))
        put("pm10_24h", nowcast(hourly.get("pm10") or []))
        put("o3_8h", mean_of_last(hourly.get("o3") or [], 8, MIN_VALID_8H))
        put("co_8h", mean_of_last(hourly.get("co") or [], 8, MIN_VALID_8H))
        for pollutant in ("o3", "so2", "no2"):
            put(f"{pollutant}_1h", latest(pollutant))
    return aqi(standard, values)


def daily_report(standard: str, day: Mapping[str, Series]) -> AqiResult:
    """The daily AQI from each pollutant's 24 hourly means of the day (China).

    24-hour means of SO2, NO2, CO, PM10, PM2.5 and the daily maximum 8-hour O3 (HJ 633-2012 also the
    daily maximum 1-hour O3).
    """
    if standard not in (HJ633_2012, HJ633_2026):
        raise ValueError("the daily report is defined by HJ 633")
    values: dict[str, Any] = {}
    for pollutant in ("so2", "no2", "co", "pm10", "pm25"):
        mean = mean_of_last(day.get(pollutant) or [], 24, MIN_VALID_24H)
        if mean is not None:
            values[f"{pollutant}_24h"] = mean
    ozone = list(day.get("o3") or [])
    if len(ozone) == 24:
        peak = daily_max_8h(ozone)
        if peak is not None:
            values["o3_8h"] = peak
        hourly = [exact(v) for v in ozone if v is not None]
        if standard == HJ633_2012 and len(hourly) >= MIN_VALID_24H:
            values["o3_1h"] = max(hourly)
    return aqi(standard, values)


def nowcast(hourly: Series) -> Fraction | None:
    """US EPA NowCast for PM: the last 12 hours weighted by how steady they were.

    w = 1 − (max − min) ÷ max over the valid hours, at least 0.5; NowCast = Σ wⁱ·cᵢ ÷ Σ wⁱ with i the
    hours ago (0 = the latest). Needs at least 2 valid hours among the latest 3.
    """
    last = list(hourly)[-12:]
    recent = [v for v in last[-3:] if v is not None]
    if len(recent) < 2:
        return None
    valid = [(ago, exact(v)) for ago, v in enumerate(reversed(last)) if v is not None]
    high = max(c for _ago, c in valid)
    low = min(c for _ago, c in valid)
    weight = max(Fraction(1, 2), 1 - (high - low) / high) if high > 0 else Fraction(1)
    numerator = sum((weight**ago * c for ago, c in valid), Fraction(0))
    denominator = sum((weight**ago for ago, _c in valid), Fraction(0))
    return numerator / denominator
