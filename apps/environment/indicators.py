"""The environment indicators, declared to the live spine by the app's manifest."""

from datetime import timedelta

from apps.environment.services import aqi_primary_pollutants
from apps.indicators.registry import Indicator

AQI = Indicator(
    code="environment.aqi",
    domain="environment",
    name_zh="空气质量指数",
    name_en="Air quality index",
    short_zh="空气质量",
    short_en="Air quality",
    unit="AQI",
    aggregation="last",  # the station's latest real-time AQI in the bucket
    rollup="mean",
    bad_direction="high",
    warning=101,  # lightly polluted and worse
    critical=201,  # heavily polluted and worse
    min_duration=timedelta(minutes=30),
    resolve_after=timedelta(hours=1),
    stale_after=timedelta(hours=2),
    decimals=0,
    headline=True,
    order=30,
    explain=lambda region_id, at: aqi_primary_pollutants(region_id, at),
)

PM25 = Indicator(
    code="environment.pm25",
    domain="environment",
    name_zh="PM2.5",
    name_en="PM2.5",
    short_zh="PM2.5",
    short_en="PM2.5",
    unit="µg/m³",
    aggregation="last",
    rollup="mean",
    bad_direction="high",
    warning=75,  # the 24-hour limit of GB 3095-2012 grade II
    critical=150,
    min_duration=timedelta(minutes=30),
    resolve_after=timedelta(hours=1),
    stale_after=timedelta(hours=2),
    decimals=0,
    order=31,
)

NOISE_OVER = Indicator(
    code="environment.noise_over_limit",
    domain="environment",
    name_zh="噪声超标",
    name_en="Noise over the limit",
    short_zh="噪声超标",
    short_en="Noise",
    unit="dB(A)",
    aggregation="max",
    rollup="max",
    bad_direction="high",
    warning=0.1,  # any amount above the zone's day or night limit (GB 3096-2008)
    critical=5,
    min_duration=timedelta(minutes=30),
    resolve_after=timedelta(hours=1),
    stale_after=timedelta(hours=2),
    order=32,
)

AQI_DAILY = Indicator(
    code="environment.aqi_daily",
    domain="environment",
    name_zh="昨日空气质量指数",
    name_en="AQI yesterday",
    short_zh="昨日AQI",
    short_en="AQI yesterday",
    unit="AQI",
    aggregation="last",  # the previous day's daily report, restated at every whole hour
    rollup="mean",
    bad_direction="high",
    warning=101,
    critical=201,
    min_duration=timedelta(minutes=1),
    resolve_after=timedelta(hours=6),
    stale_after=timedelta(hours=2),
    decimals=0,
    order=33,
)

POLLUTED_HOURS = Indicator(
    code="environment.polluted_hours",
    domain="environment",
    name_zh="今日污染小时数",
    name_en="Polluted hours today",
    short_zh="污染小时",
    short_en="Polluted hours",
    unit="h",  # hours of the local day so far with a real-time AQI above 100
    aggregation="last",
    rollup="max",
    bad_direction="high",
    warning=3,
    critical=8,
    min_duration=timedelta(minutes=1),
    resolve_after=timedelta(hours=2),
    stale_after=timedelta(hours=2),
    decimals=0,
    headline=True,
    order=34,
)
