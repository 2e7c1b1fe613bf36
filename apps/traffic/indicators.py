"""The traffic indicators, declared to the live spine by the app's manifest."""

from datetime import timedelta

from apps.core.classification import PUBLIC
from apps.indicators.declare import indicator_maker
from apps.indicators.registry import PublicWarningPolicy

# Loop detectors report every minute: five minutes without a reading is stale. Speeds and counts are whole numbers.
_indicator = indicator_maker(
    label=PUBLIC, aggregation="mean", rollup="mean", stale_after=timedelta(minutes=5), decimals=0
)

CONGESTION = _indicator(
    "traffic.congestion",
    "交通拥堵指数",
    "Congestion index",
    short_zh="拥堵指数",
    short_en="Congestion",
    unit="0–10",
    warning=6,
    critical=8,
    min_duration=timedelta(minutes=5),
    resolve_after=timedelta(minutes=10),
    headline=True,
    order=10,
    decimals=1,
    # Severe congestion (critical: a major incident or worse) may be a public warning once a person approves it.
    public_warning=PublicWarningPolicy(
        category="Transport",
        event_zh="严重交通拥堵",
        event_en="Severe traffic congestion",
        min_severity="critical",
        advice=lambda value: (
            "请绕行拥堵区域，错峰出行，留出更多出行时间。",
            "Avoid the congested area if you can, travel later, and allow extra time for your journey.",
        ),
        expires_after=timedelta(hours=2),
    ),
)
SPEED = _indicator(
    "traffic.speed",
    "平均车速",
    "Mean speed",
    short_zh="平均车速",
    short_en="Mean speed",
    unit="km/h",
    bad_direction="low",
    order=11,
)
VOLUME = _indicator(
    "traffic.volume",
    "车流量",
    "Traffic volume",
    short_zh="车流量",
    short_en="Traffic",
    unit="veh",
    aggregation="sum",  # vehicles counted in the bucket, over all the region's sensors
    rollup="sum",
    order=12,
)
OPEN_INCIDENTS = _indicator(
    "traffic.open_incidents",
    "未处置交通事件",
    "Open traffic incidents",
    short_zh="交通事件",
    short_en="Incidents",
    unit="",
    aggregation="last",
    rollup="sum",
    warning=3,
    critical=6,
    min_duration=timedelta(minutes=1),
    resolve_after=timedelta(minutes=5),
    stale_after=timedelta(hours=24),
    headline=True,
    order=13,
)
