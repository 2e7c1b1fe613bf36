"""The visit upload is parsed at the door (apps/fieldwork/inputs.py): the OpenAPI schema describes it, and every
malformed body is a 400 naming its fields, with nothing stored.

Coercion, as decided in apps/fieldwork/inputs.py: text fields take JSON strings only (a number for `notes` is
refused, as `people_contact` always was); number fields take numbers or numeric strings; an empty value is the
field left out."""

from __future__ import annotations

import json

import pytest

from apps.fieldwork.models import Finding, Flag, Visit, VisitPhoto
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import visit_data

URL = "/api/v1/fieldwork/visits"


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def nothing_stored():
    stored = (Visit.objects.count(), VisitPhoto.objects.count(), Finding.objects.count(), Flag.objects.count())
    return stored == (0, 0, 0, 0)


def test_the_schema_describes_the_visit_upload(client, cast, city):
    client.login(username="command", password=PASSWORD)  # the schema is for staff

    schema = client.get("/api/schema/?format=json").json()

    body = schema["paths"][URL]["post"]["requestBody"]["content"]["application/json"]["schema"]
    components = schema["components"]["schemas"]
    visit = components[body["$ref"].rsplit("/", 1)[1]]
    assert {"uuid", "started_at", "ended_at", "checkin"} <= set(visit["required"])
    assert visit["properties"]["notes"] == {"type": "string", "maxLength": 4000}
    position = components[visit["properties"]["checkin"]["$ref"].rsplit("/", 1)[1]]
    assert set(position["properties"]) == {"lon", "lat", "accuracy"}
    assert (position["properties"]["lon"]["minimum"], position["properties"]["lon"]["maximum"]) == (-180, 180)
    photo = components[visit["properties"]["photos"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(photo["required"]) == {"index", "sha256"}
    finding = components[visit["properties"]["findings"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert finding["properties"]["verdict"] == {"$ref": "#/components/schemas/VisitFindingVerdictEnum"}


def test_the_schema_describes_the_review_decision(client, cast, city):
    client.login(username="command", password=PASSWORD)

    schema = client.get("/api/schema/?format=json").json()

    body = schema["paths"][f"{URL}/{{uuid}}/review"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    decision = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert decision["required"] == ["decision"]
    assert set(decision["properties"]) == {"decision", "reason"}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"notes": 5}, {"notes": ["text of at most 4000 characters"]}),
        ({"notes": "x" * 4001}, {"notes": ["text of at most 4000 characters"]}),
        ({"follow_up": ["a", "list"]}, {"follow_up": ["text of at most 2000 characters"]}),
        ({"people_contact": 13912345678}, {"people_contact": ["text of at most 500 characters"]}),
        ({"checkin": "here"}, {"checkin": ["give lon, lat and accuracy (metres)"]}),
        ({"checkin": {}}, {"checkin": ["required: the device's position"]}),
        ({"checkin": {"lon": "NaN", "lat": 32}}, {"checkin": ["give lon, lat and accuracy (metres)"]}),
        ({"checkout": {"lon": 118, "lat": 91}}, {"checkout": ["not a position on Earth"]}),
        (
            {"started_at": 20261129},
            {"started_at": ["a date and time with a time zone, e.g. 2026-11-29T08:00:00+08:00"]},
        ),
        (
            {"ended_at": "2026-11-29T08:00:00"},
            {"ended_at": ["a date and time with a time zone, e.g. 2026-11-29T08:00:00+08:00"]},
        ),
        ({"uuid": 12345}, {"uuid": ["the device's UUID for this visit"]}),
        ({"officer": "someone"}, {"officer": ["not the signed-in officer"]}),
        ({"assignment": "twelve"}, {"assignment": ["not one of your assignments"]}),
        ({"assignment": 10**30}, {"assignment": ["not one of your assignments"]}),
        ({"people": {"residents": 3}}, {"people": ['a list of {"kind", "count"}']}),
        ({"people": [{"kind": "residents", "count": 2.5}]}, {"people": ['a list of {"kind", "count"}']}),
        ({"findings": "confirmed"}, {"findings": ["a list"]}),
        ({"findings": [5]}, {"findings[0]": ["verdict is one of confirmed, contradicted, partly, could_not_verify"]}),
        (
            {"findings": [{"verdict": "confirmed"}]},
            {"findings[0]": ["say what it is about: an alert, a report or an indicator"]},
        ),
        ({"findings": [{"verdict": "confirmed", "alert": True}]}, {"findings[0]": ["no such alert in your regions"]}),
        (
            {"findings": [{"verdict": "partly", "indicator": "environment.aqi", "observed_value": "a lot"}]},
            {"findings[0]": ["observed_value must be a number"]},
        ),
        ({"photos": [{"index": True, "sha256": "a" * 64}]}, {"photos[0]": ["index is a whole number from 0 to 9"]}),
        (
            {"photos": [{"index": 0, "sha256": "a" * 64, "name": 7}]},
            {"photos[0]": ["name is text of at most 200 characters"]},
        ),
    ],
)
def test_a_malformed_visit_is_a_400_naming_each_field_and_stores_nothing(client, cast, city, fields, errors):
    client.login(username="officer", password=PASSWORD)

    response = post(client, {**visit_data(), **fields})

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == errors
    assert nothing_stored()


@pytest.mark.parametrize("body", [[], ["a visit"], "a visit", 5, None])
def test_a_body_that_is_not_an_object_is_a_400_on_body(client, cast, city, body):
    client.login(username="officer", password=PASSWORD)

    response = post(client, body)

    assert response.status_code == 400
    assert response.json()["errors"] == {"body": ["not an object"]}
    assert nothing_stored()


def test_empty_values_are_fields_left_out_and_numbers_may_come_as_text(client, cast, city):
    # given: what older apps send for nothing ("" and null), and numbers as strings
    client.login(username="officer", password=PASSWORD)
    data = visit_data(
        notes=None,
        follow_up="",
        people_contact=None,
        checkout={},
        sent_at="",
        assignment="",
        officer="",
        findings=None,
        photos="",
        people=[{"kind": "residents", "count": "3"}],
        checkin={"lon": "118.005", "lat": "32.01"},
    )

    response = post(client, data)

    assert response.status_code == 201, response.content
    visit = Visit.objects.get()
    assert (visit.notes, visit.follow_up, visit.sent_at, visit.checkout_lon) == ("", "", None, None)
    assert (visit.people, visit.checkin_accuracy_m) == ([{"kind": "residents", "count": 3}], 0)


def test_text_is_stored_without_control_characters_and_a_digest_in_lower_case(client, cast, city):
    client.login(username="officer", password=PASSWORD)
    digest = "AB" * 32

    response = post(
        client, visit_data(notes=" 路面\x07塌陷\x1b ", photos=[{"index": 0, "sha256": digest, "name": "p.jpg"}])
    )

    assert response.status_code == 201, response.content

    visit = Visit.objects.get()
    assert (visit.notes, visit.photos.get().sha256) == ("路面塌陷", digest.lower())


def test_a_bad_review_decision_is_a_400_naming_the_field(client, cast, city):
    from tests.fieldwork.conftest import record_visit

    visit = record_visit(officer=cast["officer"], data=visit_data(minutes=1)).visit  # short: held for review
    client.login(username="command", password=PASSWORD)
    review = f"{URL}/{visit.uuid}/review"

    missing = post_to(client, review, {})
    unknown = post_to(client, review, {"decision": "maybe"})
    number = post_to(client, review, {"decision": "reject", "reason": 42})

    assert [r.status_code for r in (missing, unknown, number)] == [400, 400, 400]
    assert missing.json()["errors"] == unknown.json()["errors"] == {"decision": ["accept or reject"]}
    assert set(number.json()["errors"]) == {"reason"}
    visit.refresh_from_db()
    assert visit.status == "review"


def post_to(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
