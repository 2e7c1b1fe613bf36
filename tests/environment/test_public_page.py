"""/environment/aqi/: air quality for everyone, without signing in, in both languages."""

from apps.dashboards.services import live_tick
from tests.environment.test_ingest import air, post


def test_the_public_page_shows_each_district_with_its_category_and_advice(client, stations):
    post(client, stations["token"], [air(pm25=80, pm10=120)])  # A1 in W1: AQI 119, lightly polluted
    live_tick()

    zh = client.get("/environment/aqi/").content.decode()
    en = client.get("/environment/aqi/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "119" in zh
    assert "轻度污染" in zh
    assert "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼" in zh
    assert "Lightly polluted" in en
    assert "#ff7e00" in en
    assert 'data-code="W"' in en  # the district row, with its value rolled up from the street


def test_the_public_page_without_readings_says_so(client, city):
    response = client.get("/environment/aqi/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "No air quality readings yet." in response.content.decode()


def test_the_home_page_links_the_public_page_for_visitors(client, db):
    assert "/environment/aqi/" in client.get("/").content.decode()
