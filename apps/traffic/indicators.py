"""The traffic indicators, declared to the live spine by the app's manifest."""

from datetime import timedelta

from apps.indicators.registry import Indicator

CONGESTION = Indicator(
    code="traffic.congestion",
    domain="traffic",
    name_zh="交通拥堵指数",
    name_en="Congestion index",
    short_zh="拥堵指数",
    short_en="Congestion",
    unit="0–10",
    aggregation="mean",
    rollup="mean",
    bad_direction="high",
    warning=6,
    critical=8,
    min_duration=timedelta(minutes=5),
    resolve_after=timedelta(minutes=10),
    stale_after=timedelta(minutes=5),
    headline=True,
    order=10,
)

SPEED = Indicator(
    code="traffic.speed",
    domain="traffic",
    name_zh="平均车速",
    name_en="Mean speed",
    short_zh="平均车速",
    short_en="Mean speed",
    unit="km/h",
    aggregation="mean",
    rollup="mean",
    bad_direction="low",
    stale_after=timedelta(minutes=5),
    decimals=0,
    order=11,
)

VOLUME = Indicator(
    code="traffic.volume",
    domain="traffic",
    name_zh="车流量",
    name_en="Traffic volume",
    short_zh="车流量",
    short_en="Traffic",
    unit="veh",
    aggregation="sum",  # vehicles counted in the bucket, over all the region's sensors
    rollup="sum",
    bad_direction="high",
    stale_after=timedelta(minutes=5),
    decimals=0,
    order=12,
)

OPEN_INCIDENTS = Indicator(
    code="traffic.open_incidents",
    domain="traffic",
    name_zh="未处置交通事件",
    name_en="Open traffic incidents",
    short_zh="交通事件",
    short_en="Incidents",
    unit="",
    aggregation="last",
    rollup="sum",
    bad_direction="high",
    warning=3,
    critical=6,
    min_duration=timedelta(minutes=1),
    resolve_after=timedelta(minutes=5),
    stale_after=timedelta(hours=24),
    decimals=0,
    headline=True,
    order=13,
)
