"""The fieldwork JSON API other apps (and the field app) use: idempotent visits, assignments, reviews."""

import json

import pytest

from apps.fieldwork.models import Assignment, Flag, Visit, VisitPhoto
from apps.indicators.alerting import alert_transition
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import visit_data


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_a_visit_sent_twice_is_stored_once(client, cast, city):
    client.login(username="officer", password=PASSWORD)
    data = visit_data(notes="已核实")

    first = post(client, "/api/v1/fieldwork/visits", data)
    again = post(client, "/api/v1/fieldwork/visits", data)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["uuid"] == again.json()["uuid"] == data["uuid"]
    assert Visit.objects.count() == 1


def test_a_bad_visit_is_a_400_with_field_messages(client, cast, city):
    client.login(username="officer", password=PASSWORD)

    response = post(client, "/api/v1/fieldwork/visits", {"uuid": "x", "checkin": "here"})

    assert response.status_code == 400
    assert {"uuid", "started_at", "ended_at", "checkin"} <= set(response.json()["errors"])


def test_a_visit_in_another_district_without_an_assignment_is_a_400_on_checkin(client, cast, city):
    # given: West District's officer; the point is in East District
    client.login(username="officer", password=PASSWORD)
    data = visit_data(lon=118.03, findings=[{"indicator": "environment.aqi", "verdict": "contradicted"}])

    response = post(client, "/api/v1/fieldwork/visits", data)

    assert response.status_code == 400
    assert response.json()["errors"] == {"checkin": ["outside your regions: a visit elsewhere needs an assignment"]}
    assert Visit.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("started_at", "0001-01-01T00:00:00+14:00"),
        ("started_at", "9999-12-31T23:59:59-14:00"),
        ("ended_at", "0001-01-01T00:00:00+14:00"),
        ("ended_at", "9999-12-31T23:59:59-14:00"),
        ("sent_at", "0001-01-01T00:00:00+14:00"),
        ("sent_at", "9999-12-31T23:59:59-14:00"),
        ("photos", 5),
        ("photos", [{"name": "street.jpg", "data": "/9j/4AAQSkZJRgABAQ"}]),
    ],
)
def test_extreme_input_is_a_400_naming_the_field_and_stores_nothing(client, cast, city, field, value):
    client.login(username="officer", password=PASSWORD)
    data = visit_data()
    data[field] = value

    response = post(client, "/api/v1/fieldwork/visits", data)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert set(response.json()["errors"]) in ({field}, {f"{field}[0]"})
    assert (Visit.objects.count(), VisitPhoto.objects.count(), Flag.objects.count()) == (0, 0, 0)


def test_assignments_and_review_through_the_api(client, cast, alert_in_w1):
    alert_transition(alert=alert_in_w1, action="request_verification", user=cast["command"])
    client.login(username="officer", password=PASSWORD)
    assignments = client.get("/api/v1/fieldwork/assignments/").json()
    visit = post(client, "/api/v1/fieldwork/visits", visit_data(assignment=assignments[0]["id"], minutes=1)).json()
    refused = post(client, f"/api/v1/fieldwork/visits/{visit['uuid']}/review", {"decision": "accept"})
    client.login(username="command", password=PASSWORD)
    accepted = post(client, f"/api/v1/fieldwork/visits/{visit['uuid']}/review", {"decision": "accept"})

    assert [a["kind"] for a in assignments] == ["alert"]
    assert visit["status"] == "review"
    assert [f["code"] for f in visit["flags"]] == ["short_stay"]
    assert refused.status_code == 403  # officers do not review
    assert accepted.json()["status"] == "accepted"
    assert Assignment.objects.get().status == "done"


def test_the_api_needs_a_field_officer(client, cast):
    assert client.get("/api/v1/fieldwork/assignments/").status_code in (401, 403)
    client.login(username="staff", password=PASSWORD)
    assert post(client, "/api/v1/fieldwork/visits", visit_data()).status_code == 403


def test_the_review_page_accepts_and_rejects_and_shows_outcomes(client, cast, alert_in_w1):
    from tests.fieldwork.conftest import record_visit

    alert_transition(alert=alert_in_w1, action="request_verification", user=cast["command"])
    flagged = record_visit(officer=cast["officer"], data=visit_data(
        minutes=1, findings=[{"alert": alert_in_w1.pk, "verdict": "contradicted"}])).visit  # fmt: skip
    client.login(username="command", password=PASSWORD)

    page = client.get("/field/review/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    no_reason = client.post("/field/review/", {"visit": flagged.pk, "decision": "reject", "reason": ""})
    accepted = client.post("/field/review/", {"visit": flagged.pk, "decision": "accept"})
    outcomes = client.get("/field/review/").context["outcomes"]

    assert "Implausibly short stay" in page
    assert no_reason.status_code == 400
    assert accepted.status_code == 302
    alert_in_w1.refresh_from_db()
    assert alert_in_w1.status == "contradicted"
    assert [(r["officer"].username, r["contradictions"]) for r in outcomes] == [("officer", 1)]


def test_officers_do_not_review(client, cast):
    client.login(username="officer", password=PASSWORD)

    assert client.get("/field/review/").status_code == 403


def test_a_supervisor_of_another_district_neither_sees_nor_decides_nor_reads_a_visit(client, cast, city):
    # given: a flagged visit in W with a contact; a supervisor of E
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert
    from apps.core.models import AuditLog
    from tests.fieldwork.conftest import record_visit

    flagged = record_visit(
        officer=cast["officer"], data=visit_data(minutes=1, people_contact="王先生 13912345678")
    ).visit
    east = staff_user_upsert(username="east-desk", password=PASSWORD, roles=[Role.COMMAND_CENTER], region_codes=["E"])
    client.force_login(east)

    # when
    page = client.get("/field/review/")
    contact = client.post("/field/review/", {"visit": flagged.pk, "decision": "contact", "purpose": "回访"})
    accept = client.post("/field/review/", {"visit": flagged.pk, "decision": "accept"})
    api = post(client, f"/api/v1/fieldwork/visits/{flagged.uuid}/review", {"decision": "accept"})

    # then
    assert list(page.context["waiting"]) == []
    assert (contact.status_code, accept.status_code, api.status_code) == (400, 400, 404)
    assert "13912345678" not in contact.content.decode()
    assert not AuditLog.objects.filter(action__endswith="read_personal").exists()
    flagged.refresh_from_db()
    assert flagged.status == "review"
