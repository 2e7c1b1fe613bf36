"""接诉即办 rates, claimed and verified: the public page and API, the counts, the independent checks that lower a
department's verified rate, k-suppression, the ranking by verified rates, the callback desk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.models import AuditLog
from apps.grievances.models import ResolutionCheck
from apps.grievances.performance import month_parse, performance_gaps, performance_month
from apps.grievances.services import RatingContext, grievance_rate, grievance_transition
from apps.grievances.verification import resolution_check_record, resolution_check_request
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import record_visit, visit_data

# Mid-month, mid-morning: the reports these tests make (a quarter of an hour apart) all fall in one local month,
# whatever instant the suite runs at (make test-clock); the month's own edge is tested where it matters.
pytestmark = pytest.mark.clock("2026-11-18T10:00:00+08:00")

CITIZEN = RatingContext(address="198.51.100.9")


@pytest.fixture(autouse=True)
def no_sample_drawn_by_ratings(settings):
    """The checks these tests ask for are theirs alone: a rating draws about one report in five for a check of its
    own (keyed by SECRET_KEY and the report's number, so it changes from run to run), and a test asking for a
    callback would get that check, perhaps a visit, instead (it failed CI a few times in twenty)."""
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 0.0


@pytest.fixture
def resolved(submit, cast, clock):
    """A report accepted and resolved by the department's staff, rated `score` by its citizen a quarter of an
    hour later (None: not rated)."""

    def make(score=5, category="pothole", **fields):
        report = submit(category, **fields)
        staff = cast["staff"] if category == "pothole" else None
        grievance_transition(grievance=report, action="accept", user=staff)
        report = grievance_transition(grievance=report, action="resolve", user=staff, message="已修复")
        clock.shift(timedelta(minutes=15))
        if score is not None:
            report = grievance_rate(grievance=report, score=score, context=CITIZEN)
        return report

    return make


def urban(performance=None):
    return next(u for u in (performance or performance_month()).departments if u.code == "urban")


# --- Claimed rates ------------------------------------------------------------------------------------------


def test_the_claimed_rates_count_what_the_definitions_say(submit, resolved, cast, clock, settings):
    # given: k=2 to keep the test short; four reports: three resolved (rated 5, 4, 2), one left waiting
    settings.CITYOPS_OPEN_DATA_K = 2
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 0.0
    for score in (5, 4, 2):
        resolved(score=score)
    waiting = submit()

    # when: the waiting one's response deadline (24 h) and resolution deadline (72 h) pass
    clock.shift(timedelta(hours=80))
    unit = urban()

    # then
    assert unit.reports == 4
    assert (unit.response.claimed.numerator, unit.response.claimed.denominator) == (3, 4)
    assert (unit.resolution.claimed.numerator, unit.resolution.claimed.denominator) == (3, 4)
    assert (unit.satisfaction.claimed.numerator, unit.satisfaction.claimed.denominator) == (2, 3)
    assert unit.resolution.verified is not None
    assert unit.resolution.verified.denominator == 0
    assert unit.response.verified is None  # nothing to verify
    assert waiting.pk not in ResolutionCheck.objects.values_list("grievance_id", flat=True)


def test_a_report_not_yet_due_is_not_counted_against_the_department(submit, settings):
    settings.CITYOPS_OPEN_DATA_K = 2
    submit()

    unit = urban()

    assert unit.reports == 1
    assert (unit.response.claimed.denominator, unit.resolution.claimed.denominator) == (0, 0)


def test_a_report_reopened_by_its_citizen_is_not_solved(resolved, settings):
    from apps.grievances.services import grievance_reopen

    settings.CITYOPS_OPEN_DATA_K = 2
    first, second = resolved(), resolved()
    grievance_reopen(grievance=second, reason="还是有坑")
    grievance_transition(grievance=second, action="resolve", user=None, message="再次修复")

    unit = urban()

    assert first.pk != second.pk
    assert (unit.resolution.claimed.numerator, unit.resolution.claimed.denominator) == (1, 2)


# --- Verified rates -----------------------------------------------------------------------------------------


def test_a_contradicted_resolution_reopens_the_report_and_lowers_the_verified_rate(resolved, cast, clock, settings):
    # given: every rated report is checked; three reports on the map without a phone, so each gets a field visit
    settings.CITYOPS_OPEN_DATA_K = 2
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 1.0
    reports = [resolved(score=5, reporter_phone="") for _n in range(3)]
    checks = [ResolutionCheck.objects.get(grievance=r) for r in reports]
    assert all(c.method == "visit" and c.assignment.kind == "resolution" for c in checks)
    before = urban()

    # when: an officer confirms the first two resolutions on site …
    def visit(check, verdict):
        clock.shift(timedelta(minutes=40))
        start = timezone.now() - timedelta(minutes=30)
        finding = {"grievance": check.grievance_id, "verdict": verdict, "comment": "现场查看"}
        data = visit_data(start=start, assignment=check.assignment_id, findings=[finding])
        return record_visit(officer=cast["officer"], data=data)

    for check in checks[:2]:
        assert visit(check, "confirmed").visit.status == "accepted"
    confirmed = urban()
    # … and finds the third not fixed
    assert visit(checks[2], "contradicted").visit.status == "accepted"
    after = urban()

    # then: the third report is reopened and marked, its rating set aside
    third = reports[2]
    third.refresh_from_db()
    assert third.status == "accepted"
    assert third.contradicted_at is not None
    assert third.satisfaction is None
    assert third.events.filter(kind="reopened", public=True).exists()
    # the verified 解决率 went from nothing to check, to 2 of 2, to 2 of 3
    assert before.resolution.verified.value is None
    assert (confirmed.resolution.verified.numerator, confirmed.resolution.verified.denominator) == (2, 2)
    assert (after.resolution.verified.numerator, after.resolution.verified.denominator) == (2, 3)
    # the claimed 解决率 held at 3 of 3 until the report was reopened, then fell with it
    assert (before.resolution.claimed.numerator, confirmed.resolution.claimed.numerator) == (3, 3)
    assert (after.resolution.claimed.numerator, after.resolution.claimed.denominator) == (2, 3)
    assert (after.checks_done, after.checks_pending) == (3, 0)


def test_the_verified_satisfaction_is_what_citizens_say_on_callbacks(resolved, cast, settings):
    # given: rated 5 stars each, but on the phone one of two citizens says they are not satisfied (k = 1: the
    # verified rate of 1 in 2 would otherwise be withheld, as one side is a single person)
    settings.CITYOPS_OPEN_DATA_K = 1
    reports = [resolved(score=5, lon=None, lat=None, address="西一路 12 号") for _n in range(2)]
    checks = [resolution_check_request(grievance=r, reason="sample", method="callback") for r in reports]

    resolution_check_record(check=checks[0], fixed=True, satisfied=True, user=cast["command"])
    resolution_check_record(check=checks[1], fixed=True, satisfied=False, user=cast["command"])

    unit = urban()
    assert (unit.satisfaction.claimed.numerator, unit.satisfaction.claimed.denominator) == (2, 2)
    assert (unit.satisfaction.verified.numerator, unit.satisfaction.verified.denominator) == (1, 2)
    assert unit.satisfaction.gap == pytest.approx(0.5)
    assert unit.satisfaction.flagged
    assert unit.flagged


def test_the_ranking_is_by_verified_rates_and_a_department_with_few_checks_is_unranked(resolved, cast, settings):
    # given: urban looks perfect on claims but its checks find half not fixed; water's claims are worse but hold
    # (k = 1 for these small numbers: a rate with a side of 1 to k-1 people is withheld)
    settings.CITYOPS_OPEN_DATA_K = 1
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 0.0
    urban_reports = [resolved(score=5, lon=None, lat=None, address="西一路") for _n in range(4)]
    water_reports = [resolved(score=s, category="leak", lon=None, lat=None, address="西二路") for s in (5, 3, 2, 4)]
    for n, report in enumerate(urban_reports[:2]):
        check = resolution_check_request(grievance=report, reason="sample", method="callback")
        resolution_check_record(check=check, fixed=n == 0, satisfied=n == 0, user=cast["command"])
    for report in water_reports[:2]:
        check = resolution_check_request(grievance=report, reason="sample", method="callback")
        resolution_check_record(check=check, fixed=True, satisfied=True, user=cast["command"])

    ranked = performance_month().departments

    assert [(u.code, u.rank) for u in ranked] == [("water", 1), ("urban", 2)]
    assert urban(performance_month()).satisfaction.claimed.value > ranked[0].satisfaction.claimed.value

    # and with k=5, neither has checks enough: both unranked, saying why
    settings.CITYOPS_OPEN_DATA_K = 5
    unranked = performance_month().departments
    assert [(u.code, u.rank, u.unranked_because) for u in unranked] == [("urban", None, "few_checks"),
                                                                        ("water", None, "few_checks")]  # fmt: skip


def test_performance_gaps_for_the_wall(resolved, cast, settings):
    settings.CITYOPS_OPEN_DATA_K = 2
    reports = [resolved(score=5, lon=None, lat=None, address="西一路") for _n in range(2)]
    for report in reports:
        check = resolution_check_request(grievance=report, reason="sample", method="callback")
        resolution_check_record(check=check, fixed=False, satisfied=False, user=cast["command"])

    [row] = performance_gaps()

    assert row["department"] == "urban"
    assert row["name_zh"] == "城管局"
    assert row["rank"] == 1
    assert (row["resolution_verified"], row["satisfaction_verified"], row["checks_done"]) == (0.0, 0.0, 2)
    assert row["resolution_claimed"] == 0.0  # both reopened by the checks
    assert row["flagged"] is False  # claimed fell with them: no gap left
    assert set(row) >= {"resolution_gap", "satisfaction_gap", "satisfaction_claimed", "name_en"}


def test_contests_do_not_count_in_the_verified_rate(resolved, cast, settings):
    # a contested resolution is not a random draw: its check reopens the report but is not in the sample
    settings.CITYOPS_OPEN_DATA_K = 2
    report = resolved(score=5, lon=None, lat=None, address="西一路")
    check = resolution_check_request(grievance=report, reason="contest", method="callback")
    resolution_check_record(check=check, fixed=False, satisfied=False, user=cast["command"])

    unit = urban()
    assert unit.resolution.verified.denominator == 0
    assert unit.checks_done == 0


# --- Streets ---------------------------------------------------------------------------------------------


def test_rates_per_street(resolved, settings):
    settings.CITYOPS_OPEN_DATA_K = 2
    resolved(lon=118.005)  # W1
    resolved(lon=118.015)  # W2
    resolved(lon=118.016)  # W2
    resolved(lon=118.03)  # East District: no street

    streets = {u.code: u.reports for u in performance_month().streets}

    assert streets == {"W1": 1, "W2": 2}


# --- The month --------------------------------------------------------------------------------------------


@pytest.mark.clock("2026-12-01T00:30:00+08:00")
def test_the_month_is_the_citys_local_month(submit, settings):
    # given: a report at 00:30 on 1 December in the city: still 30 November in UTC
    settings.CITYOPS_OPEN_DATA_K = 2
    submit()

    december = performance_month(month=month_parse("2026-12"))
    november = performance_month(month=month_parse("2026-11"))

    assert [u.reports for u in december.departments] == [1]
    assert november.departments == []
    assert month_parse("２０２６－１１") == month_parse("2026-11")  # as a Chinese input method types it


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-12", "2026-12-01", "december", "1999-12", "2027-01",
                                  "２０２６－１３", "2026-1２"[:6]])  # fmt: skip
def test_a_bad_month_is_a_400_on_the_page_and_the_api(client, db, text):
    page = client.get("/public/performance/", {"month": text}, HTTP_ACCEPT_LANGUAGE="en")
    api = client.get("/api/v1/public/performance", {"month": text}, HTTP_ACCEPT_LANGUAGE="en")

    assert (page.status_code, api.status_code) == (400, 400)
    assert "a month" in page.content.decode()
    assert "month" in api.json()["errors"]


# --- The public page and API ------------------------------------------------------------------------------


def test_small_numbers_are_not_published_on_the_page_or_the_api(client, resolved, cast):
    # given: k=5 (the default); three reports, all resolved and rated
    for _n in range(3):
        resolved(score=5)

    page_en = client.get("/public/performance/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    page_zh = client.get("/public/performance/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    body = client.get("/api/v1/public/performance").json()

    # then: the count says "fewer than 5", no rate is shown, and why
    assert "Reports made: fewer than 5" in page_en
    assert "from fewer than 5 reports: not shown" in page_en
    assert "100%" not in page_en
    assert "少于 5" in page_zh
    [unit] = body["departments"]
    assert body["k"] == 5
    assert unit["reports"] is None
    assert unit["resolution"]["claimed"] == {"rate": None, "numerator": None, "denominator": None}
    assert unit["excluded_ratings"] == {"staff_session": None, "department_network": None,
                                        "after_staff_action": None}  # fmt: skip


def test_from_k_reports_the_rates_are_published(client, resolved, settings):
    settings.CITYOPS_RESOLUTION_CHECK_SHARE = 0.0
    for score in (5, 5, 4, 4, 1):
        resolved(score=score)

    body = client.get("/api/v1/public/performance").json()
    page = client.get("/public/performance/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    [unit] = body["departments"]
    assert unit["reports"] == 5
    # 4 satisfied and 1 not: 80 % of 5 would give both back; 5 of 5 resolved hides nobody
    assert unit["satisfaction"]["claimed"] == {"rate": None, "numerator": None, "denominator": 5}
    assert unit["resolution"]["claimed"] == {"rate": 1.0, "numerator": 5, "denominator": 5}
    assert "not shown: fewer than 5 on one side" in page
    assert "80%" not in page
    assert "100%" in page


def test_the_page_states_each_definition_in_both_languages(client, db, settings):
    settings.LANGUAGE_COOKIE_NAME = settings.LANGUAGE_COOKIE_NAME
    english = client.get("/public/performance/", HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.get("/public/performance/")

    assert (english.status_code, chinese.status_code) == (200, 200)
    en, zh = english.content.decode(), chinese.content.decode()
    for phrase in ("Response rate", "Resolution rate", "Satisfaction rate", "not by claimed ones", "formalism",
                   "within 10 minutes of a staff action"):  # fmt: skip
        assert phrase in en
    for phrase in ("响应率", "解决率", "满意率", "形式主义", "核验"):
        assert phrase in zh
    assert "Response rate" not in zh


def test_the_api_is_in_the_schema(admin_client):
    schema = admin_client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/public/performance"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"month"}
    assert "400" in operation["responses"]


# --- The callback desk ------------------------------------------------------------------------------------


@pytest.fixture
def callback_check(resolved):
    report = resolved(score=5, lon=None, lat=None, address="西一路 12 号")
    return resolution_check_request(grievance=report, reason="sample", method="callback")


def test_the_callback_desk_lists_and_records_checks_outside_ones_department(client, callback_check, cast):
    from tests.grievances.conftest import PHONE

    client.login(username="command", password=PASSWORD)

    listing = client.get("/grievances/checks/")
    page = client.get(f"/grievances/checks/{callback_check.pk}/")
    done = client.post(f"/grievances/checks/{callback_check.pk}/", {"fixed": "yes", "satisfied": "no", "note": "还行"})

    assert f"/grievances/checks/{callback_check.pk}/" in listing.content.decode()
    assert page.status_code == 200
    assert PHONE not in page.content.decode()
    assert "139****5678" in page.content.decode()
    assert done.status_code == 302
    callback_check.refresh_from_db()
    assert (callback_check.fixed, callback_check.satisfied, callback_check.checked_by) == (True, False, cast["command"])


def test_the_phone_is_read_only_on_request_and_the_reading_is_logged(client, callback_check, cast):
    from tests.grievances.conftest import PHONE

    client.login(username="command", password=PASSWORD)

    response = client.post(f"/grievances/checks/{callback_check.pk}/contact")

    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    [read] = AuditLog.objects.filter(action="grievances.grievance.read_personal")
    assert read.actor == cast["command"]
    assert read.data["purpose"].startswith("callback")


def test_a_callback_by_someone_of_the_department_checked_is_refused(client, callback_check, cast):
    # given: the department's own staff member, even with the permission to log callbacks
    from django.contrib.auth.models import Permission

    cast["staff"].user_permissions.add(Permission.objects.get(codename="log_callback"))
    client.login(username="staff", password=PASSWORD)

    # when: they try to open or record their own department's check
    listing = client.get("/grievances/checks/")
    posted = client.post(f"/grievances/checks/{callback_check.pk}/", {"fixed": "yes", "satisfied": "yes"})

    # then: not listed, not found, nothing recorded; the service refuses it too
    assert f"/grievances/checks/{callback_check.pk}/" not in listing.content.decode()
    assert posted.status_code == 404
    callback_check.refresh_from_db()
    assert callback_check.fixed is None
    from apps.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        resolution_check_record(check=callback_check, fixed=True, satisfied=True, user=cast["staff"])
    callback_check.refresh_from_db()
    assert callback_check.fixed is None


def test_a_callback_form_with_bad_input_is_shown_again_with_errors(client, callback_check, cast):
    client.login(username="command", password=PASSWORD)

    response = client.post(f"/grievances/checks/{callback_check.pk}/", {"fixed": "maybe", "note": "x" * 3000},
                           HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip

    assert response.status_code == 400
    body = response.content.decode()
    assert "form-error" in body
    assert "Record the callback" in body
    callback_check.refresh_from_db()
    assert callback_check.fixed is None


def test_the_callback_desk_is_for_those_allowed(client, callback_check, cast):
    anonymous = client.get("/grievances/checks/")
    client.login(username="officer", password=PASSWORD)
    officer = client.get("/grievances/checks/")

    assert anonymous.status_code == 302
    assert officer.status_code == 403


def test_the_page_is_rate_limited_per_client(client, db, settings):
    from apps.grievances.performance_views import READS_PER_MINUTE

    answers = [
        client.get("/public/performance/", HTTP_ACCEPT_LANGUAGE="en").status_code for _n in range(READS_PER_MINUTE)
    ]
    over = client.get("/public/performance/", HTTP_ACCEPT_LANGUAGE="en")

    assert set(answers) == {200}
    assert over.status_code == 429
    assert "Too many requests" in over.content.decode()


def test_a_month_of_year_zero_is_refused_not_a_crash(city):
    from django.test import Client

    assert Client().get("/api/v1/public/performance", {"month": "0000-01"}).status_code == 400
    assert Client().get("/public/performance/", {"month": "0000-01"}).status_code == 400


def test_a_desk_narrowed_to_a_district_calls_only_that_districts_citizens(client, resolved, cast):
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert

    west = resolution_check_request(grievance=resolved(score=5, lon=118.005, lat=32.01), reason="sample",
                                    method="callback")  # fmt: skip
    east = resolution_check_request(grievance=resolved(score=5, lon=118.03, lat=32.01), reason="sample",
                                    method="callback")  # fmt: skip
    staff_user_upsert(username="desk_e", password=PASSWORD, roles=[Role.COMMAND_CENTER], region_codes=["E"])
    client.login(username="desk_e", password=PASSWORD)

    listing = client.get("/grievances/checks/").content.decode()

    assert f"/grievances/checks/{east.pk}/" in listing
    assert f"/grievances/checks/{west.pk}/" not in listing
    assert client.get(f"/grievances/checks/{west.pk}/").status_code == 404
    assert client.post(f"/grievances/checks/{west.pk}/contact", {"purpose": "回访"}).status_code == 404
    assert client.post(f"/grievances/checks/{west.pk}/", {"fixed": "no", "satisfied": "no"}).status_code == 404
    west.refresh_from_db()
    assert west.fixed is None


def test_a_rate_is_withheld_when_either_side_is_a_few_people(resolved, settings):
    from apps.grievances.performance import Rate

    opinions = {"k": 5, "opinions": True}
    assert Rate(numerator=4, denominator=5, **opinions).value is None  # the one dissatisfied citizen, given back
    assert Rate(numerator=1, denominator=9, **opinions).value is None
    assert Rate(numerator=5, denominator=5, **opinions).value == 1.0  # nobody on the other side
    assert Rate(numerator=0, denominator=7, **opinions).value == 0.0
    assert Rate(numerator=6, denominator=12, **opinions).value == 0.5
    assert Rate(numerator=10, denominator=11, k=5).value == pytest.approx(10 / 11)  # reports fixed: not opinions


def test_a_callback_nobody_answered_stays_on_the_list_at_its_end_and_a_recorded_one_is_confirmed(
    client, resolved, cast
):
    first, second = (resolution_check_request(grievance=resolved(score=5, lon=None, lat=None, address="西一路 12 号"),
                                              reason="sample", method="callback") for _n in range(2))  # fmt: skip
    client.login(username="command", password=PASSWORD)

    missed = client.post(f"/grievances/checks/{first.pk}/", {"outcome": "no_answer"}, follow=True)
    listing = missed.content.decode()
    done = client.post(f"/grievances/checks/{second.pk}/", {"fixed": "no", "satisfied": "no"}, follow=True)

    first.refresh_from_db()
    assert first.fixed is None
    assert listing.index(f"/grievances/checks/{second.pk}/") < listing.index(f"/grievances/checks/{first.pk}/")
    assert "No answer noted" in listing or "无人接听" in listing
    assert f"回访 {second.pk} 已记录" in done.content.decode() or "recorded" in done.content.decode()
