"""A citizen's rating counts only when it can be independent: not from a staff session, not from the
department's own network, not within minutes of a staff action on the report. Such a rating is kept (the
citizen sees it) but marked, left out of 满意率 and counted. A share of rated reports is sampled for an
independent check, by a hash of the report's number."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.grievances.models import Grievance, ResolutionCheck
from apps.grievances.performance import performance_month
from apps.grievances.services import (
    RatingContext,
    grievance_rate,
    grievance_reply,
    grievance_transition,
    resolution_check_sampled,
)
from tests.conftest import PASSWORD

# Mid-month, mid-morning: the reports these tests make (a quarter of an hour apart) all fall in one local month,
# whatever instant the suite runs at (make test-clock); the month's own edge is tested where it matters.
pytestmark = pytest.mark.clock("2026-11-18T10:00:00+08:00")


@pytest.fixture
def resolved(submit, cast, clock):
    """A report accepted and resolved by the department's staff, a quarter of an hour ago."""

    def make(**fields):
        report = submit(**fields)
        grievance_transition(grievance=report, action="accept", user=cast["staff"])
        return grievance_transition(grievance=report, action="resolve", user=cast["staff"], message="已修复")

    def made(**fields):
        report = make(**fields)
        clock.shift(timedelta(minutes=15))
        return report

    return made


def test_a_pressured_rating_from_a_staff_session_is_kept_but_excluded_and_counted(client, resolved, settings):
    # given: a resolved report, and staff signed in on the phone they hand the citizen
    settings.CITYOPS_OPEN_DATA_K = 2
    report = resolved()
    client.login(username="staff", password=PASSWORD)

    # when: five stars are given from that session
    response = client.post(f"/grievances/t/{report.tracking_code}/rate", {"score": "5", "comment": ""})

    # then: the rating is stored and shown, but does not count
    report.refresh_from_db()
    assert response.status_code == 302
    assert (report.satisfaction, report.status, report.rating_excluded) == (5, "closed", "staff_session")
    assert report.rated_at is not None
    [urban] = [u for u in performance_month().departments if u.code == "urban"]
    assert (urban.satisfaction.claimed.numerator, urban.satisfaction.claimed.denominator) == (0, 0)
    assert urban.excluded == {"staff_session": 1, "department_network": 0, "after_staff_action": 0}


def test_a_rating_from_the_departments_own_network_is_excluded(client, resolved, categories):
    # given: the department's offices are 10.20.0.0/16
    categories["urban"].networks = "10.20.0.0/16\n192.0.2.7"
    categories["urban"].save()
    inside, outside = resolved(), resolved()

    # when: one citizen rates from an office address, another from elsewhere
    client.post(f"/grievances/t/{inside.tracking_code}/rate", {"score": "5"}, REMOTE_ADDR="10.20.3.4")
    client.post(f"/grievances/t/{outside.tracking_code}/rate", {"score": "5"}, REMOTE_ADDR="198.51.100.9")

    # then
    inside.refresh_from_db()
    outside.refresh_from_db()
    assert (inside.satisfaction, inside.rating_excluded) == (5, "department_network")
    assert (outside.satisfaction, outside.rating_excluded) == (5, "")


def test_a_rating_within_minutes_of_a_staff_action_is_excluded(resolved, cast, clock, settings):
    # given: staff reply on two resolved reports
    settings.CITYOPS_RATING_AFTER_STAFF_MINUTES = 10
    soon, later = resolved(), resolved()
    for report in (soon, later):
        grievance_reply(grievance=report, user=cast["staff"], message="请您给个好评", public=True)

    # when: one citizen rates 5 minutes after, the other 11 minutes after
    clock.shift(timedelta(minutes=5))
    grievance_rate(grievance=soon, score=5, context=RatingContext(address="198.51.100.9"))
    clock.shift(timedelta(minutes=6))
    grievance_rate(grievance=later, score=5, context=RatingContext(address="198.51.100.9"))

    # then
    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.rating_excluded, later.rating_excluded) == ("after_staff_action", "")


def test_a_citizens_own_rating_counts(client, resolved, settings):
    settings.CITYOPS_OPEN_DATA_K = 2
    reports = [resolved(), resolved()]

    for report, score in zip(reports, ("4", "2"), strict=True):
        client.post(f"/grievances/t/{report.tracking_code}/rate", {"score": score}, REMOTE_ADDR="198.51.100.9")

    [urban] = [u for u in performance_month().departments if u.code == "urban"]
    assert (urban.satisfaction.claimed.numerator, urban.satisfaction.claimed.denominator) == (1, 2)
    assert urban.excluded_total == 0


def test_reopening_sets_the_rating_aside(resolved):
    report = resolved()
    grievance_rate(grievance=report, score=1, context=RatingContext(staff_session=True))

    from apps.grievances.services import grievance_reopen

    grievance_reopen(grievance=report, reason="还是没修好")

    report.refresh_from_db()
    assert (report.satisfaction, report.rated_at, report.rating_excluded) == (None, None, "")


# --- The sample of independent checks ---------------------------------------------------------------------


def test_a_share_of_rated_reports_is_sampled_by_their_number(resolved, settings):
    # given: half of the rated reports are to be checked
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 0.5
    reports = [resolved() for _n in range(16)]

    # when: every one is rated
    for report in reports:
        grievance_rate(grievance=report, score=5)

    # then: exactly the reports the hash picks have a check, requested for the sample, about this resolution
    expected = {r.pk for r in reports if resolution_check_sampled(r)}
    checks = ResolutionCheck.objects.filter(reason="sample")
    assert set(checks.values_list("grievance_id", flat=True)) == expected
    assert 0 < len(expected) < 16
    for check in checks.select_related("grievance"):
        assert check.resolved_at == check.grievance.resolved_at
        assert check.department.code == "urban"
        assert check.fixed is None


def test_the_sample_is_the_same_whoever_asks_and_follows_the_share(submit, settings):
    reports = [submit() for _n in range(100)]  # the draw is keyed by SECRET_KEY, new each run: bounds that always hold

    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 0.0
    none = [r.pk for r in reports if resolution_check_sampled(r)]
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 0.2
    some = [r.pk for r in reports if resolution_check_sampled(r)]
    again = [r.pk for r in Grievance.objects.filter(pk__in=[r.pk for r in reports]) if resolution_check_sampled(r)]
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 1.0
    every = [r.pk for r in reports if resolution_check_sampled(r)]

    assert none == []
    assert sorted(some) == sorted(again)
    assert 5 <= len(some) <= 40  # 20 % of 100, give or take the hash (outside: about 5 runs in a million)
    assert len(every) == 100


def test_a_sampled_report_is_visited_when_on_the_map_and_called_back_when_only_a_phone(resolved, settings):
    # given: every rated report is checked
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 1.0
    on_map_no_phone = resolved(reporter_phone="")
    phone_only = resolved(lon=None, lat=None, address="西一路 12 号")
    neither = resolved(lon=None, lat=None, address="西一路 14 号", reporter_phone="")

    # when
    for report in (on_map_no_phone, phone_only, neither):
        grievance_rate(grievance=report, score=4)

    # then
    methods = dict(ResolutionCheck.objects.values_list("grievance_id", "method"))
    assert methods == {on_map_no_phone.pk: "visit", phone_only.pk: "callback"}
    visit = ResolutionCheck.objects.get(grievance=on_map_no_phone)
    assert visit.assignment is not None
    assert visit.assignment.kind == "resolution"


def test_reports_with_both_a_place_and_a_phone_are_checked_both_ways(resolved, settings):
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 1.0
    # a third are visited, by a draw keyed with SECRET_KEY (new each run): of 12 reports none was, once in about
    # 130 runs ((2/3)^12); of 40, once in some ten million
    reports = [resolved() for _n in range(40)]

    for report in reports:
        grievance_rate(grievance=report, score=5)

    methods = list(ResolutionCheck.objects.values_list("method", flat=True))
    assert len(methods) == 40
    assert {"visit", "callback"} == set(methods)


def test_a_failing_check_request_never_loses_the_rating(resolved, settings, monkeypatch):
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 1.0
    report = resolved()

    def broken(**_kwargs):
        raise RuntimeError("fieldwork is down")

    monkeypatch.setattr("apps.grievances.verification.resolution_check_request", broken)
    grievance_rate(grievance=report, score=3)

    report.refresh_from_db()
    assert (report.satisfaction, report.status) == (3, "closed")
    assert not ResolutionCheck.objects.exists()


def test_a_report_where_no_officer_goes_is_called_back_when_it_can_be(resolved, cast, settings):
    # given: nobody covers district W any more
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 1.0
    cast["officer"].is_active = False
    cast["officer"].save()
    with_phone, without = resolved(), resolved(reporter_phone="")

    # when
    for report in (with_phone, without):
        grievance_rate(grievance=report, score=5)

    # then: the one with a phone is called back; the other's visit waits for an officer
    methods = dict(ResolutionCheck.objects.values_list("grievance_id", "method"))
    assert methods == {with_phone.pk: "callback", without.pk: "visit"}
    assert ResolutionCheck.objects.get(grievance=without).assignment.assignee is None


def test_a_rating_that_did_not_count_leaves_the_citizen_their_own(client, resolved):
    from django.test import Client

    # given: staff gave five stars from their session on the citizen's report
    report = resolved()
    client.login(username="staff", password=PASSWORD)
    client.post(f"/grievances/t/{report.tracking_code}/rate", {"score": "5", "comment": ""})
    again = client.post(f"/grievances/t/{report.tracking_code}/rate", {"score": "5", "comment": ""})

    # when: the citizen opens the tracking page and rates from their own phone
    citizen = Client()
    page = citizen.get(f"/grievances/t/{report.tracking_code}/")
    rated = citizen.post(f"/grievances/t/{report.tracking_code}/rate", {"score": "2", "comment": "没修好"})
    twice = citizen.post(f"/grievances/t/{report.tracking_code}/rate", {"score": "5", "comment": ""})

    # then: staff could not rate twice; the citizen's rating replaced theirs and counts; theirs was the last
    report.refresh_from_db()
    assert again.status_code == 400
    assert 'id="rate"' in page.content.decode()
    assert rated.status_code == 302
    assert twice.status_code == 400
    assert (report.satisfaction, report.rating_excluded) == (2, "")
