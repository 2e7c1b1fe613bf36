"""A shared phone: the visit names the officer who started it, and the server never stores it under another."""

from __future__ import annotations

import json

from apps.fieldwork.models import Visit
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import visit_data

URL = "/api/v1/fieldwork/visits"


def post(client, data):
    return client.post(URL, data=json.dumps(data), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_a_visit_started_by_another_officer_is_refused_and_stores_nothing(client, cast, city):
    # given: officer A started the visit on the phone; officer B is signed in now
    data = visit_data(officer=cast["officer"].pk, notes="A's notes: resident 13800000000")
    client.login(username="other", password=PASSWORD)

    # when
    response = post(client, data)

    # then: a 400 naming the field, and nothing stored under B (or anyone)
    assert response.status_code == 400, response.content
    assert "officer" in response.json()["errors"]
    assert not Visit.objects.exists()


def test_the_officer_who_started_it_stores_it_once_and_a_resend_by_another_is_refused(client, cast, city):
    data = visit_data(officer=cast["officer"].pk)
    client.login(username="officer", password=PASSWORD)
    assert post(client, data).status_code == 201
    assert post(client, data).status_code == 200  # idempotent by UUID, as before
    client.logout()
    client.login(username="other", password=PASSWORD)
    refused = post(client, data)
    assert refused.status_code == 400
    assert "officer" in refused.json()["errors"]
    assert Visit.objects.get().officer == cast["officer"]


def test_an_older_app_without_the_field_is_the_signed_in_officers(client, cast, city):
    data = visit_data()
    client.login(username="officer", password=PASSWORD)
    assert post(client, data).status_code == 201
    assert Visit.objects.get().officer == cast["officer"]


def test_the_field_is_in_the_openapi_schema(client, cast, city):
    from apps.fieldwork.api.views import VisitInputSerializer

    assert "officer" in VisitInputSerializer().fields
    assert not VisitInputSerializer().fields["officer"].required
