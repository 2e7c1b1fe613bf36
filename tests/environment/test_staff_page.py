"""/environment/: the AQI map, the city's trend and every station's health, for staff."""

import json

from apps.dashboards.services import live_tick
from tests.environment.test_ingest import air, post


def test_staff_see_the_map_in_the_standards_colours_and_the_stations_health(client, stations, cast):
    post(client, stations["token"], [air(pm25=80, pm10=120)])  # W1: AQI 119, lightly polluted (orange)
    live_tick()
    client.force_login(cast["command"])

    response = client.get("/environment/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    figure = json.loads(page.split('id="environment-map-figure" type="application/json">')[1].split("</script>")[0])
    orange = [t for t in figure["data"] if t.get("colorscale") and t["colorscale"][0][1] == "#ff7e00"]
    assert orange
    assert orange[0]["locations"] == ["W"]
    assert 'data-code="A1"' in page
    assert "PM2.5 80.0" in page
    assert "<strong>119</strong> Lightly polluted" in page  # the station's own real-time AQI
    assert "% complete today" in page  # the data-health column


def test_the_staff_page_needs_the_permission(client, stations, cast):
    assert client.get("/environment/").status_code == 302  # to sign in
    client.force_login(cast["officer"])
    assert client.get("/environment/").status_code == 200


def test_a_stuck_analyser_is_named_on_the_station(client, stations, cast):
    from datetime import timedelta

    from django.utils import timezone

    from apps.environment.services import channel_code
    from apps.indicators.models import SourceSensor

    # given CO stuck at 0.6 for 8 hours while the other channels move (flat-line after 30 minutes here)
    stations["A1"].source.__class__.objects.filter(pk=stations["A1"].source_id).update(flatline_after_s=1800)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    rows = [air(at=now - timedelta(hours=h), pm25=40 + h, co=0.6) for h in range(8, -1, -1)]
    post(client, stations["token"], rows)
    live_tick()

    co = SourceSensor.objects.get(code=channel_code(stations["A1"], "co"))
    pm = SourceSensor.objects.get(code=channel_code(stations["A1"], "pm25"))
    assert co.same_value_since == now - timedelta(hours=8)
    assert pm.same_value_since == now

    client.force_login(cast["command"])
    page = client.get("/environment/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "CO: flat-lined" in page
    assert "PM2.5: flat-lined" not in page
