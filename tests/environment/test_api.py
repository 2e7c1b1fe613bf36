"""GET /api/v1/environment/aqi: the public calculator — no sign-in, every problem reported as 400."""

import pytest

URL = "/api/v1/environment/aqi"


def test_anyone_can_compute_an_aqi(client, db):
    response = client.get(
        URL, {"standard": "hj633-2012", "pm25_24h": "80", "pm10_24h": "120"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert response.json() == {
        "standard": "hj633-2012",
        "aqi": 107,
        "iaqi": {"pm25_24h": 107, "pm10_24h": 85},
        "primary_pollutants": ["PM2.5"],
        "level": 3,
        "category": "Lightly polluted",
        "color": "#ff7e00",
        "advice": "Children, older people and people with heart or respiratory disease should cut down long or "
        "intense outdoor exercise.",
    }


def test_chinese_by_default_and_null_where_the_2026_standard_says_not_to_publish(client, db):
    body = client.get(URL, {"standard": "hj633-2026", "pm25_24h": "30"}).json()

    assert body["aqi"] is None
    assert body["iaqi"] == {"pm25_24h": 43}
    assert body["category"] is None


def test_the_standard_defaults_to_the_one_in_force(client, db):
    body = client.get(URL, {"pm25_24h": "80", "pm10_24h": "120"}).json()

    assert body["standard"] == "hj633-2026"  # today is after 2026-03-01
    assert body["aqi"] == 119
    assert body["category"] == "轻度污染"


def test_epa_units_and_keys(client, db):
    body = client.get(URL, {"standard": "us-epa-2024", "o3_8h": "0.0789", "pm25_24h": "35.49"}).json()

    assert (body["aqi"], body["primary_pollutants"]) == (126, ["O3"])


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"standard": "who-2021", "pm25_24h": "1"}, ["standard"]),
        ({"standard": "hj633-2026", "pm25_24h": "many"}, ["pm25_24h"]),
        ({"standard": "hj633-2026", "pm25_24h": "-3"}, ["pm25_24h"]),
        ({"standard": "hj633-2026", "pm2_5": "3"}, ["pm2_5"]),
        ({"standard": "hj633-2012", "pm25_1h": "3"}, ["pm25_1h"]),  # 2012 has no 1-hour PM
        ({"standard": "us-epa-2024", "co_24h": "3"}, ["co_24h"]),  # EPA uses 8-hour CO
        ({"standard": "hj633-2026", "pm25_24h": "x", "o3_8h": "-1", "co_8h": "2"}, ["co_8h", "o3_8h", "pm25_24h"]),
        ({"standard": "hj633-2026"}, ["concentrations"]),
    ],
)
def test_bad_input_is_400_naming_every_field(client, db, params, fields):
    response = client.get(URL, params, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == fields


def test_problems_in_the_callers_language(client, db):
    response = client.get(URL, {"standard": "hj633-2026", "pm25_24h": "-1"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.json()["errors"] == {"pm25_24h": ["不能为负数"]}
