"""Visits: idempotent by the device's UUID, every authenticity flag with a case that raises it and one that
does not, the review queue, verdicts passed on to alerts (and the wall), scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.fieldwork.models import Assignment, Flag, Visit, VisitPhoto
from apps.fieldwork.services import visit_review
from apps.indicators.alerting import alert_transition
from apps.indicators.selectors import alert_payload
from tests.fieldwork.conftest import photo, record_visit, record_with_photos, t0, visit_data


def flags(visit):
    return {f.code for f in visit.flags.all()}


def sent_to(officer, region, *, lon, lat):
    """A planned visit the dispatcher gave the officer, wherever it is."""
    return Assignment.objects.create(
        kind="planned",
        title_zh="走访",
        title_en="visit",
        region=region,
        lon=lon,
        lat=lat,
        assignee=officer,
        due_at=timezone.now() + timedelta(days=1),
    )


def record(officer, photos=(), **fields):
    return record_with_photos(officer, visit_data(**fields), list(photos))


def test_the_same_uuid_twice_is_one_visit(cast, city):
    data = visit_data(notes="路口积水已排除")

    first = record_visit(officer=cast["officer"], data=data)
    again = record_visit(officer=cast["officer"], data=data)

    assert (first.created, again.created) == (True, False)
    assert again.visit.pk == first.visit.pk
    assert Visit.objects.count() == 1
    with pytest.raises(ApplicationError):  # another officer cannot take that UUID
        record_visit(officer=cast["other_officer"], data=data)


def test_sending_for_verification_opens_an_assignment_and_a_verdict_moves_the_alert(cast, alert_in_w1):
    alert_transition(alert=alert_in_w1, action="request_verification", user=cast["command"])
    assignment = Assignment.objects.get(alert=alert_in_w1)

    visit = record(cast["officer"], assignment=assignment.pk,
                   findings=[{"alert": alert_in_w1.pk, "verdict": "contradicted", "observed_value": 48.5,
                              "comment": "现场很安静"}])  # fmt: skip

    alert_in_w1.refresh_from_db()
    assignment.refresh_from_db()
    assert visit.status == "accepted"
    assert alert_in_w1.status == "contradicted"
    assert alert_in_w1.details["verdict"]["observed_value"] == 48.5
    assert assignment.status == "done"


def test_a_partly_verdict_from_a_visit_stays_partly_on_the_alert(cast, alert_in_w1):
    # given an alert sent for verification
    alert_transition(alert=alert_in_w1, action="request_verification", user=cast["command"])
    assignment = Assignment.objects.get(alert=alert_in_w1)

    # when the officer finds it partly true (84 % measured)
    finding = {"alert": alert_in_w1.pk, "verdict": "partly", "observed_value": 84}
    record(cast["officer"], assignment=assignment.pk, findings=[finding])

    # then the lifecycle counts it confirmed, the wall and the API read partly
    alert_in_w1.refresh_from_db()
    assert (alert_in_w1.status, alert_in_w1.verdict) == ("confirmed", "partly")
    assert alert_payload(alert_in_w1)["verdict"] == "partly"


@pytest.mark.parametrize(
    ("fields", "flag"),
    [
        ({"minutes": 2}, "short_stay"),
        ({"sent_at": timedelta(minutes=30)}, "clock_skew"),  # from now: made at collection, not in the test
    ],
)
def test_simple_flags(cast, city, fields, flag):
    if "sent_at" in fields:
        fields = {"sent_at": (timezone.now() + fields["sent_at"]).isoformat()}
    assert flag in flags(record(cast["officer"], **fields))


def test_no_flags_for_an_ordinary_visit(cast, city):
    taken = timezone.localtime(t0() + timedelta(minutes=5)).strftime("%Y:%m:%d %H:%M:%S")  # EXIF: the local clock
    visit = record(cast["officer"], sent_at=timezone.now().isoformat(), notes="与三位居民交谈，路灯已修好。",
                   photos=[photo(1, exif_time=taken, gps=(118.005, 32.01))])  # fmt: skip

    assert flags(visit) == set()
    assert visit.status == "accepted"


def test_outside_the_geofence(cast, alert_in_w1):
    alert_transition(alert=alert_in_w1, action="request_verification", user=cast["command"])
    assignment = Assignment.objects.get(alert=alert_in_w1)

    near = record(cast["officer"], assignment=assignment.pk, lon=assignment.lon, lat=assignment.lat)
    assignment.status = "open"
    assignment.save()
    office = record(cast["officer"], assignment=assignment.pk, lon=118.035, lat=32.019,
                    start=t0() + timedelta(hours=1))  # in East district, ~3 km away  # fmt: skip

    assert "outside_geofence" not in flags(near)
    assert "outside_geofence" in flags(office)
    assert office.status == "review"


def test_a_reused_photo_is_flagged_a_new_one_is_not(cast, city):
    record(cast["other_officer"], lon=118.03, photos=[photo(7)])

    reused = record(cast["officer"], start=t0() + timedelta(hours=1), photos=[photo(7)])
    fresh = record(cast["officer"], start=t0() + timedelta(hours=2), photos=[photo(8)])

    assert "photo_reused" in flags(reused)
    assert "photo_reused" not in flags(fresh)


def test_photo_exif_time_or_place_far_from_the_visit(cast, city):
    old = record(cast["officer"], photos=[photo(3, exif_time="2025:05:01 10:00:00")])
    elsewhere = record(cast["officer"], start=t0() + timedelta(hours=1), photos=[photo(4, gps=(118.2, 32.2))])
    here = record(cast["officer"], start=t0() + timedelta(hours=2), photos=[photo(5, gps=(118.005, 32.01))])

    assert "photo_exif_mismatch" in flags(old)
    assert "photo_exif_mismatch" in flags(elsewhere)
    assert "photo_exif_mismatch" not in flags(here)


def test_copied_notes_are_flagged_new_ones_are_not(cast, city):
    record(cast["other_officer"], lon=118.03, notes="已上门走访，居民反映情况属实，已协调相关部门尽快处理。")

    copied = record(
        cast["officer"], start=t0() + timedelta(hours=1), notes="已上门走访，居民反映情况属实，已协调相关部门尽快处理。"
    )
    own = record(cast["officer"], start=t0() + timedelta(hours=2), notes="井盖松动，已设置警示牌，联系市政明早更换。")

    assert "notes_copied" in flags(copied)
    assert "notes_copied" not in flags(own)


def test_impossible_travel_between_two_visits(cast, city):
    # given: the officer was sent to East District and far outside the city (a visit elsewhere needs that)
    sent_east = sent_to(cast["officer"], city["E"], lon=118.039, lat=32.019)
    sent_far = sent_to(cast["officer"], city["C"], lon=118.45, lat=32.019)
    record(cast["officer"], lon=118.001, lat=32.001)  # ends at t0() + 20 min
    # 4 km in 5 minutes (~48 km/h): a scooter can; then 40 km in 10 minutes cannot
    ok = record(cast["officer"], assignment=sent_east.pk, start=t0() + timedelta(minutes=25), lon=118.039, lat=32.019)
    far = record(cast["officer"], assignment=sent_far.pk, start=t0() + timedelta(minutes=55), lon=118.45, lat=32.019)

    assert "impossible_travel" not in flags(ok)
    assert "impossible_travel" in flags(far)


def test_a_flagged_visit_counts_only_once_accepted(cast, alert_in_w1):
    alert_transition(alert=alert_in_w1, action="request_verification", user=cast["command"])
    visit = record(cast["officer"], minutes=1, findings=[{"alert": alert_in_w1.pk, "verdict": "confirmed"}])
    alert_in_w1.refresh_from_db()
    assert visit.status == "review"
    assert alert_in_w1.status == "verification_requested"  # not yet

    with pytest.raises(ApplicationError):
        visit_review(visit=visit, supervisor=cast["command"], accept=False, reason="")  # a reason is required
    with pytest.raises(ApplicationError):
        visit_review(visit=visit, supervisor=cast["officer"], accept=True)  # not one's own
    visit_review(visit=visit, supervisor=cast["command"], accept=True)

    alert_in_w1.refresh_from_db()
    assert alert_in_w1.status == "confirmed"


def test_an_officer_cannot_act_outside_their_regions(cast, alert_in_w1):
    alert_transition(alert=alert_in_w1, action="request_verification", user=cast["command"])
    assignment = Assignment.objects.get(alert=alert_in_w1)  # in W1; "other_officer" works in E

    with pytest.raises(ApplicationError) as caught:
        record_visit(officer=cast["other_officer"], data=visit_data(
            assignment=assignment.pk, findings=[{"alert": alert_in_w1.pk, "verdict": "contradicted"}]))  # fmt: skip

    assert {"assignment", "findings[0]"} <= set(caught.value.fields)
    from apps.fieldwork.services import assignments_for_officer

    assert list(assignments_for_officer(user=cast["officer"])) == [assignment]
    assert list(assignments_for_officer(user=cast["other_officer"])) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"uuid": "not-a-uuid"}, "uuid"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": "2026-02-30T08:00:00+08:00"}, "started_at"),
        ({"checkin": {"lon": "x"}}, "checkin"),
        ({"checkin": {"lon": 500, "lat": 0, "accuracy": 5}}, "checkin"),
        ({"people": [{"kind": "residents", "count": -1}]}, "people"),
        ({"findings": [{"verdict": "maybe"}]}, "findings[0]"),
        ({"started_at": "0001-01-01T00:00:00+14:00"}, "started_at"),
        ({"ended_at": "9999-12-31T23:59:59-14:00"}, "ended_at"),
        ({"sent_at": "0001-01-01T00:00:00+14:00"}, "sent_at"),
        ({"sent_at": "9999-12-31T23:59:59-14:00"}, "sent_at"),
        ({"photos": 5}, "photos"),
        ({"photos": [{"name": "x", "data": "/9j/4AAQ"}]}, "photos[0]"),  # inline base64: no longer taken
        ({"photos": [{"index": 0, "sha256": "ab"}]}, "photos[0]"),
        ({"photos": [{"index": 10, "sha256": "a" * 64}]}, "photos[0]"),
        ({"photos": [{"index": 0, "sha256": "a" * 64}, {"index": 0, "sha256": "b" * 64}]}, "photos[1]"),
        ({"photos": [{"index": 0, "sha256": "a" * 64}, {"index": 1, "sha256": "a" * 64}]}, "photos[1]"),
        ({"photos": [{"index": i, "sha256": f"{i:064x}"} for i in range(11)]}, "photos"),
    ],
)
def test_bad_visits_are_refused_whole(cast, city, fields, field):
    data = visit_data()
    data.update(fields)

    with pytest.raises(ApplicationError) as caught:
        record_visit(officer=cast["officer"], data=data)

    assert field in caught.value.fields
    assert (Visit.objects.count(), VisitPhoto.objects.count(), Flag.objects.count()) == (0, 0, 0)


def test_stored_photos_keep_the_hash_and_lose_the_metadata(cast, city):
    import io

    from PIL import Image

    visit = record(cast["officer"], photos=[photo(2, exif_time="2026:11:29 08:00:00", gps=(118.005, 32.01))])
    stored = visit.photos.get()

    with stored.image.open("rb") as file, Image.open(io.BytesIO(file.read())) as image:
        assert not image.getexif()
    assert len(stored.phash) == 16
    assert stored.exif_lat == pytest.approx(32.01)
    assert stored.exif_taken_at is not None


def test_a_department_asks_for_a_field_check_of_a_report(client, submit, cast):
    from tests.conftest import PASSWORD

    g = submit()  # in W1
    client.login(username="staff", password=PASSWORD)
    client.post(f"/grievances/workbench/{g.tracking_code}/field-check")
    assignment = Assignment.objects.get(grievance=g)

    visit = record(cast["officer"], assignment=assignment.pk,
                   findings=[{"grievance": g.pk, "verdict": "confirmed", "comment": "坑确实存在"}])  # fmt: skip

    assert assignment.kind == "grievance"
    assert visit.status == "accepted"
    assert g.events.filter(kind="note", public=False, message__contains="坑确实存在").exists()


def test_a_share_of_visits_is_rechecked_by_another_officer(cast, alert_in_w1, settings):
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert
    from apps.fieldwork.services import assignments_for_officer

    settings.CITYOPS_FIELD_RECHECK_SHARE = 1.0  # every visit, for the test
    second = staff_user_upsert(username="officer2", password="x-long-password-1", roles=[Role.FIELD_OFFICER],
                               region_codes=["W"])  # fmt: skip
    alert_transition(alert=alert_in_w1, action="request_verification", user=cast["command"])
    first = record(cast["officer"], assignment=Assignment.objects.get(alert=alert_in_w1).pk,
                   findings=[{"alert": alert_in_w1.pk, "verdict": "confirmed"}])  # fmt: skip

    recheck = Assignment.objects.get(kind="recheck")
    assert recheck.recheck_of == first
    assert recheck not in assignments_for_officer(user=cast["officer"])  # not by the same officer
    assert recheck in assignments_for_officer(user=second)
    with pytest.raises(ApplicationError):
        record(cast["officer"], assignment=recheck.pk, start=t0() + timedelta(hours=1))


def test_inside_a_wide_circle_but_in_another_district_is_still_outside(cast, city):
    from django.utils import timezone as tz

    # the officer works in W; a wide geofence around W1 reaches into E
    assignment = Assignment.objects.create(kind="planned", title_zh="走访", title_en="visit", region=city["W1"],
                                           lon=118.005, lat=32.01, radius_m=5000, assignee=cast["officer"],
                                           due_at=tz.now() + timedelta(days=1))  # fmt: skip

    visit = record(cast["officer"], assignment=assignment.pk, lon=118.03, lat=32.01)  # in East District

    [flag] = visit.flags.all()
    assert flag.code == "outside_geofence"
    assert flag.evidence == {"region": "E", "expected": "W1"}


def test_a_finding_on_a_report_without_a_region_needs_an_assignment_for_it(cast, city, submit):
    # given: a report with an address only (no place on the map, so no region)
    report = submit(lon=None, lat=None, address="西一路 12 号门口")
    finding = {"grievance": report.pk, "verdict": "confirmed", "comment": "看过了，确有其事"}
    events = report.events.count()

    # when: an officer of the other district speaks about it, without being sent
    with pytest.raises(ApplicationError) as caught:
        record_visit(officer=cast["other_officer"], data=visit_data(lon=118.03, findings=[finding]))

    # then: refused, nothing passed on to the report
    assert report.region_id is None
    assert set(caught.value.fields) == {"findings[0]"}
    assert (Visit.objects.count(), report.events.count()) == (0, events)

    # and an officer with an assignment for that report may
    assignment = Assignment.objects.create(
        kind="grievance",
        title_zh="核查",
        title_en="check",
        grievance=report,
        region=city["W1"],
        lon=118.005,
        lat=32.01,
        assignee=cast["officer"],
        due_at=timezone.now() + timedelta(days=1),
    )
    visit = record(cast["officer"], assignment=assignment.pk, findings=[finding])
    assert visit.status == "accepted"
    assert report.events.filter(kind="note", public=False, message__contains="确有其事").count() == 1


def test_a_finding_on_an_alert_without_a_region_is_refused_without_an_assignment(cast, city):
    from apps.indicators.alerting import alert_raise
    from apps.indicators.models import Alert

    alert, _created = alert_raise(
        kind=Alert.Kind.THRESHOLD,
        severity="warning",
        title_zh="全市：噪声",
        title_en="City: noise",
        region=None,
        indicator="environment.noise_over_limit",
        value=3.0,
        threshold=0.1,
    )

    with pytest.raises(ApplicationError) as caught:
        record(cast["other_officer"], lon=118.03, findings=[{"alert": alert.pk, "verdict": "contradicted"}])

    alert.refresh_from_db()
    assert set(caught.value.fields) == {"findings[0]"}
    assert alert.status == "open"


@pytest.mark.parametrize(
    ("lon", "where"),
    [(118.005, "West District, not the officer's"), (118.45, "outside every region")],
)
def test_a_visit_outside_the_officers_regions_without_an_assignment_is_refused(cast, city, lon, where):
    from apps.fieldwork.selectors import ground_by_region, ground_by_source
    from apps.indicators.models import DataSource

    # given: East District's officer, not sent anywhere, and the ground figures before
    DataSource.objects.create(code="aqi-feed", name_zh="空气", domain="environment")
    before = (ground_by_region(), ground_by_source())
    finding = {"indicator": "environment.aqi", "verdict": "contradicted", "observed_value": 500}

    # when: a visit with a verdict on an indicator is checked in elsewhere
    with pytest.raises(ApplicationError) as caught:
        record_visit(officer=cast["other_officer"], data=visit_data(lon=lon, findings=[finding]))

    # then: refused on the check-in, nothing stored, nobody's figures moved
    assert set(caught.value.fields) == {"checkin"}, where
    assert (Visit.objects.count(), Flag.objects.count()) == (0, 0)
    assert (ground_by_region(), ground_by_source()) == before


def test_an_indicator_finding_inside_the_officers_regions_counts_there(cast, city):
    from apps.fieldwork.selectors import ground_by_region

    finding = {"indicator": "environment.aqi", "verdict": "contradicted", "observed_value": 500}

    visit = record(cast["other_officer"], lon=118.03, findings=[finding])

    assert (visit.status, visit.region.code) == ("accepted", "E")
    assert {row["code"]: row["checks"] for row in ground_by_region()} == {"E": 1, "W": 0}
