"""Dispatch: who gets an assignment, planned visits to a community, handing over; per data source and per
district against the ground, the trust score next to a source's data; the wall's ground truth live; kiosk."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.accounts.services import staff_user_upsert
from apps.core.errors import ApplicationError
from apps.fieldwork.models import Assignment
from apps.fieldwork.selectors import ground_by_region, ground_by_source, officer_outcomes, trust_score
from apps.fieldwork.services import assignment_reassign, assignments_plan
from apps.indicators.alerting import alert_raise, alert_transition
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import record_visit, t0, visit_data


def second_west_officer():
    return staff_user_upsert(username="officer2", password=PASSWORD, roles=[Role.FIELD_OFFICER], region_codes=["W"])


def noise_alert(city, subject=""):
    alert, _created = alert_raise(kind="threshold", severity="warning", title_zh="噪声", title_en="noise",
                                  region=city["W1"], indicator="environment.noise_over_limit",
                                  subject=subject)  # fmt: skip
    return alert


# --- Who goes ------------------------------------------------------------------------------------------------


def test_an_assignment_goes_to_an_officer_covering_its_region(cast, alert_in_w1):
    alert_transition(alert=alert_in_w1, action="request_verification", user=cast["command"])

    assert Assignment.objects.get(alert=alert_in_w1).assignee == cast["officer"]  # W, not E's officer


def test_the_least_busy_officer_of_the_area_gets_the_next_one(cast, city):
    second = second_west_officer()
    first = noise_alert(city, "a")
    alert_transition(alert=first, action="request_verification", user=cast["command"])
    busy = Assignment.objects.get(alert=first).assignee

    other = noise_alert(city, "b")
    alert_transition(alert=other, action="request_verification", user=cast["command"])

    assert {busy, Assignment.objects.get(alert=other).assignee} == {cast["officer"], second}


def test_a_recheck_never_goes_to_the_officer_it_checks(cast, alert_in_w1, settings):
    settings.CITYOPS_FIELD_RECHECK_SHARE = 1.0
    second = second_west_officer()
    alert_transition(alert=alert_in_w1, action="request_verification", user=cast["command"])
    assignment = Assignment.objects.get(alert=alert_in_w1)
    record_visit(officer=assignment.assignee, data=visit_data(
        assignment=assignment.pk, findings=[{"alert": alert_in_w1.pk, "verdict": "confirmed"}]))  # fmt: skip

    recheck = Assignment.objects.get(kind="recheck")

    assert recheck.assignee is not None
    assert recheck.assignee != assignment.assignee
    assert {recheck.assignee, assignment.assignee} == {cast["officer"], second}
    with pytest.raises(ApplicationError) as caught:
        assignment_reassign(assignment=recheck, assignee=assignment.assignee, user=cast["command"])
    assert "assignee" in caught.value.fields


def test_planned_visits_every_week_to_a_community(cast, city):
    due = timezone.now() + timedelta(days=1)

    made = assignments_plan(region=city["W2"], user=cast["command"], due_at=due, evidence="走访独居老人", weeks=3)

    assert [a.kind for a in made] == ["planned"] * 3
    assert [a.due_at for a in made] == [due, due + timedelta(weeks=1), due + timedelta(weeks=2)]
    assert {a.assignee for a in made} == {cast["officer"]}
    assert made[0].region == city["W2"]
    assert made[0].evidence == "走访独居老人"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"due_at": timedelta(hours=-1)}, "due_at"),  # from now: parameters are made at collection, not in the test
        ({"weeks": 13}, "weeks"),
        ({"assignee": "other_officer"}, "assignee"),  # covers E, not W2
    ],
)
def test_a_bad_plan_is_refused_whole(cast, city, change, field):
    arguments = {"region": city["W2"], "user": cast["command"], "due_at": timezone.now() + timedelta(days=1)}
    arguments.update({k: cast[v] if k == "assignee" else v for k, v in change.items()})
    if isinstance(arguments["due_at"], timedelta):
        arguments["due_at"] = timezone.now() + arguments["due_at"]

    with pytest.raises(ApplicationError) as caught:
        assignments_plan(**arguments)

    assert field in caught.value.fields
    assert not Assignment.objects.exists()


def test_the_dispatch_page_plans_hands_over_and_refuses_bad_input(client, cast, city):
    client.login(username="command", password=PASSWORD)
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    bad = client.post("/field/dispatch/", {"action": "plan", "region": "W2", "due_at": "2020-01-01T08:00",
                                           "weeks": "1", "evidence": "看看井盖"},
                      HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    good = client.post("/field/dispatch/", {"action": "plan", "region": "W2", "due_at": due, "weeks": "2",
                                            "evidence": "看看井盖", "assignee": ""})  # fmt: skip
    planned = Assignment.objects.filter(kind="planned").order_by("due_at")
    handed = client.post("/field/dispatch/", {"action": "reassign", "assignment": planned[0].pk, "assignee": ""})
    refused = client.post("/field/dispatch/", {"action": "reassign", "assignment": planned[1].pk,
                                               "assignee": "other"}, HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    page = client.get("/field/dispatch/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert bad.status_code == 400
    assert "must be in the future" in bad.content.decode()
    assert "看看井盖" in bad.content.decode()
    assert good.status_code == 302
    assert planned.count() == 2
    assert handed.status_code == 302
    assert [a.assignee for a in planned] == [None, cast["officer"]]
    assert refused.status_code == 400
    assert "not a field officer of this region" in refused.content.decode()
    assert 'id="source-ground"' in page
    assert 'data-region="W"' in page


def test_the_dispatch_page_reads_each_officers_regions_once_however_many_areas_have_work(client, cast, city):
    # given: three officers; open work in one area, then in four
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    second_west_officer()
    due = timezone.now() + timedelta(days=1)
    assignments_plan(region=city["W1"], user=cast["command"], due_at=due)
    client.force_login(cast["command"])
    client.get("/field/dispatch/")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one_area:
        client.get("/field/dispatch/")
    for code in ("W2", "W", "E"):
        assignments_plan(region=city[code], user=cast["command"], due_at=due)

    # when
    with CaptureQueriesContext(connection) as four_areas:
        page = client.get("/field/dispatch/")

    # then
    assert page.content.decode().count("data-assignment=") == 4
    assert len(four_areas) == len(one_area)


def test_a_dispatcher_of_one_district_sees_only_its_ground(client, cast, city):
    # given
    west = staff_user_upsert(username="west-desk", password=PASSWORD, roles=[Role.COMMAND_CENTER], region_codes=["W"])
    client.force_login(west)

    # when
    page = client.get("/field/dispatch/").content.decode()
    api = client.get("/api/v1/fieldwork/ground").json()

    # then
    assert 'data-region="W"' in page
    assert 'data-region="E"' not in page
    assert [r["code"] for r in api["regions"]] == ["W"]


def test_officers_and_department_staff_do_not_dispatch(client, cast, city):
    for user in ("officer", "staff"):
        client.login(username=user, password=PASSWORD)
        assert client.get("/field/dispatch/").status_code == 403
        assert client.post("/api/v1/fieldwork/assignments/", {}, content_type="application/json").status_code == 403


def test_planning_and_handing_over_through_the_api(client, cast, city):
    client.login(username="command", password=PASSWORD)
    due = (timezone.now() + timedelta(days=1)).isoformat()

    made = client.post("/api/v1/fieldwork/assignments/",
                       {"region": "W1", "due_at": due, "weeks": 2, "assignee": "officer"},
                       content_type="application/json")  # fmt: skip
    bad = client.post("/api/v1/fieldwork/assignments/", {"region": "nowhere", "due_at": "soon"},
                      content_type="application/json")  # fmt: skip
    first = made.json()[0]["id"]
    pooled = client.post(f"/api/v1/fieldwork/assignments/{first}/assignee", {"assignee": None},
                         content_type="application/json")  # fmt: skip
    wrong = client.post(f"/api/v1/fieldwork/assignments/{first}/assignee", {"assignee": "other"},
                        content_type="application/json")  # fmt: skip

    assert made.status_code == 201
    assert [a["assignee"] for a in made.json()] == ["officer", "officer"]
    assert bad.status_code == 400
    assert {"region", "due_at"} <= set(bad.json()["errors"] if "errors" in bad.json() else bad.json())
    assert pooled.status_code == 200
    assert pooled.json()["assignee"] is None
    assert wrong.status_code == 400
    assert "assignee" in wrong.json()["errors"]


# --- Against the ground ----------------------------------------------------------------------------------


def test_trust_falls_as_a_source_is_contradicted_again_and_again():
    assert trust_score(agreeing=0, decided=0) is None
    scores = [trust_score(agreeing=0, decided=n) for n in (1, 2, 3)]
    assert scores == sorted(scores, reverse=True)
    assert scores[-1] < 0.5
    assert trust_score(agreeing=5, decided=5) > 0.8


def contradict(cast, city, times, verdict="contradicted"):
    for k in range(times):
        alert = noise_alert(city, f"c{k}")
        alert_transition(alert=alert, action="request_verification", user=cast["command"])
        record_visit(officer=cast["officer"], data=visit_data(
            start=t0() + timedelta(hours=k * 0.5), assignment=Assignment.objects.get(alert=alert).pk,
            findings=[{"alert": alert.pk, "verdict": verdict}]))  # fmt: skip


def test_per_source_and_per_district_against_the_ground(cast, city):
    from apps.indicators.models import DataSource

    DataSource.objects.create(code="air", name_zh="空气站", name_en="Air stations", domain="environment")
    DataSource.objects.create(code="loops", name_zh="线圈", name_en="Loops", domain="traffic")
    contradict(cast, city, 3)
    noise_alert(city, "waiting")  # one more, not verified

    sources = {s["code"]: s for s in ground_by_source()}
    regions = {r["code"]: r for r in ground_by_region()}

    air = sources["air"]
    assert (air["alerts"], air["verified"], air["checks"], air["contradicted"]) == (4, 3, 3, 3)
    assert air["coverage"] == 0.75
    assert air["contradiction_rate"] == 1.0
    assert air["trust_level"] == "low"
    assert air["median_hours_to_verify"] is not None
    assert air["days_since_check"] == 0
    assert sources["loops"]["trust"] is None
    assert sources["loops"]["trust_level"] == "unchecked"
    assert regions["W"]["contradiction_rate"] == 1.0
    assert regions["W"]["screen_only"] is False
    assert regions["E"]["alerts"] == 0
    assert regions["E"]["days_since_visit"] is None


def test_the_trust_score_is_shown_next_to_the_sources_data(client, cast, city):
    from apps.indicators.models import DataSource

    DataSource.objects.create(code="air", name_zh="空气站", name_en="Air stations", domain="environment")
    contradict(cast, city, 3)
    client.login(username="command", password=PASSWORD)

    page = client.get("/environment/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    traffic = client.get("/traffic/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-source="air" data-trust="low"' in page
    assert "3 of 3 checks on site contradicted it in 30 days" in page
    assert 'data-source="air"' not in traffic


def test_outcomes_count_reports_resolved_and_confirmed_by_the_citizen(cast, submit, city):
    from apps.grievances.models import Grievance

    report = submit()
    record_visit(officer=cast["officer"], data=visit_data(findings=[{"grievance": report.pk, "verdict": "confirmed"}]))
    before = {r["officer"].username: r["resolved_confirmed"] for r in officer_outcomes()}
    Grievance.objects.filter(pk=report.pk).update(status="closed", satisfaction=5)
    after = {r["officer"].username: r["resolved_confirmed"] for r in officer_outcomes()}

    assert before == {"officer": 0}
    assert after == {"officer": 1}
