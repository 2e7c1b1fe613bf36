"""Incidents sent for verification on site: an alert the field answers, and the verdict moves the incident."""

import pytest

from apps.dashboards.selectors import needing_verification
from apps.indicators.alerting import alert_record_verdict
from apps.indicators.models import Alert
from apps.traffic.incidents import incident_report, incident_transition

WEST = {"lon": 118.005, "lat": 32.01}  # street W1, district W


def _send(client, user, incident, **body):
    client.force_login(user)
    return client.post(
        f"/api/v1/traffic/incidents/{incident.id}/request-verification",
        data=body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_sending_an_incident_for_verification_opens_an_alert_where_it_is(client, network, cast):
    incident = incident_report(kind="crash", source="citizen", severity=3, **WEST)

    response = _send(client, cast["command"], incident, note="caller says two cars")

    assert response.status_code == 200
    alert = Alert.objects.get(kind="incident")
    assert (alert.region.code, alert.status, alert.severity) == ("W1", "verification_requested", "critical")
    assert alert.verification_requested_by == cast["command"]
    assert response.json()["verification"] == {
        "alert": alert.id,
        "status": "verification_requested",
        "requested_at": response.json()["verification"]["requested_at"],
        "verified_at": None,
    }
    # it reaches the field officer of that district's list, not the other one's
    assert needing_verification(user=cast["officer"], root=network["segment"].region) == ["W1"]
    assert needing_verification(user=cast["other_officer"], root=network["segment"].region) == []


def test_it_cannot_be_sent_twice_while_waiting_or_once_cleared(client, network, cast):
    incident = incident_report(kind="crash", source="citizen", **WEST)
    _send(client, cast["command"], incident)

    again = _send(client, cast["command"], incident)
    incident_transition(incident=incident, action="clear", user=cast["command"])
    cleared = _send(client, cast["command"], incident)

    assert (again.status_code, again.json()["detail"]) == (400, "this incident is already waiting for verification")
    assert cleared.status_code == 400
    assert Alert.objects.filter(kind="incident").count() == 1


def test_sending_needs_both_permissions_and_the_incident_in_scope(client, network, cast):
    incident = incident_report(kind="crash", source="citizen", **WEST)

    assert _send(client, cast["officer"], incident).status_code == 403  # field officers answer, not dispatch
    assert _send(client, cast["staff"], incident).status_code in (403, 404)
    assert not Alert.objects.filter(kind="incident").exists()


@pytest.mark.parametrize(
    ("confirmed_first", "verdict", "status"),
    [
        (False, "confirmed", "confirmed"),
        (False, "contradicted", "dismissed"),
        (True, "contradicted", "cleared"),
        (False, "could_not_verify", "reported"),
    ],
)
def test_the_field_verdict_moves_the_incident(client, network, cast, confirmed_first, verdict, status):
    incident = incident_report(kind="breakdown", source="camera", **WEST)
    if confirmed_first:
        incident_transition(incident=incident, action="confirm", user=cast["command"])
    _send(client, cast["command"], incident)

    alert_record_verdict(alert=Alert.objects.get(kind="incident"), verdict=verdict, user=cast["officer"])

    incident.refresh_from_db()
    assert incident.status == status


def test_clearing_the_incident_resolves_its_alert_and_a_new_request_opens_a_new_one(client, network, cast):
    first = incident_report(kind="crash", source="citizen", **WEST)
    _send(client, cast["command"], first)
    alert_record_verdict(alert=Alert.objects.get(kind="incident"), verdict="could_not_verify", user=cast["officer"])

    # sent again after "could not verify": a new alert; the old one is resolved with the verdict on record
    assert _send(client, cast["command"], first).status_code == 200
    assert list(Alert.objects.filter(kind="incident").order_by("id").values_list("status", flat=True)) == [
        "resolved",
        "verification_requested",
    ]

    incident_transition(incident=first, action="clear", user=cast["command"])

    assert set(Alert.objects.filter(kind="incident").values_list("status", flat=True)) == {"resolved"}


def test_the_traffic_page_offers_sending_and_shows_the_state(client, network, cast):
    incident = incident_report(kind="crash", source="citizen", **WEST)
    client.force_login(cast["command"])

    before = client.get("/traffic/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    _send(client, cast["command"], incident)
    after = client.get("/traffic/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-action="request-verification"' in before
    assert 'data-action="request-verification"' not in after
    assert "Sent for verification" in after
