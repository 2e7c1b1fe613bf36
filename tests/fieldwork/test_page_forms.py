"""The review and dispatch pages parse their posts with forms (apps/fieldwork/forms.py) before a service sees
them: anything malformed is a 400 on the page, nothing changed."""

from __future__ import annotations

import pytest

from apps.fieldwork.models import Assignment, Visit
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import record_visit, visit_data


@pytest.mark.parametrize(
    "post",
    [
        {"decision": "maybe"},
        {"decision": "accept", "visit": "abc"},
        {"decision": "accept", "visit": "99999999999999999999"},
        {"decision": "accept", "visit": ""},
        {"decision": "contact", "purpose": ""},
    ],
)
def test_a_malformed_review_post_is_a_400_and_the_visit_still_waits(client, cast, city, post):
    visit = record_visit(officer=cast["officer"], data=visit_data(minutes=1)).visit  # short: held for review
    client.login(username="command", password=PASSWORD)

    response = client.post("/field/review/", {"visit": visit.pk, **post}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert Visit.objects.get().status == "review"


@pytest.mark.parametrize("assignment", ["x", "", "99999999999999999999"])
def test_a_malformed_reassignment_is_a_400_and_nothing_changes(client, cast, city, assignment):
    from django.utils import timezone

    planned = Assignment.objects.create(
        kind="planned",
        title_zh="走访",
        title_en="visit",
        region=city["W1"],
        assignee=cast["officer"],
        due_at=timezone.now(),
    )
    client.login(username="command", password=PASSWORD)

    response = client.post(
        "/field/dispatch/", {"action": "reassign", "assignment": assignment, "assignee": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert "That assignment is not open in your regions." in response.content.decode()
    planned.refresh_from_db()
    assert planned.assignee == cast["officer"]
