"""Contests of a published figure or of a resolution: grouped, sent to the field once, the verdict back to the
contestant, the panel and the source's trust; bad input refused by field, never stored half."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from apps.accountability.models import Contest, ContestGroup
from apps.fieldwork.models import Assignment
from apps.grievances.models import Grievance, ResolutionCheck
from apps.indicators.models import Alert
from tests.fieldwork.conftest import photo, record_with_photos, visit_data

API = "/api/v1/public/contests"


def verify(officer, assignment, **finding):
    """The officer's visit to the assignment's place, with one finding (and a photo, so it is accepted)."""
    return record_with_photos(officer, visit_data(assignment=assignment.pk, findings=[finding]), [photo(assignment.pk)])


def test_a_group_reaching_the_threshold_opens_exactly_one_assignment(cast, contest):
    with override_settings(CITYOPS_CONTEST_THRESHOLD=3):
        first = contest()
        contest(text="烟很大")
        assert Assignment.objects.count() == 0  # two people: waiting for a third
        contest(text="看得见烟")
        contest(text="我也闻到了")  # a fourth joins the group being checked

    group = ContestGroup.objects.get()
    assert group.contestants == 4
    assert Contest.objects.filter(group=group).count() == 4
    alert = Alert.objects.get(kind=Alert.Kind.CONTEST)
    assert (alert.indicator, alert.region.code, alert.status) == ("environment.aqi", "W", "verification_requested")
    assert Assignment.objects.filter(alert=alert).count() == 1
    assert Assignment.objects.count() == 1
    assert group.alert == alert
    assert group.sent_at is not None
    assert first.group_id == group.pk


def test_contests_of_other_figures_or_places_are_other_groups(cast, contest):
    contest(indicator="environment.aqi", region="W")
    contest(indicator="environment.aqi", region="E")
    contest(indicator="traffic.congestion", region="W")
    assert ContestGroup.objects.count() == 3


def test_the_verdict_reaches_the_contestant_the_panel_and_the_sources_trust(cast, contest, environment_source):
    from apps.fieldwork.selectors import ground_by_source

    with override_settings(CITYOPS_CONTEST_THRESHOLD=2):
        mine = contest(contact="13912345678")
        contest()
    assignment = Assignment.objects.get()
    client = Client()
    before = client.get(f"{API}/{mine.code}").json()
    assert (before["state"], before["verdict"]) == ("checking", None)
    assert ground_by_source(domain="environment")[0]["checks"] == 0

    # when the officer finds the published figure wrong at the place
    visit = verify(cast["officer"], assignment, alert=assignment.alert_id, verdict="contradicted", comment="浓烟")
    assert visit.status == "accepted"

    # then the contestant reads it on the API and the contest page, lowercase code and all
    after = client.get(f"{API}/{mine.code.lower().replace('-', '')}").json()
    assert (after["state"], after["verdict"]) == ("checked", "contradicted")
    assert after["checked_at"]
    page = client.get(f"/public/contests/{mine.code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "the figure was wrong here" in page.content.decode()
    assert "13912345678" not in page.content.decode()
    # the panel shows the check beside the figure, for the district and the city around it
    for region in ("W", "C"):
        status = client.get("/api/v1/public/status", {"region": region}).json()
        aqi = next(m for m in status["metrics"] if m["indicator"] == "environment.aqi")
        assert aqi["last_verdict"] == "contradicted", region
        assert aqi["last_checked_on_site"]
        assert aqi["open_contests"]["groups"] == 0  # checked: no longer open
    east = client.get("/api/v1/public/status", {"region": "E"}).json()
    assert next(m for m in east["metrics"] if m["indicator"] == "environment.aqi")["last_verdict"] is None
    # and the source's trust counts the verdict
    assert ground_by_source(domain="environment")[0]["checks"] == 1


def test_a_contested_resolution_is_checked_and_contradicted_reopens_the_report(cast, contest, submit):
    from apps.grievances.services import grievance_transition

    report = submit()
    for action in ("accept", "resolve"):
        report = grievance_transition(grievance=report, action=action, user=cast["staff"])

    taken = contest(text="说修好了，坑还在", report_code=report.tracking_code.lower())

    check = ResolutionCheck.objects.get()
    assert (check.reason, check.method, check.grievance_id) == ("contest", "visit", report.pk)
    assignment = Assignment.objects.get(kind=Assignment.Kind.RESOLUTION)
    assert assignment.grievance_id == report.pk
    contest(text="确实没修", report_code=report.tracking_code)  # a second contest of the same: the same check
    assert ResolutionCheck.objects.count() == 1
    assert Assignment.objects.count() == 1

    verify(cast["officer"], assignment, grievance=report.pk, verdict="contradicted", comment="坑还在")

    report.refresh_from_db()
    check.refresh_from_db()
    assert check.fixed is False
    assert report.status in Grievance.OPEN
    assert report.contradicted_at is not None
    assert report.reopened_count == 1
    shown = Client().get(f"{API}/{taken.code}").json()
    assert (shown["state"], shown["verdict"]) == ("checked", "contradicted")


def test_a_resolution_found_fixed_leaves_the_report_closed(cast, contest, submit):
    from apps.grievances.services import grievance_transition

    report = submit()
    for action in ("accept", "resolve"):
        report = grievance_transition(grievance=report, action=action, user=cast["staff"])
    taken = contest(text="好像没修", report_code=report.tracking_code)
    assignment = Assignment.objects.get()
    verify(cast["officer"], assignment, grievance=report.pk, verdict="confirmed")

    report.refresh_from_db()
    assert report.status == "resolved"
    assert report.contradicted_at is None
    assert Client().get(f"{API}/{taken.code}").json()["verdict"] == "confirmed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"indicator": "environment.aqi", "region": "W"}, "text"),
        ({"indicator": "environment.aqi", "region": "W", "text": " \u200b "}, "text"),
        ({"indicator": "environment.aqi", "region": "W", "text": "x" * 1001}, "text"),
        ({"region": "W", "text": "烟"}, "indicator"),
        ({"indicator": "environment.aqi", "report_code": "ABCD-2345", "text": "烟"}, "indicator"),
        ({"indicator": "healthcare.bed_occupancy", "region": "W", "text": "烟"}, "indicator"),  # not public
        ({"indicator": "nope", "region": "W", "text": "烟"}, "indicator"),
        ({"indicator": "environment.aqi", "region": "ZZ", "text": "烟"}, "region"),
        ({"indicator": "environment.aqi", "text": "烟"}, "region"),
        ({"indicator": "environment.aqi", "lat": 32.01, "text": "烟"}, "lon"),
        ({"indicator": "environment.aqi", "lat": 95, "lon": 118.0, "text": "烟"}, "lat"),
        ({"indicator": "environment.aqi", "lat": 39.9, "lon": 116.4, "text": "烟"}, "lat"),  # outside the city
        ({"indicator": "environment.aqi", "region": "W", "text": "烟", "contact": "call me maybe"}, "contact"),
        ({"report_code": "ABCD-2345", "text": "没修好"}, "report_code"),
        ({"indicator": ["environment.aqi"], "region": "W", "text": "烟"}, "indicator"),
        ({"indicator": "environment.aqi", "region": "W", "text": 5}, "text"),
    ],
)
def test_bad_contests_are_refused_by_field_and_nothing_is_stored(city, body, field):
    answer = Client().post(API, body, content_type="application/json")

    assert answer.status_code == 400, answer.content
    assert field in answer.json()["errors"], answer.json()
    assert not Contest.objects.exists()
    assert not ContestGroup.objects.exists()


def test_a_report_not_marked_resolved_cannot_be_contested(cast, submit):
    report = submit()
    body = {"report_code": report.tracking_code, "text": "没修好"}
    answer = Client().post(API, body, content_type="application/json")
    assert answer.status_code == 400
    assert "report_code" in answer.json()["errors"]


def test_a_point_is_contested_in_its_street_and_stored_on_the_grid(city, cast):
    answer = Client().post(API, {"indicator": "traffic.congestion", "lat": 32.0104321, "lon": 118.0051234,
                                 "text": "堵了半小时"}, content_type="application/json")  # fmt: skip
    assert answer.status_code == 201, answer.content
    contest = Contest.objects.get(code=answer.json()["code"])
    assert contest.group.region.code == "W1"
    assert (contest.lon, contest.lat) == (118.005, 32.01)


def test_contests_are_rate_limited_per_client(city):
    with override_settings(CITYOPS_CONTESTS_PER_HOUR=2):
        answers = [Client().post(API, {"indicator": "environment.aqi", "region": "W", "text": f"烟 {n}"},
                                 content_type="application/json").status_code for n in range(3)]  # fmt: skip
    assert answers == [201, 201, 429]
    assert Contest.objects.count() == 2


def test_the_panel_form_takes_a_contest_and_refuses_a_bot(city):
    client = Client()
    taken = client.post("/public/contests/", {"indicator": "environment.aqi", "region": "W", "text": "有烟"})
    assert taken.status_code == 302
    code = Contest.objects.get().code
    assert taken["Location"] == f"/public/contests/{code}/?new=1"
    assert code in client.get(taken["Location"]).content.decode()

    bot = client.post("/public/contests/", {"indicator": "environment.aqi", "region": "W", "text": "buy",
                                            "website": "http://spam.example"})  # fmt: skip
    assert bot.status_code == 400
    assert Contest.objects.count() == 1


def test_a_refused_form_is_shown_again_with_what_was_typed(city):
    answer = Client().post("/public/contests/", {"indicator": "environment.aqi", "region": "W", "text": "有烟",
                                                 "contact": "not a phone"}, HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    body = answer.content.decode()
    assert answer.status_code == 400
    assert "有烟" in body
    assert "not a phone" in body
    assert "digits, spaces, + and - only" in body
    assert not Contest.objects.exists()


def test_the_contact_is_stored_encrypted_and_the_text_shown_masked(city, contest):
    from django.db import connection

    taken = contest(text="烟很大，请联系 13912345678", contact="13812345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact FROM accountability_contest WHERE id = %s", [taken.pk])
        (stored,) = cursor.fetchone()
    assert "13812345678" not in stored
    shown = Client().get(f"{API}/{taken.code}").json()
    assert "13912345678" not in shown["text"]
    assert "contact" not in shown


def test_one_sender_saying_it_again_does_not_send_an_officer(city):
    client = Client()
    with override_settings(CITYOPS_CONTEST_THRESHOLD=2):
        for text in ("有烟", "还是有烟", "烟更大了"):
            body = {"indicator": "environment.aqi", "region": "W", "text": text}
            assert client.post(API, body, content_type="application/json").status_code == 201
    group = ContestGroup.objects.get()
    assert group.contestants == 1
    assert group.sent_at is None
    assert not Assignment.objects.exists()


def test_the_api_takes_json_only_so_no_other_site_can_post_for_its_visitors(city):
    answer = Client().post(API, {"indicator": "environment.aqi", "region": "W", "text": "x"})  # form-encoded
    assert answer.status_code in (400, 415)
    assert not Contest.objects.exists()


def test_a_community_is_contested_in_its_street(city, contest):
    from apps.regions.services import regions_import
    from tests.conftest import feature

    regions_import(features=[feature("W1A", "一社区", "Community A", (118.00, 32.00, 118.01, 32.01), 5_000)],
                   level="community", parent="W1")  # fmt: skip
    assert contest(region="W1A").group.region.code == "W1"


def test_retention_erases_a_decided_contests_contact_and_position_and_masks_its_words(cast, contest):
    from datetime import timedelta

    from django.utils import timezone

    from apps.accountability.services import contests_erase_personal_data

    with override_settings(CITYOPS_CONTEST_THRESHOLD=1):
        decided = contest(text="浓烟，电话 13912345678", contact="13812345678", lon=118.005, lat=32.01,
                          region="")  # fmt: skip
    waiting = contest(indicator="traffic.congestion", text="堵，电话 13912345678", contact="13812345678")
    assignment = Assignment.objects.get()
    verify(cast["officer"], assignment, alert=assignment.alert_id, verdict="contradicted")

    erased = contests_erase_personal_data(timezone.now() + timedelta(seconds=1))

    decided.refresh_from_db()
    waiting.refresh_from_db()
    assert erased == 1
    assert (decided.contact, decided.lon, decided.lat) == ("", None, None)
    assert "13912345678" not in decided.text
    assert decided.personal_data_erased_at is not None
    assert waiting.contact == "13812345678"  # its group still gathers voices
    assert contests_erase_personal_data(timezone.now() + timedelta(seconds=1)) == 0


def test_a_figure_checked_lately_is_not_sent_again_until_the_window_passes(cast, contest, clock):
    from datetime import timedelta

    with override_settings(CITYOPS_CONTEST_THRESHOLD=1, CITYOPS_CONTEST_WINDOW_HOURS=24):
        contest()
        assignment = Assignment.objects.get()
        verify(cast["officer"], assignment, alert=assignment.alert_id, verdict="confirmed")
        again = contest(text="还是有烟")
        assert Assignment.objects.count() == 1  # checked an hour ago: the new group waits
        assert again.group.sent_at is None
        clock.shift(timedelta(hours=25))
        contest(text="今天又有烟")
    assert Assignment.objects.count() == 2


def test_contest_pages_are_rate_limited_per_client_against_guessing_codes(city, monkeypatch):
    from apps.accountability import views

    monkeypatch.setattr(views, "LOOKUPS_PER_MINUTE", 3)
    client = Client()
    answers = [client.get(f"/public/contests/CAAA-AAA{n}/").status_code for n in range(4)]
    lookup = client.get("/public/contests/find/", {"code": "CAAA-AAAA"})
    assert answers == [404, 404, 404, 429]
    assert lookup.status_code == 429


def test_the_admin_shows_a_contest_masked_never_its_contact_in_clear(cast, contest):
    taken = contest(text="浓烟，电话 13912345678", contact="13812345678", region="W")
    client = Client()
    client.force_login(cast["admin"])

    page = client.get(f"/admin/accountability/contestgroup/{taken.group_id}/change/").content.decode()

    assert taken.code in page
    assert "13812345678" not in page
    assert "13912345678" not in page
