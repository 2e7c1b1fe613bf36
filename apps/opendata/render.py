"""The three files of a release, built from its rows: CSV, JSON (rows with their metadata) and GeoJSON (one
feature per row, on its street, district or grid cell)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from apps.opendata.anonymize import Record

FORMATS = ("csv", "json", "geojson")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "geojson": "application/geo+json",
}


def render_csv(rows: list[Record], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def render_json(rows: list[Record], columns: list[str], header: dict[str, Any]) -> str:
    records = [{c: row.get(c) for c in columns} for row in rows]
    return json.dumps({**header, "records": records}, ensure_ascii=False, indent=1)


def render_geojson(
    rows: list[Record], columns: list[str], header: dict[str, Any], geometries: dict[str, dict], geometry_column: str
) -> str:
    features = [
        {"type": "Feature", "geometry": geometries.get(row[geometry_column]),
         "properties": {c: row.get(c) for c in columns}}
        for row in rows
    ]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "metadata": header, "features": features}, ensure_ascii=False)
