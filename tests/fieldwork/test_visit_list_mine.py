"""The field app's visit list: GET /api/v1/fieldwork/visits/mine answers the signed-in officer's own visits with
their state on the server (waiting for photos, accepted, flagged for review, rejected with the reason)."""

from datetime import timedelta

from apps.fieldwork.models import Visit
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import declared, photo, record_visit, visit_data

URL = "/api/v1/fieldwork/visits/mine"


def _visit(officer, **fields):
    return record_visit(officer=officer, data=visit_data(**fields)).visit


def test_an_officer_reads_each_of_their_visits_with_its_state_and_the_reviewers_reason(client, cast, city):
    # given: four visits of the officer in four states, and one of the other district's officer
    officer = cast["officer"]
    accepted = _visit(officer, notes="accepted")
    waiting = _visit(officer, notes="waiting", photos=declared(photo(1)))
    review = _visit(officer, notes="review")
    rejected = _visit(officer, notes="rejected")
    Visit.objects.filter(pk=review.pk).update(status=Visit.Status.REVIEW)
    Visit.objects.filter(pk=rejected.pk).update(status=Visit.Status.REJECTED, review_reason="照片与现场不符")
    _visit(cast["other_officer"], lon=118.03, notes="someone else's")
    client.login(username="officer", password=PASSWORD)

    # when
    response = client.get(URL)

    # then
    assert response.status_code == 200
    rows = {row["uuid"]: row for row in response.json()}
    assert set(rows) == {str(v.uuid) for v in (accepted, waiting, review, rejected)}
    assert {u: (r["status"], r["review_reason"]) for u, r in rows.items()} == {
        str(accepted.uuid): ("accepted", ""),
        str(waiting.uuid): ("waiting", ""),
        str(review.uuid): ("review", ""),
        str(rejected.uuid): ("rejected", "照片与现场不符"),
    }
    assert (rows[str(waiting.uuid)]["photos_declared"], rows[str(waiting.uuid)]["photos_received"]) == (1, 0)
    assert {"notes", "checkin_lon", "people_contact"}.isdisjoint(rows[str(accepted.uuid)])


def test_visits_older_than_thirty_days_are_left_out(client, cast, city):
    from tests.fieldwork.conftest import t0

    _visit(cast["officer"], start=t0() - timedelta(days=31))
    client.login(username="officer", password=PASSWORD)

    assert client.get(URL).json() == []


def test_the_other_districts_officer_sees_none_of_these_visits(client, cast, city):
    _visit(cast["officer"], notes="mine")
    client.login(username="other", password=PASSWORD)

    response = client.get(URL)

    assert (response.status_code, response.json()) == (200, [])


def test_anonymous_and_staff_without_visits_are_refused(client, cast, city):
    anonymous = client.get(URL)
    client.login(username="staff", password=PASSWORD)
    staff = client.get(URL)

    assert (anonymous.status_code, staff.status_code) == (403, 403)


def test_the_list_is_in_the_openapi_schema(client, cast, city):
    client.login(username="command", password=PASSWORD)  # the schema is for staff

    schema = client.get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/fieldwork/visits/mine"]["get"]
    assert set(operation["responses"]) == {"200"}


def test_a_flagged_visit_says_why_in_the_officers_language_and_a_free_visit_names_its_region(client, cast, city):
    # given: a visit held for review with two flags (one of them twice), a free visit checked in in West 1
    from apps.fieldwork.models import Flag

    officer = cast["officer"]
    held = _visit(officer, notes="held")
    Visit.objects.filter(pk=held.pk).update(status=Visit.Status.REVIEW)
    held.flags.all().delete()
    for code in (Flag.Code.SHORT_STAY, Flag.Code.OUTSIDE_GEOFENCE, Flag.Code.SHORT_STAY):
        Flag.objects.create(visit=held, code=code, evidence={"visit": "evidence-marker", "officer": "other"})
    free = _visit(officer, notes="free", lon=118.005)
    client.login(username="officer", password=PASSWORD)

    # when: the list in Chinese and in English
    zh = {r["uuid"]: r for r in client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").json()}
    en = {r["uuid"]: r for r in client.get(URL, HTTP_ACCEPT_LANGUAGE="en").json()}

    # then: the flags' kinds, once each, in the officer's language, and none of the evidence
    assert zh[str(held.uuid)]["flags"] == ["停留时间过短", "签到位置不在目标范围"]
    assert en[str(held.uuid)]["flags"] == ["implausibly short stay", "check-in outside the target area"]
    assert "evidence-marker" not in str(zh[str(held.uuid)])
    assert zh[str(free.uuid)]["flags"] == []
    # the free visit is known by where it was checked in
    assert free.assignment is None
    assert (zh[str(free.uuid)]["region_zh"], en[str(free.uuid)]["region_en"]) == ("西一街道", "West 1 Subdistrict")
