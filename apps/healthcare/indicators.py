"""The healthcare indicators, declared to the live spine by the app's manifest.

Occupancy is per region the occupied share of the beds of the facilities reporting: a parent region's is
weighed by its children's reporting beds (`weight`), so the city's figure is occupied / total, not a mean
of percentages. Thresholds: 85 % bed occupancy is the usual limit for safe admission flow, ICUs run
hotter; emergency waits against an hour and two.
"""

from datetime import timedelta

from apps.healthcare.services import fever_explain
from apps.indicators.declare import indicator_maker
from apps.indicators.registry import PublicWarningPolicy

# Facilities restate their latest figures (aggregation "last"); two hours without one is stale. Beds, minutes and
# people are whole numbers.
_indicator = indicator_maker(aggregation="last", stale_after=timedelta(hours=2), decimals=0)

BEDS = _indicator("healthcare.beds", "在报床位", "Beds reporting", unit="beds", rollup="sum", order=40, shown=False)
ICU_BEDS = _indicator(
    "healthcare.icu_beds", "在报重症床位", "ICU beds reporting", unit="beds", rollup="sum", order=41, shown=False
)
BED_OCCUPANCY = _indicator(
    "healthcare.bed_occupancy",
    "床位使用率",
    "Bed occupancy",
    short_zh="床位使用",
    short_en="Beds in use",
    unit="%",
    rollup="weighted_mean",
    weight="healthcare.beds",
    warning=85,
    critical=95,
    min_duration=timedelta(minutes=30),
    resolve_after=timedelta(hours=1),
    headline=True,
    order=42,
)
ICU_OCCUPANCY = _indicator(
    "healthcare.icu_occupancy",
    "重症床位使用率",
    "ICU occupancy",
    short_zh="重症床位",
    short_en="ICU beds",
    unit="%",
    rollup="weighted_mean",
    weight="healthcare.icu_beds",
    warning=90,
    critical=100,
    min_duration=timedelta(minutes=30),
    resolve_after=timedelta(hours=1),
    order=43,
)
ER_WAIT = _indicator(
    "healthcare.er_wait",
    "急诊最长候诊",
    "Longest emergency wait",
    short_zh="急诊候诊",
    short_en="ER wait",
    unit="min",
    rollup="max",
    warning=60,
    critical=120,
    min_duration=timedelta(minutes=15),
    resolve_after=timedelta(minutes=30),
    order=44,
)
ER_WAITING = _indicator(
    "healthcare.er_waiting",
    "急诊候诊人数",
    "Waiting in emergency",
    short_zh="急诊排队",
    short_en="ER queue",
    unit="",  # a count of people: the name says so, in the page's language
    rollup="sum",
    order=45,
)
FEVER_VISITS = _indicator(
    "healthcare.fever_visits",
    "今日发热门诊人次",
    "Fever-clinic visits today",
    short_zh="发热门诊",
    short_en="Fever visits",
    unit="",  # a count of visits (the name says so): the local day's so far, restated with every snapshot
    rollup="sum",
    order=46,
)
FEVER_SIGNAL = _indicator(
    "healthcare.fever_signal",
    "发热门诊预警",
    "Fever-clinic alarm",
    short_zh="发热预警",
    short_en="Fever alarm",
    unit="CUSUM",  # the surveillance's score for yesterday: 3 and above is an alarm (surveillance.py)
    rollup="max",  # the city shows its highest district
    warning=3,
    critical=5,
    min_duration=timedelta(minutes=1),
    resolve_after=timedelta(hours=6),
    decimals=1,
    headline=True,
    order=47,
    explain=lambda region_id, at: fever_explain(region_id, at),
    # Never published by itself: only when a health official (warnings.choose_health_warning) chooses to, and a
    # person approves the text.
    public_warning=PublicWarningPolicy(
        category="Health",
        event_zh="发热病例增多",
        event_en="Rise in fever cases",
        automatic=False,
        choose_permission="warnings.choose_health_warning",
        advice=lambda value: (
            "出现发热症状请佩戴口罩，就近前往发热门诊就诊，减少前往人员密集场所。",
            "If you have a fever, wear a mask, go to the nearest fever clinic, and avoid crowded places.",
        ),
        expires_after=timedelta(hours=24),
    ),
)
