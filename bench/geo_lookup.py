"""GEO-1: points per second of the region lookup ÷ a raw shapely STRtree.query on the same arrays.

Ours: `apps.regions.selectors.region_ids_for_points` as callers use it — the freshness check against the
database, then the cached index, then choosing the deepest region per point. Reference: a bare
`STRtree(geometries).query(shapely.points(lon, lat), predicate="intersects")` over the same regions.
A second figure leaves point construction out of the reference (query only), the strictest reading.
"""

from __future__ import annotations

import numpy as np

from bench.harness import Result, interleaved_median

POINTS = 200_000
TARGET = 0.8


def run() -> list[Result]:
    import shapely

    from apps.regions import selectors
    from apps.regions.geo import from_geojson
    from apps.regions.models import Region

    west, south, east, north = Region.objects.get(level="city").bbox
    rng = np.random.default_rng(2026)
    lon = rng.uniform(west, east, POINTS)
    lat = rng.uniform(south, north, POINTS)
    tree = shapely.STRtree([from_geojson(g) for g in Region.objects.values_list("geometry", flat=True)])
    points = shapely.points(lon, lat)

    ours = selectors.region_ids_for_points(lon, lat)
    assert (ours != 0).mean() > 0.6, "most random points in the city's bbox should fall inside the city"
    timings = interleaved_median(
        {
            "ours": lambda: selectors.region_ids_for_points(lon, lat),
            "reference": lambda: tree.query(shapely.points(lon, lat), predicate="intersects"),
            "query_only": lambda: tree.query(points, predicate="intersects"),
        }
    )
    ratio = timings["reference"] / timings["ours"]
    strict = timings["query_only"] / timings["ours"]
    regions = Region.objects.count()
    detail = (
        f"{POINTS / timings['ours']:,.0f} points/s ours vs {POINTS / timings['reference']:,.0f} reference "
        f"({regions} regions, {POINTS:,} points); query-only reference: ratio {strict:.3f}"
    )
    return [Result("GEO-1", "region lookup ÷ raw STRtree.query", ratio, f">= {TARGET}", ratio >= TARGET, detail)]
