"""The environment indicators, declared to the live spine by the app's manifest."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.core.classification import PUBLIC
from apps.environment.aqi import Category, category_for, standard_for
from apps.environment.services import aqi_primary_pollutants
from apps.indicators.declare import indicator_maker
from apps.indicators.registry import PublicWarningPolicy


def _aqi_category(value: float | None) -> Category | None:
    return category_for(settings.CITYOPS_AQI_STANDARD or standard_for(timezone.now()), value)


def aqi_level(value: float | None) -> tuple[int, str, str] | None:
    """The AQI category of a value, (level 1–6, Chinese, English): a public warning is updated when it rises."""
    category = _aqi_category(value)
    return (category.level, category.name_zh, category.name_en) if category else None


def aqi_advice(value: float | None) -> tuple[str, str] | None:
    """The health advice of the value's AQI category, (Chinese, English): a public warning's instruction."""
    category = _aqi_category(value)
    return (category.advice_zh, category.advice_en) if category else None


# An AQI episode (lightly polluted and worse) is a public warning once a person approves it (apps/warnings).
AQI_WARNING = PublicWarningPolicy(
    category="Env",
    event_zh="空气污染",
    event_en="Air pollution",
    advice=aqi_advice,
    level=aqi_level,
    expires_after=timedelta(hours=6),
    page="environment:public-aqi",
)

# Stations restate their latest readings (aggregation "last"); two hours without one is stale. AQI values and
# concentrations are whole numbers.
_indicator = indicator_maker(
    label=PUBLIC, aggregation="last", rollup="mean", stale_after=timedelta(hours=2), decimals=0
)

AQI = _indicator(
    "environment.aqi",
    "空气质量指数",
    "Air quality index",
    short_zh="空气质量",
    short_en="Air quality",
    unit="AQI",  # the station's latest real-time AQI in the bucket
    warning=101,  # lightly polluted and worse
    critical=201,  # heavily polluted and worse
    min_duration=timedelta(minutes=30),
    resolve_after=timedelta(hours=1),
    headline=True,
    order=30,
    explain=lambda region_id, at: aqi_primary_pollutants(region_id, at),
    public_warning=AQI_WARNING,
)
PM25 = _indicator(
    "environment.pm25",
    "PM2.5",
    "PM2.5",
    short_zh="PM2.5",
    short_en="PM2.5",
    unit="µg/m³",
    warning=75,  # the 24-hour limit of GB 3095-2012 grade II
    critical=150,
    min_duration=timedelta(minutes=30),
    resolve_after=timedelta(hours=1),
    order=31,
)
NOISE_OVER = _indicator(
    "environment.noise_over_limit",
    "噪声超标",
    "Noise over the limit",
    short_zh="噪声超标",
    short_en="Noise",
    unit="dB(A)",
    aggregation="max",
    rollup="max",
    warning=0.1,  # any amount above the zone's day or night limit (GB 3096-2008)
    critical=5,
    min_duration=timedelta(minutes=30),
    resolve_after=timedelta(hours=1),
    order=32,
    decimals=1,
)
AQI_DAILY = _indicator(
    "environment.aqi_daily",
    "昨日空气质量指数",
    "AQI yesterday",
    short_zh="昨日AQI",
    short_en="AQI yesterday",
    unit="AQI",  # the previous day's daily report, restated at every whole hour
    warning=101,
    critical=201,
    min_duration=timedelta(minutes=1),
    resolve_after=timedelta(hours=6),
    order=33,
)
POLLUTED_HOURS = _indicator(
    "environment.polluted_hours",
    "今日污染小时数",
    "Polluted hours today",
    short_zh="污染小时",
    short_en="Polluted hours",
    unit="h",  # hours of the local day so far with a real-time AQI above 100
    rollup="max",
    warning=3,
    critical=8,
    min_duration=timedelta(minutes=1),
    resolve_after=timedelta(hours=2),
    headline=True,
    order=34,
)
