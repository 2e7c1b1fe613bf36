"""Incidents: reported → confirmed → cleared, scoped, audited, counted on the live spine; the page."""

import json

import pytest
from django.utils import translation

from apps.core.audit import audit_log_for
from apps.core.errors import ApplicationError
from apps.core.models import AuditLog
from apps.dashboards.services import live_tick
from apps.indicators.models import IndicatorValue
from apps.traffic.incidents import incident_report, incident_transition
from apps.traffic.models import TrafficIncident


def test_an_incident_is_placed_in_its_region_and_counted(network):
    # given an incident reported at a point in street W1
    incident = incident_report(kind="crash", source="patrol", lon=118.005, lat=32.01, severity=2)

    # when the tick rolls up
    live_tick()

    # then it belongs to W1, is audited, and the open-incident count reaches the city
    assert incident.region.code == "W1"
    assert AuditLog.objects.filter(action="traffic.incident.report", target_id=str(incident.id)).count() == 1
    city = IndicatorValue.objects.get(indicator="traffic.open_incidents", region__code="C", granularity="minute")
    assert city.last_value == 1.0


def test_the_lifecycle_and_its_refusals(network, cast):
    incident = incident_report(kind="breakdown", source="camera", lon=118.03, lat=32.01)

    incident_transition(incident=incident, action="confirm", user=cast["command"])
    with translation.override("en"), pytest.raises(ApplicationError, match="cannot be confirmed"):
        incident_transition(incident=incident, action="confirm", user=cast["command"])
    incident_transition(incident=incident, action="clear", user=cast["command"])

    incident.refresh_from_db()
    assert incident.status == "cleared"
    assert incident.confirmed_at is not None
    assert incident.cleared_at is not None
    assert list(audit_log_for(incident).order_by("id").values_list("action", flat=True)) == [
        "traffic.incident.report",
        "traffic.incident.confirm",
        "traffic.incident.clear",
    ]


@pytest.mark.parametrize(("field", "value"), [("kind", "meteor"), ("severity", 7)])
def test_bad_reports_are_refused_and_store_nothing(network, field, value):
    arguments = {"kind": "crash", "source": "patrol", "lon": 118.005, "lat": 32.01, field: value}

    with pytest.raises(ApplicationError):
        incident_report(**arguments)
    assert TrafficIncident.objects.count() == 0


def test_the_incident_api_is_scoped_and_the_workflow_needs_the_permission(client, network, cast):
    # given incidents in W1 and in E
    west = incident_report(kind="crash", source="patrol", lon=118.005, lat=32.01)
    east = incident_report(kind="crash", source="patrol", lon=118.03, lat=32.01)

    def listed(user):
        client.force_login(cast[user])
        return [i["id"] for i in client.get("/api/v1/traffic/incidents/").json()["results"]]

    # then each officer sees their district's, the command center all
    assert listed("officer") == [west.id]
    assert listed("other_officer") == [east.id]
    assert sorted(listed("command")) == sorted([west.id, east.id])
    # an officer may not clear; the command center may, once
    client.force_login(cast["officer"])
    assert client.post(f"/api/v1/traffic/incidents/{west.id}/clear").status_code == 403
    client.force_login(cast["command"])
    assert client.post(f"/api/v1/traffic/incidents/{west.id}/clear").json()["status"] == "cleared"
    again = client.post(f"/api/v1/traffic/incidents/{west.id}/clear", HTTP_ACCEPT_LANGUAGE="en")
    assert (again.status_code, again.json()["detail"]) == (400, "an incident that is Cleared cannot be cleared")
    assert client.post("/api/v1/traffic/incidents/99999/clear").status_code == 404


def test_anonymous_gets_nothing(client, network):
    assert client.get("/api/v1/traffic/incidents/").status_code == 403
    assert client.get("/api/v1/traffic/sensors/").status_code == 403


def test_sensors_and_segments_are_listed_in_scope(client, network, cast):
    client.force_login(cast["other_officer"])

    sensors = [s["code"] for s in client.get("/api/v1/traffic/sensors/").json()["results"]]
    segments = [s["code"] for s in client.get("/api/v1/traffic/segments/").json()["results"]]

    assert sensors == ["C1", "L2"]
    assert segments == ["S1"]


def test_the_traffic_page_draws_segments_by_band_and_lists_open_incidents(client, network, cast):
    # given one open incident
    incident_report(kind="roadwork", source="patrol", lon=118.005, lat=32.01)
    client.force_login(cast["command"])

    # when
    response = client.get("/traffic/", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    figure = json.loads(html.split('id="traffic-map-figure" type="application/json">')[1].split("</script>")[0])
    names = [trace.get("name") for trace in figure["data"]]
    assert names[1:7] == [
        "smooth",
        "basically smooth",
        "light congestion",
        "moderate congestion",
        "severe congestion",
        "no data",
    ]
    assert "Roadwork" in html
    assert 'data-action="confirm"' in html


def test_the_traffic_page_needs_the_permission(client, network, cast):
    client.force_login(cast["steward"])

    assert client.get("/traffic/").status_code == 403


def test_the_trend_can_follow_a_district(client, network, cast):
    client.force_login(cast["command"])

    response = client.get("/traffic/?region=E", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    trend = json.loads(html.split('id="traffic-trend-figure" type="application/json">')[1].split("</script>")[0])
    assert response.context["focus"].code == "E"
    assert trend["layout"]["title"]["text"] == "Congestion index of East District, last 6 hours"
    assert '<option value="E" selected>' in html


def test_no_open_incident_counts_as_zero_not_as_no_data(network):
    from apps.traffic.tasks import open_incidents_observe_task

    open_incidents_observe_task()
    live_tick()

    city = IndicatorValue.objects.get(indicator="traffic.open_incidents", region__code="C", granularity="minute")
    assert city.last_value == 0.0


def test_every_scheduled_task_exists():
    from celery import current_app

    import cityops.celery  # noqa: F401  (the app, with its tasks discovered)
    from apps.core.plugins import beat_schedule

    current_app.loader.import_default_modules()
    schedule = beat_schedule()
    missing = [e["task"] for e in schedule.values() if e["task"] not in current_app.tasks]
    assert missing == []
    assert current_app.conf.beat_schedule == schedule  # what Celery beat runs
    assert "traffic-open-incidents" in schedule
