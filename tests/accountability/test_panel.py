"""The public truth panel: only public figures (their labels decide), each with what backs it; counts of people
from k up only; the JSON in the OpenAPI schema; the page in both languages, without sign-in."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from apps.core.classification import Public
from apps.indicators.registry import get_indicator, indicators, public_indicators

STATUS = "/api/v1/public/status"


def test_the_panel_shows_exactly_the_public_figures_by_their_labels(city):
    body = Client().get(STATUS).json()

    shown = {m["indicator"] for m in body["metrics"]}
    assert shown == {i.code for i in public_indicators()}
    assert shown  # traffic and environment publish figures
    for code in shown:
        label = get_indicator(code).label
        assert label.public == Public.AS_IS
        assert not label.is_personal
    # figures about people or important data never appear: healthcare, grievances
    hidden = {i.code for i in indicators(include_hidden=True)} - shown
    assert {c for c in hidden if c.startswith(("healthcare.", "grievances."))}
    assert not shown & set(hidden)


def test_the_city_lists_its_districts_and_a_district_its_streets(city):
    client = Client()
    city_status = client.get(STATUS).json()
    assert city_status["region"]["code"] == "C"
    assert city_status["parent"] is None
    assert [c["code"] for c in city_status["children"]] == ["E", "W"]
    west = client.get(STATUS, {"region": "W"}).json()
    assert west["parent"]["code"] == "C"
    assert [c["code"] for c in west["children"]] == ["W1", "W2"]
    assert {tuple(sorted(m)) for m in west["children"][0]["metrics"]} == {tuple(sorted(west["metrics"][0]))}
    assert client.get(STATUS, {"region": "nowhere"}).status_code == 404


def test_a_value_is_shown_with_its_time_source_and_trust(city, observe, environment_source):
    from apps.environment.indicators import AQI
    from apps.indicators.registry import indicator_registry

    with indicator_registry.override(AQI):  # `observe` sets the domains' indicators aside
        observe("W", 87, indicator="environment.aqi")
        body = Client().get(STATUS, {"region": "W"}).json()
    metric = next(m for m in body["metrics"] if m["indicator"] == "environment.aqi")
    assert metric["value"] == 87
    assert metric["observed_at"]
    assert metric["stale"] is False
    assert metric["source"] == {"code": "env-stations", "name": "空气监测站"}
    assert metric["trust"] == {"score": None, "level": "unchecked", "checks": 0}


@pytest.mark.parametrize(("people", "shown"), [(3, None), (4, 5)])
def test_the_panel_counts_places_not_people_and_a_contest_page_people_from_k_up(city, contest, people, shown):
    with override_settings(CITYOPS_CONTEST_THRESHOLD=10, CITYOPS_OPEN_DATA_K=5):
        for n in range(people):
            contest(text=f"有烟 {n}")
        contest(indicator="environment.aqi", region="W1", text="这里也有烟")
        body = Client().get(STATUS, {"region": "W"}).json()
        code = contest(text="再一个").code
        one = Client().get(f"/api/v1/public/contests/{code}").json()
    aqi = next(m for m in body["metrics"] if m["indicator"] == "environment.aqi")
    assert aqi["open_contests"] == {"groups": 2, "checking": 0}  # W itself and its street W1
    assert "contestants" not in str(body)
    assert one["contestants"] == shown


def test_an_open_disagreement_is_listed_beside_the_figures_it_concerns(city):
    from apps.indicators.alerting import alert_raise
    from apps.indicators.models import Alert

    alert_raise(kind=Alert.Kind.DISCREPANCY, severity="warning", region=city["W"], subject="discrepancy:x",
                title_zh="西区：数据不一致——3 件油烟诉求", title_en="West: sources disagree — 3 smoke reports",
                details={"rule": "air-good-smoke-complaints",
                         "indicators": ["environment.aqi", "environment.pm25"]})  # fmt: skip

    body = Client().get(STATUS, {"region": "W"}).json()
    by_code = {m["indicator"]: m for m in body["metrics"]}
    assert [d["rule"] for d in by_code["environment.aqi"]["discrepancies"]] == ["空气优良但油烟异味诉求集中"]
    assert by_code["traffic.congestion"]["discrepancies"] == []
    # the rule's name, never the summary's count of citizens' reports
    assert "3 件" not in str(body)


def test_the_page_reads_in_both_languages_without_sign_in_and_never_shows_contestants(city, contest):
    contest(text="有烟，电话 13912345678", contact="13812345678")
    client = Client()
    chinese = client.get("/public/", {"region": "W"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get("/public/", {"region": "W"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "这与我看到的不符" in chinese
    assert "空气质量指数" in chinese
    assert "This does not match what I see" in english
    assert "Air quality index" in english
    for body in (chinese, english):
        assert "13912345678" not in body
        assert "13812345678" not in body
        assert "有烟" not in body


def test_the_status_and_contests_are_in_the_openapi_schema(cast):
    client = Client()
    client.force_login(cast["admin"])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = {"/api/v1/public/status", "/api/v1/public/contests", "/api/v1/public/contests/{code}"}
    assert paths <= set(schema["paths"])
    metric = schema["components"]["schemas"]["Metric"]["properties"]
    for key in (
        "indicator",
        "name",
        "unit",
        "value",
        "observed_at",
        "source",
        "trust",
        "last_checked_on_site",
        "last_verdict",
        "discrepancies",
        "open_contests",
    ):
        assert key in metric


def test_the_walls_ground_truth_counts_contests_in_its_region(city, cast, contest):
    from apps.dashboards.selectors import ground_truth

    with override_settings(CITYOPS_CONTEST_THRESHOLD=2):
        contest(region="W")
        contest(indicator="traffic.congestion", region="W1")
        contest(indicator="traffic.congestion", region="W1")  # sent to the field
        contest(region="E")

    whole = ground_truth()
    west = ground_truth(region=city["W"])
    east = ground_truth(region=city["E"])
    assert whole["contests"] == {"waiting": 2, "checking": 1, "contradicted": 0}
    assert west["contests"] == {"waiting": 1, "checking": 1, "contradicted": 0}
    assert east["contests"] == {"waiting": 1, "checking": 0, "contradicted": 0}
    assert "largest_gap" in whole


def test_the_stewards_desk_lists_open_contests_with_every_count(city, cast, contest):
    contest(text="有烟")
    client = Client()
    client.force_login(cast["steward"])
    body = client.get("/governance/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Open contests from citizens" in body
    assert "Air quality index" in body
    assert "waiting for more voices" in body


def test_figures_read_in_the_pages_language_with_whole_numbers_whole(city, observe):
    from apps.indicators.registry import indicator_registry
    from apps.traffic.indicators import VOLUME

    with indicator_registry.override(VOLUME):
        observe("W", 1267, indicator="traffic.volume")
        chinese = Client().get(STATUS, {"region": "W"}, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
        english = Client().get(STATUS, {"region": "W"}, HTTP_ACCEPT_LANGUAGE="en").json()
        page = Client().get("/public/", {"region": "W"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    [zh] = [m for m in chinese["metrics"] if m["indicator"] == "traffic.volume"]
    [en] = [m for m in english["metrics"] if m["indicator"] == "traffic.volume"]
    assert (zh["value"], zh["unit"], en["unit"]) == (1267, "辆", "veh")
    assert '<span class="num">1267</span> <span class="unit">辆</span>' in page


def test_a_refused_forms_page_switching_language_lands_on_the_panel(city):
    answer = Client().get("/public/contests/")
    assert answer.status_code == 302
    assert answer["Location"] == "/public/"
