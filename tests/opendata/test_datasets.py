"""The field-findings and indicator datasets: counts only, no officers, k where records are about people."""

from __future__ import annotations

import io

import pandas as pd

from apps.opendata.services import release_produce
from tests.opendata.conftest import at, yesterday


def finding(city, officer, *, region: str, verdict: str, status: str = "accepted", hour: int = 10) -> None:
    from apps.fieldwork.models import Finding, Visit

    visit = Visit.objects.create(officer=officer, region=city[region], started_at=at(hour), ended_at=at(hour + 1),
                                 checkin_lon=118.005, checkin_lat=32.01, checkin_accuracy_m=10, status=status,
                                 notes="见到王大爷，电话13700001111")  # fmt: skip
    Finding.objects.create(visit=visit, verdict=verdict, comment="王大爷说没问题")


def test_field_findings_are_counted_per_district_day_and_verdict_with_k(city, cast):
    for _ in range(5):
        finding(city, cast["officer"], region="W1", verdict="confirmed")
    finding(city, cast["officer"], region="W2", verdict="contradicted")  # alone: suppressed
    finding(city, cast["officer"], region="W1", verdict="confirmed", status="review")  # not accepted: left out
    finding(city, cast["other_officer"], region="E", verdict="confirmed", hour=14)  # alone in E: suppressed

    release = release_produce(dataset_code="field-findings", first_day=yesterday())
    table = pd.read_csv(io.StringIO(release.csv_body))

    assert table.to_dict("records") == [{
        "date": yesterday().isoformat(), "district_code": "W", "district_name_zh": "西区",
        "district_name_en": "West District", "verdict": "confirmed", "findings": 5,
    }]  # fmt: skip
    assert (table.groupby(["date", "district_code", "verdict"])["findings"].sum() >= 5).all()
    assert (release.total_records, release.suppressed_records, release.suppressed_cells) == (7, 2, 2)
    for body in (release.csv_body, release.json_body, release.geojson_body):
        for personal in ("officer", "王大爷", "13700001111"):
            assert personal not in body


def test_indicators_are_daily_district_values_of_sensor_domains_only(city):
    from apps.indicators.models import IndicatorValue

    day = at(0)
    for code, value in (("traffic.congestion", 4.25), ("healthcare.fever_visits", 3), ("grievances.open", 2)):
        IndicatorValue.objects.create(indicator=code, region=city["W"], granularity="day", bucket_start=day, count=4,
                                      sum=value * 4, min=value, max=value, last_value=value, last_at=day)  # fmt: skip
    IndicatorValue.objects.create(indicator="traffic.congestion", region=city["W1"], granularity="day",
                                  bucket_start=day, count=1, sum=9, min=9, max=9, last_value=9,
                                  last_at=day)  # fmt: skip

    release = release_produce(dataset_code="district-indicators", first_day=yesterday())
    table = pd.read_csv(io.StringIO(release.csv_body))

    assert table[["indicator", "district_code", "value", "observations"]].to_dict("records") == [
        {"indicator": "traffic.congestion", "district_code": "W", "value": 4.2, "observations": 4},
    ]  # mean of 4.25 to one decimal (banker's rounding), streets and people-counting domains left out
    assert release.personal is False
    assert release.max_risk is None
    assert '"k": null' in release.json_body
