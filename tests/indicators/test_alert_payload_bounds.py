"""What one alert costs to publish stays bounded however many alerts it holds back, the wall page reads the
held alerts of all its alerts at once, and a storm that is on costs no count per new alert."""

from __future__ import annotations

import json

from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.indicators.models import Alert
from apps.indicators.selectors import INHIBITS_LISTED, alert_payload, alert_payloads
from apps.indicators.storm import STORM_KEY
from apps.regions.models import Region
from tests.indicators.test_alert_quality import alerts_sent, raise_on
from tests.indicators.test_alert_quality import sent as sent  # noqa: F401  (the fixture)


def communities_under(street: Region, n: int) -> list[Region]:
    Region.objects.bulk_create(
        Region(code=f"{street.code}-{i:04d}", name_zh=f"社区{i}", name_en=f"Community {i}", level="community",
               parent=street, path=f"{street.path}{street.code}-{i:04d}/", depth=street.depth + 1,
               geometry=street.geometry, geometry_simplified=street.geometry_simplified,
               centroid_lon=street.centroid_lon, centroid_lat=street.centroid_lat, bbox=street.bbox)
        for i in range(n)
    )  # fmt: skip
    return list(Region.objects.filter(parent=street).order_by("code"))


def held_alerts(holder: Alert, regions: list[Region]) -> None:
    now = timezone.now()
    Alert.objects.bulk_create(
        Alert(kind=holder.kind, indicator=holder.indicator, region=region, severity="warning", title_zh="t",
              title_en="t", value=80.0, opened_at=now, last_breach_at=now, inhibited_by=holder)
        for region in regions
    )  # fmt: skip


def test_a_breach_refreshed_on_an_alert_holding_many_publishes_a_bounded_payload(
    city, sent, django_capture_on_commit_callbacks
):
    # given West's alert holding back the alerts of 3 × the listed number of its communities
    west = raise_on(city["W"], value=75.0)
    held_alerts(west, communities_under(city["W1"], 3 * INHIBITS_LISTED))

    # when West's breach is refreshed, as at every tick while it lasts
    with django_capture_on_commit_callbacks(execute=True):
        raise_on(city["W"], value=76.0)

    # then the walls hear the count of all, and the names of the first few only
    payload = alerts_sent(sent)[-1]
    assert payload["inhibits_count"] == 3 * INHIBITS_LISTED
    assert [held["region"] for held in payload["inhibits"]] == [f"W1-{i:04d}" for i in range(INHIBITS_LISTED)]
    assert len(json.dumps(payload, ensure_ascii=False)) < 10_000
    # and a snapshot says the same
    assert alert_payloads([Alert.objects.get(pk=west.pk)])[0] == alert_payload(Alert.objects.get(pk=west.pk))


def test_an_alert_holding_a_few_lists_them_all(city):
    east, west, street = raise_on(city["E"]), raise_on(city["W"]), raise_on(city["W1"])
    top = raise_on(city["C"])

    payload = alert_payload(top)

    assert ([held["region"] for held in payload["inhibits"]], payload["inhibits_count"]) == (["E", "W", "W1"], 3)
    assert (alert_payload(east)["inhibits_count"], alert_payload(street)["inhibits"]) == (0, [])
    assert [p["inhibits_count"] for p in alert_payloads([top, west, east])] == [3, 0, 0]


def test_the_wall_page_reads_what_its_alerts_hold_back_in_one_query(city, cast, client, load_indicator):
    from apps.indicators.registry import Indicator, indicator_registry

    # given alerts of five indicators on the city, its districts and a street, none holding another
    codes = [f"test.load{i}" for i in range(5)]
    extra = [Indicator(code=code, domain="test", name_zh=code, name_en=code, unit="%") for code in codes]
    with indicator_registry.override(*extra):
        for code, region in zip(codes, ("C", "W", "E", "W1", "W2"), strict=True):
            raise_on(city[region], indicator=code)
        client.force_login(cast["command"])

        # when the wall opens
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/wall/")

    # then
    assert response.status_code == 200
    held_reads = [q["sql"] for q in queries.captured_queries if '"inhibited_by_id" IN' in q["sql"]]
    assert len(held_reads) <= 2, held_reads


def test_alerts_opening_in_a_storm_cost_no_count_each(city, settings, django_capture_on_commit_callbacks):
    # given a storm on
    cache.set(STORM_KEY, {"since": timezone.now().isoformat(), "new_alerts": 99}, timeout=None)
    try:
        # when a tick opens alerts in four regions in one transaction
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
            transaction.atomic(),
        ):
            for code in ("E", "W", "W1", "W2"):
                raise_on(city[code], indicator=f"test.other.{code}")
    finally:
        cache.delete(STORM_KEY)

    # then the window is not counted once per alert
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and '"created_at" >=' in q["sql"]]
    assert counts == []
