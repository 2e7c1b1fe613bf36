"""The healthcare indicators, declared to the live spine by the app's manifest.

Occupancy is per region the occupied share of the beds of the facilities reporting: a parent region's is
weighed by its children's reporting beds (`weight`), so the city's figure is occupied / total, not a mean
of percentages. Thresholds: 85 % bed occupancy is the usual limit for safe admission flow, ICUs run
hotter; emergency waits against an hour and two.
"""

from datetime import timedelta

from apps.healthcare.services import fever_explain
from apps.indicators.registry import Indicator

BEDS = Indicator(
    code="healthcare.beds",
    domain="healthcare",
    name_zh="在报床位",
    name_en="Beds reporting",
    unit="beds",
    aggregation="last",
    rollup="sum",
    stale_after=timedelta(hours=2),
    decimals=0,
    order=40,
    shown=False,
)

ICU_BEDS = Indicator(
    code="healthcare.icu_beds",
    domain="healthcare",
    name_zh="在报重症床位",
    name_en="ICU beds reporting",
    unit="beds",
    aggregation="last",
    rollup="sum",
    stale_after=timedelta(hours=2),
    decimals=0,
    order=41,
    shown=False,
)

BED_OCCUPANCY = Indicator(
    code="healthcare.bed_occupancy",
    domain="healthcare",
    name_zh="床位使用率",
    name_en="Bed occupancy",
    short_zh="床位使用",
    short_en="Beds in use",
    unit="%",
    aggregation="last",
    rollup="weighted_mean",
    weight="healthcare.beds",
    bad_direction="high",
    warning=85,
    critical=95,
    min_duration=timedelta(minutes=30),
    resolve_after=timedelta(hours=1),
    stale_after=timedelta(hours=2),
    decimals=0,
    headline=True,
    order=42,
)

ICU_OCCUPANCY = Indicator(
    code="healthcare.icu_occupancy",
    domain="healthcare",
    name_zh="重症床位使用率",
    name_en="ICU occupancy",
    short_zh="重症床位",
    short_en="ICU beds",
    unit="%",
    aggregation="last",
    rollup="weighted_mean",
    weight="healthcare.icu_beds",
    bad_direction="high",
    warning=90,
    critical=100,
    min_duration=timedelta(minutes=30),
    resolve_after=timedelta(hours=1),
    stale_after=timedelta(hours=2),
    decimals=0,
    order=43,
)

ER_WAIT = Indicator(
    code="healthcare.er_wait",
    domain="healthcare",
    name_zh="急诊最长候诊",
    name_en="Longest emergency wait",
    short_zh="急诊候诊",
    short_en="ER wait",
    unit="min",
    aggregation="last",
    rollup="max",
    bad_direction="high",
    warning=60,
    critical=120,
    min_duration=timedelta(minutes=15),
    resolve_after=timedelta(minutes=30),
    stale_after=timedelta(hours=2),
    decimals=0,
    order=44,
)

ER_WAITING = Indicator(
    code="healthcare.er_waiting",
    domain="healthcare",
    name_zh="急诊候诊人数",
    name_en="Waiting in emergency",
    short_zh="急诊排队",
    short_en="ER queue",
    unit="",  # a count of people: the name says so, in the page's language
    aggregation="last",
    rollup="sum",
    bad_direction="high",
    stale_after=timedelta(hours=2),
    decimals=0,
    order=45,
)

FEVER_VISITS = Indicator(
    code="healthcare.fever_visits",
    domain="healthcare",
    name_zh="今日发热门诊人次",
    name_en="Fever-clinic visits today",
    short_zh="发热门诊",
    short_en="Fever visits",
    unit="",  # a count of visits: the name says so
    aggregation="last",  # the local day so far, restated with every snapshot
    rollup="sum",
    bad_direction="high",
    stale_after=timedelta(hours=2),
    decimals=0,
    order=46,
)

FEVER_SIGNAL = Indicator(
    code="healthcare.fever_signal",
    domain="healthcare",
    name_zh="发热门诊预警",
    name_en="Fever-clinic alarm",
    short_zh="发热预警",
    short_en="Fever alarm",
    unit="CUSUM",  # the surveillance's score for yesterday: 3 and above is an alarm (surveillance.py)
    aggregation="last",
    rollup="max",  # the city shows its highest district
    bad_direction="high",
    warning=3,
    critical=5,
    min_duration=timedelta(minutes=1),
    resolve_after=timedelta(hours=6),
    stale_after=timedelta(hours=2),
    decimals=1,
    headline=True,
    order=47,
    explain=lambda region_id, at: fever_explain(region_id, at),
)
