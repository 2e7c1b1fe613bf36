"""Air quality index by HJ 633-2012, HJ 633-2026 and the US EPA (2024 PM2.5 revision).

Pure functions over exact numbers: concentrations become `Fraction`s through their decimal text, so
2.2 mg/m³ of CO is exactly IAQI 55 under HJ 633 (a binary float gives 55.000…01, which rounds *up* to 56).

Keys name a pollutant and its averaging time: so2_24h so2_1h no2_24h no2_1h co_24h co_1h co_8h o3_1h o3_8h
pm10_24h pm10_1h pm25_24h pm25_1h. China: µg/m³, CO mg/m³. EPA: O3 and CO ppm, SO2 and NO2 ppb, PM µg/m³.
Each standard accepts only the keys it defines (`STANDARDS[code].keys`).

Where the standards leave a case open, the choice is written next to it:
- a concentration above a table's top breakpoint scores the top of the table (500);
- HJ 633-2026 "concentrations rounded to integers (CO to one decimal)" uses GB/T 8170 rounding
  (round half to even), the rule Chinese monitoring standards refer to for 修约.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

HJ633_2012, HJ633_2026, US_EPA_2024 = "hj633-2012", "hj633-2026", "us-epa-2024"
# Readings taken before 2026-03-01 (Beijing time) are indexed with HJ 633-2012, later ones with HJ 633-2026.
HJ633_2026_FROM = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)

POLLUTANT = {"so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3", "pm10": "PM10", "pm25": "PM2.5"}

# --- China: IAQI levels and each key's concentration breakpoints ----------------------------------------

CN_IAQI = (0, 50, 100, 150, 200, 300, 400, 500)
_CN_2012 = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "so2_1h": (0, 150, 500, 650, 800),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "pm10_24h": (0, 50, 150, 250, 350, 420, 500, 600),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 160, 215, 265, 800),
    "pm25_24h": (0, 35, 75, 115, 150, 250, 350, 500),
}
_CN_2026 = {
    **_CN_2012,
    "pm10_24h": (0, 50, 120, 250, 350, 420, 500, 600),
    "pm25_24h": (0, 35, 60, 115, 150, 250, 350, 500),
}
# 2026: 1-hour PM is scored against the daily breakpoints (real-time report).
_CN_2026["pm10_1h"] = _CN_2026["pm10_24h"]
_CN_2026["pm25_1h"] = _CN_2026["pm25_24h"]

# --- US EPA: (C_lo, C_hi, I_lo, I_hi) bands, after truncation to each key's resolution ---------------------

_EPA = {
    "o3_8h": [("0.000", "0.054", 0, 50), ("0.055", "0.070", 51, 100), ("0.071", "0.085", 101, 150),
              ("0.086", "0.105", 151, 200), ("0.106", "0.200", 201, 300)],
    "o3_1h": [("0.125", "0.164", 101, 150), ("0.165", "0.204", 151, 200), ("0.205", "0.404", 201, 300),
              ("0.405", "0.604", 301, 500)],
    "pm25_24h": [("0.0", "9.0", 0, 50), ("9.1", "35.4", 51, 100), ("35.5", "55.4", 101, 150),
                 ("55.5", "125.4", 151, 200), ("125.5", "225.4", 201, 300), ("225.5", "325.4", 301, 500)],
    "pm10_24h": [("0", "54", 0, 50), ("55", "154", 51, 100), ("155", "254", 101, 150), ("255", "354", 151, 200),
                 ("355", "424", 201, 300), ("425", "604", 301, 500)],
    "co_8h": [("0.0", "4.4", 0, 50), ("4.5", "9.4", 51, 100), ("9.5", "12.4", 101, 150), ("12.5", "15.4", 151, 200),
              ("15.5", "30.4", 201, 300), ("30.5", "50.4", 301, 500)],
    "so2_1h": [("0", "35", 0, 50), ("36", "75", 51, 100), ("76", "185", 101, 150), ("186", "304", 151, 200)],
    "so2_24h": [("305", "604", 201, 300), ("605", "1004", 301, 500)],
    "no2_1h": [("0", "53", 0, 50), ("54", "100", 51, 100), ("101", "360", 101, 150), ("361", "649", 151, 200),
               ("650", "1249", 201, 300), ("1250", "2049", 301, 500)],
}  # fmt: skip
_EPA_RESOLUTION = {"o3_8h": "0.001", "o3_1h": "0.001", "pm25_24h": "0.1", "co_8h": "0.1",
                   "pm10_24h": "1", "so2_1h": "1", "so2_24h": "1", "no2_1h": "1"}  # fmt: skip

# --- Categories: (upper AQI bound, level, zh, en, RGB, health effects zh/en, advice zh/en) ---------------


@dataclass(frozen=True)
class Category:
    level: int
    upper: int  # the highest AQI of the category (inclusive)
    name_zh: str
    name_en: str
    color: str  # "#rrggbb"
    effects_zh: str
    effects_en: str
    advice_zh: str
    advice_en: str

    @property
    def lower(self) -> int:
        """The lowest AQI of the category (the ranges are the same in all three standards)."""
        return {1: 0, 2: 51, 3: 101, 4: 151, 5: 201, 6: 301}[self.level]


_CN_CATEGORIES = [
    Category(1, 50, "优", "Excellent", "#00e400",
             "空气质量令人满意，基本无空气污染", "Air quality is satisfactory; there is almost no air pollution.",
             "各类人群可正常活动", "Everyone can go about their usual activities."),
    Category(2, 100, "良", "Good", "#ffff00",
             "空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响",
             "Air quality is acceptable, but some pollutants may slightly affect a very small number of unusually "
             "sensitive people.",
             "极少数异常敏感人群应减少户外活动",
             "The very few unusually sensitive people should spend less time outdoors."),
    Category(3, 150, "轻度污染", "Lightly polluted", "#ff7e00",
             "易感人群症状有轻度加剧，健康人群出现刺激症状",
             "Symptoms of sensitive people worsen slightly; healthy people show signs of irritation.",
             "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼",
             "Children, older people and people with heart or respiratory disease should cut down long or intense "
             "outdoor exercise."),
    Category(4, 200, "中度污染", "Moderately polluted", "#ff0000",
             "进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响",
             "Symptoms of sensitive people worsen further; the hearts and lungs of healthy people may be affected.",
             "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动",
             "Children, older people and people with heart or respiratory disease should avoid long or intense "
             "outdoor exercise; everyone else should exercise outdoors less."),
    Category(5, 300, "重度污染", "Heavily polluted", "#99004c",
             "心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
             "Symptoms of people with heart or lung disease worsen markedly and they tolerate exercise less; "
             "healthy people commonly show symptoms.",
             "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动",
             "Children, older people and people with heart or lung disease should stay indoors and stop outdoor "
             "exercise; everyone else should exercise outdoors less."),
    Category(6, 500, "严重污染", "Severely polluted", "#7e0023",
             "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
             "Healthy people tolerate exercise less and show strong symptoms; some diseases appear earlier.",
             "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动",
             "Children, older people and the sick should stay indoors and avoid exertion; everyone else should "
             "avoid outdoor activity."),
]  # fmt: skip
_EPA_CATEGORIES = [
    Category(1, 50, "良好", "Good", "#00e400",
             "空气质量令人满意，空气污染几乎没有风险",
             "Air quality is satisfactory, and air pollution poses little or no risk.",
             "各类人群可正常活动", "It is a good day to be active outside."),
    Category(2, 100, "中等", "Moderate", "#ffff00",
             "空气质量可接受；对少数对空气污染特别敏感的人可能有风险",
             "Air quality is acceptable. However, there may be a risk for some people, particularly those who are "
             "unusually sensitive to air pollution.",
             "特别敏感的人应考虑减少长时间或高强度的户外活动",
             "Unusually sensitive people should consider reducing prolonged or heavy exertion outdoors."),
    Category(3, 150, "对敏感人群不健康", "Unhealthy for Sensitive Groups", "#ff7e00",
             "敏感人群可能受到健康影响，一般公众受影响的可能性较小",
             "Members of sensitive groups may experience health effects. The general public is less likely to be "
             "affected.",
             "敏感人群应减少长时间或高强度的户外活动",
             "Sensitive groups should reduce prolonged or heavy exertion outdoors."),
    Category(4, 200, "不健康", "Unhealthy", "#ff0000",
             "部分公众可能受到健康影响，敏感人群可能受到更严重的影响",
             "Some members of the general public may experience health effects; members of sensitive groups may "
             "experience more serious health effects.",
             "敏感人群应避免长时间或高强度的户外活动，其他人应减少",
             "Sensitive groups should avoid prolonged or heavy exertion outdoors; everyone else should reduce it."),
    Category(5, 300, "非常不健康", "Very Unhealthy", "#8f3f97",
             "健康警报：所有人受到健康影响的风险增加",
             "Health alert: the risk of health effects is increased for everyone.",
             "敏感人群应避免一切户外活动，其他人应避免长时间或高强度的户外活动",
             "Sensitive groups should avoid all physical activity outdoors; everyone else should avoid prolonged or "
             "heavy exertion."),
    Category(6, 500, "危险", "Hazardous", "#7e0023",
             "紧急健康警告：所有人都更可能受到影响",
             "Health warning of emergency conditions: everyone is more likely to be affected.",
             "所有人应避免一切户外活动", "Everyone should avoid all physical activity outdoors."),
]  # fmt: skip


@dataclass(frozen=True)
class Standard:
    code: str
    keys: frozenset[str]
    categories: list[Category]
    name_zh: str
    name_en: str


STANDARDS = {
    HJ633_2012: Standard(HJ633_2012, frozenset(_CN_2012), _CN_CATEGORIES, "HJ 633-2012", "HJ 633-2012 (China)"),
    HJ633_2026: Standard(HJ633_2026, frozenset(_CN_2026), _CN_CATEGORIES, "HJ 633-2026", "HJ 633-2026 (China)"),
    US_EPA_2024: Standard(US_EPA_2024, frozenset(_EPA), _EPA_CATEGORIES, "美国 EPA AQI（2024）", "US EPA AQI (2024)"),
}


class AqiInputError(ValueError):
    """A concentration or key the standard cannot take; `field` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class AqiResult:
    standard: str
    aqi: int | None  # None where the standard says not to publish (HJ 633-2026: a pollutant missing, AQI ≤ 100)
    iaqi: dict[str, int]  # per key given; keys the standard says not to score are left out
    primary_pollutants: list[str]
    category: Category | None
    computed_aqi: int | None = field(default=None)  # the index before the publish rule (for the record)

    def as_dict(self, language: str = "zh-hans") -> dict[str, Any]:
        zh = language.startswith("zh")
        category = self.category
        return {
            "standard": self.standard,
            "aqi": self.aqi,
            "iaqi": self.iaqi,
            "primary_pollutants": self.primary_pollutants,
            "level": category.level if category else None,
            "category": (category.name_zh if zh else category.name_en) if category else None,
            "color": category.color if category else None,
            "advice": (category.advice_zh if zh else category.advice_en) if category else None,
        }


def standard_for(moment: datetime) -> str:
    """The Chinese standard that applies to a reading taken at this moment."""
    return HJ633_2026 if moment >= HJ633_2026_FROM else HJ633_2012


def exact(value: Any) -> Fraction:
    """A concentration as an exact number, through its decimal text (so 2.2 is 11/5, not a binary float)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise InvalidOperation
    number = Decimal(str(value).strip())
    if not number.is_finite():
        raise InvalidOperation
    return Fraction(number)


def aqi(standard: str, concentrations: Mapping[str, Any]) -> AqiResult:
    """IAQI per key, the AQI, primary pollutant(s), category — by the standard's own rules.

    Raises AqiInputError for an unknown standard, a key the standard does not define, or a value that is
    not a non-negative finite number.
    """
    if standard not in STANDARDS:
        raise AqiInputError("standard", _("unknown standard; one of %(codes)s") % {"codes": ", ".join(STANDARDS)})
    definition = STANDARDS[standard]
    values: dict[str, Fraction] = {}
    for key, raw in concentrations.items():
        if key not in definition.keys:
            raise AqiInputError(key, _("%(standard)s does not define %(key)s") % {"standard": standard, "key": key})
        try:
            value = exact(raw)
        except (InvalidOperation, ValueError, TypeError):
            raise AqiInputError(key, _("not a number")) from None
        if value < 0:
            raise AqiInputError(key, _("must not be negative"))
        values[key] = value
    if standard == US_EPA_2024:
        return _epa(values)
    return _china(standard, values)


def _china(standard: str, values: dict[str, Fraction]) -> AqiResult:
    table = _CN_2026 if standard == HJ633_2026 else _CN_2012
    iaqi: dict[str, int] = {}
    for key, value in values.items():
        if standard == HJ633_2026:
            value = _round(value, "0.1" if key.startswith("co_") else "1", ROUND_HALF_EVEN)
        score = _china_iaqi(standard, key, value, table[key])
        if score is not None:
            iaqi[key] = score
    computed = max(iaqi.values()) if iaqi else None
    if computed is not None and standard == HJ633_2026:
        computed = max(1, computed)  # HJ 633-2026: the AQI runs from 1 to 500
    published = computed
    if standard == HJ633_2026 and computed is not None and computed <= 100 and _missing(values):
        published = None  # a pollutant is missing: publish only an AQI above 100
    primary = _primary(iaqi) if computed is not None and computed > 50 else []
    category = _category(STANDARDS[standard].categories, computed)
    return AqiResult(standard, published, iaqi, primary, category if published is not None else None, computed)


def _china_iaqi(standard: str, key: str, value: Fraction, breakpoints: tuple[int, ...]) -> int | None:
    top = breakpoints[-1]
    if key == "so2_1h" and value > top:  # above 800 µg/m³
        return 200 if standard == HJ633_2026 else None  # 2012: not scored; the 24-hour SO2 IAQI stands
    if key == "o3_8h" and value > top:  # above 800 µg/m³
        return 300 if standard == HJ633_2026 else None  # 2012: not scored; the 1-hour O3 IAQI stands
    if value >= top:
        return CN_IAQI[len(breakpoints) - 1]
    for band in range(1, len(breakpoints)):
        lo, hi = breakpoints[band - 1], breakpoints[band]
        if value <= hi:
            i_lo, i_hi = CN_IAQI[band - 1], CN_IAQI[band]
            return math.ceil(Fraction(i_hi - i_lo, hi - lo) * (value - lo) + i_lo)  # rounded up (进位取整)
    raise AssertionError("unreachable: value below the top breakpoint")


def _missing(values: dict[str, Fraction]) -> bool:
    given = {key.split("_")[0] for key in values}
    return not set(POLLUTANT) <= given


def _epa(values: dict[str, Fraction]) -> AqiResult:
    iaqi: dict[str, int] = {}
    for key, value in values.items():
        score = _epa_index(key, _round(value, _EPA_RESOLUTION[key], ROUND_DOWN))
        if score is not None:
            iaqi[key] = score
    # 8-hour O3 is the rule; 1-hour O3 is reported where it is larger (more protective): the max does that.
    computed = max(iaqi.values()) if iaqi else None
    category = _category(_EPA_CATEGORIES, computed)
    return AqiResult(US_EPA_2024, computed, iaqi, _primary(iaqi) if iaqi else [], category, computed)


def _epa_index(key: str, value: Fraction) -> int | None:
    bands = _EPA[key]
    for c_lo, c_hi, i_lo, i_hi in bands:
        lo, hi = Fraction(Decimal(c_lo)), Fraction(Decimal(c_hi))
        if lo <= value <= hi:
            index = Fraction(i_hi - i_lo) / (hi - lo) * (value - lo) + i_lo
            return math.floor(index + Fraction(1, 2))  # to the nearest integer, halves up
    top = Fraction(Decimal(bands[-1][1]))
    if value > top:
        if key == "o3_8h":
            return None  # above 0.200 ppm: the 1-hour O3 index applies
        if key == "so2_1h":
            return None  # 305 ppb and above: the 24-hour SO2 index applies
        return 500  # beyond the table: the top of the index
    return None  # below the table: 1-hour O3 under 0.125 ppm, 24-hour SO2 under 305 ppb are not scored


def _round(value: Fraction, step: str, mode: str) -> Fraction:
    """`value` (≥ 0) to a multiple of `step`, exactly: truncated (EPA) or half to even (GB/T 8170)."""
    unit = Fraction(Decimal(step))
    steps = value / unit
    whole = math.floor(steps)
    if mode == ROUND_HALF_EVEN:
        rest = steps - whole
        whole += 1 if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2) else 0
    return whole * unit


def _primary(iaqi: dict[str, int]) -> list[str]:
    """The pollutant(s) with the largest IAQI; ties are all primary (并列)."""
    top = max(iaqi.values())
    names = {POLLUTANT[key.split("_")[0]] for key, score in iaqi.items() if score == top}
    return sorted(names, key=list(POLLUTANT.values()).index)


def _category(categories: list[Category], index: int | None) -> Category | None:
    if index is None:
        return None
    return next((c for c in categories if index <= c.upper), categories[-1])


def category_for(standard: str, index: float | None) -> Category | None:
    """The category of an AQI value under a standard (values between integers count as the next one up)."""
    if index is None or standard not in STANDARDS:
        return None
    return _category(STANDARDS[standard].categories, math.ceil(index))
