"""Q-1: each dashboard query with 10× the history ÷ the same query with 1× (target ≤ 1.10 each).

Two synthetic indicators over every region of the demo city, in the same table: "bench.1x" with 6 hours
of minute buckets, "bench.10x" with 60 hours. Each dashboard query (what the wall and region snapshots
are made of) runs for both, interleaved, so machine noise hits both alike. Dashboards read rollups in
bounded windows, so their cost should not grow with history.
"""

from __future__ import annotations

from datetime import timedelta

from bench.harness import Result, interleaved_median

HOURS_1X = 6
TARGET = 1.10


def _indicator(code: str):  # noqa: ANN202
    from apps.indicators.registry import Indicator, get_indicator, indicator_registry

    return get_indicator(code) or indicator_registry.register(
        Indicator(code=code, domain="bench", name_zh="负载", name_en="Load", unit="%", warning=70, critical=90)
    )


def _fill(code: str, hours: int) -> int:
    """Minute buckets of `code` for every region over the last `hours` hours."""
    from django.utils import timezone

    from apps.indicators.models import IndicatorValue
    from apps.regions.models import Region

    now = timezone.now().replace(second=0, microsecond=0)
    region_ids = list(Region.objects.values_list("id", flat=True))
    rows = []
    for minute in range(hours * 60, 0, -1):
        start = now - timedelta(minutes=minute)
        for region_id in region_ids:
            value = 40 + (minute * 7 + region_id) % 50
            fields = {"count": 1, "sum": value, "min": value, "max": value, "last_value": value, "last_at": start}
            rows.append(
                IndicatorValue(indicator=code, region_id=region_id, granularity="minute", bucket_start=start, **fields)
            )
    IndicatorValue.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _queries(code: str) -> dict[str, object]:
    from django.utils import timezone

    from apps.dashboards import selectors as dash
    from apps.indicators import selectors as ind
    from apps.regions.models import Region

    city = Region.objects.get(level="city")
    district = Region.objects.filter(level="district").order_by("code").first()
    communities = dict(Region.objects.filter(level="community").values_list("id", "code"))
    indicator = _indicator(code)
    now = timezone.now()
    return {
        "city tiles (wall)": lambda: ind.region_tiles(region_id=city.id, region_code=city.code, codes=[code]),
        "district map (wall)": lambda: dash.children_values(region=city, codes=[code]),
        "street map (region page)": lambda: dash.children_values(region=district, codes=[code]),
        "community latest (API)": lambda: ind.map_values(indicator_code=code, region_ids=communities),
        "series 6 h (API)": lambda: ind.indicator_series(
            indicator=indicator, region_id=district.id, granularity="minute", start=now - timedelta(hours=6), end=now
        ),
    }


def run() -> list[Result]:
    rows_1x = _fill("bench.1x", HOURS_1X)
    rows_10x = _fill("bench.10x", HOURS_1X * 10)
    small, large = _queries("bench.1x"), _queries("bench.10x")
    timings = interleaved_median(
        {**{f"1x|{k}": v for k, v in small.items()}, **{f"10x|{k}": v for k, v in large.items()}}
    )
    results = []
    for name in small:
        t1, t10 = timings[f"1x|{name}"], timings[f"10x|{name}"]
        ratio = t10 / t1
        detail = f"{t10 * 1000:.2f} ms with {rows_10x:,} rows of history vs {t1 * 1000:.2f} ms with {rows_1x:,}"
        results.append(Result("Q-1", name, ratio, f"<= {TARGET}", ratio <= TARGET, detail))
    return results
