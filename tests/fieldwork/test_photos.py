"""Visit photos on their own uploads: declared by the visit, sent one by one (multipart, by visit UUID and
index), idempotent, checked against the declared SHA-256, at most 20 MB; the visit waits until all arrived;
EXIF and the perceptual hash come from the original; no file without its row."""

import hashlib
import io
import json
import os
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from apps.fieldwork.models import Assignment, Flag, Visit, VisitPhoto
from apps.fieldwork.photos import visit_photo_files_sweep, visit_photo_receive
from apps.indicators.alerting import alert_transition
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import declared, photo, record_visit, t0, visit_data

URL = "/api/v1/fieldwork/visits/{uuid}/photos/{index}"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def files_in(media):
    folder = media / "visits"
    return sorted(os.listdir(folder)) if folder.exists() else []


def put(client, uuid, index, content, name="p.jpg", **headers):
    """The field app's upload: a multipart body with the photo's bytes as `file`, by PUT."""
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile(name, content, content_type="image/jpeg")})
    return client.put(
        URL.format(uuid=uuid, index=index),
        data=body,
        content_type=MULTIPART_CONTENT,
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )


def declare_visit(client, *contents, **fields):
    data = visit_data(photos=declared(*contents), **fields)
    response = client.post("/api/v1/fieldwork/visits", data=json.dumps(data), content_type="application/json")
    assert response.status_code == 201, response.content
    return data["uuid"]


def test_a_photo_sent_twice_is_stored_once(client, cast, city, media):
    # given: a visit declaring one photo
    client.login(username="officer", password=PASSWORD)
    content = photo(1)
    uuid = declare_visit(client, content)

    # when: the photo goes up, and again (the first answer was lost)
    first = put(client, uuid, 0, content)
    again = put(client, uuid, 0, content)

    # then
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["sha256"] == again.json()["sha256"] == hashlib.sha256(content).hexdigest()
    assert again.json()["visit"]["status"] == "accepted"
    assert len(files_in(media)) == 1
    stored = VisitPhoto.objects.get()
    assert (stored.size, stored.received_at is not None) == (len(content), True)


def test_a_visit_waits_for_its_photos_and_its_findings_count_when_complete(cast, alert_in_w1, media):
    # given: an alert sent for verification; a visit that contradicts it, with two photos
    alert_transition(alert=alert_in_w1, action="request_verification", user=cast["command"])
    assignment = Assignment.objects.get(alert=alert_in_w1)
    first, second = photo(1), photo(2)
    data = visit_data(
        assignment=assignment.pk,
        photos=declared(first, second),
        findings=[{"alert": alert_in_w1.pk, "verdict": "contradicted"}],
    )

    # when / then: the visit waits, its finding not yet passed on
    visit = record_visit(officer=cast["officer"], data=data).visit
    assert visit.status == "waiting"
    visit_photo_receive(officer=cast["officer"], photo=visit.photos.get(index=1), content=second)
    visit.refresh_from_db()
    alert_in_w1.refresh_from_db()
    assert (visit.status, alert_in_w1.status, assignment.status) == ("waiting", "verification_requested", "open")

    # when: the last photo arrives
    visit_photo_receive(officer=cast["officer"], photo=visit.photos.get(index=0), content=first)

    # then: complete, accepted, the verdict passed on
    visit.refresh_from_db()
    alert_in_w1.refresh_from_db()
    assignment.refresh_from_db()
    assert (visit.status, alert_in_w1.status, assignment.status) == ("accepted", "contradicted", "done")


def test_a_visit_without_photos_is_complete_at_once(cast, city):
    visit = record_visit(officer=cast["officer"], data=visit_data()).visit

    assert visit.status == "accepted"


def test_the_photo_checks_read_the_original_though_the_stored_copy_has_no_exif(cast, city, media):
    # given: a photo taken 20 km away (its EXIF GPS), during the visit (its EXIF time)
    taken = timezone.localtime(t0() + timedelta(minutes=5)).strftime("%Y:%m:%d %H:%M:%S")
    far = photo(3, exif_time=taken, gps=(118.2, 32.2))
    visit = record_visit(officer=cast["officer"], data=visit_data(photos=declared(far))).visit
    assert not visit.flags.exists()  # the photo checks wait for the photo

    # when
    visit_photo_receive(officer=cast["officer"], photo=visit.photos.get(), content=far)

    # then: flagged for the place, from the original's EXIF; the stored copy says nothing
    visit.refresh_from_db()
    stored = visit.photos.get()
    [flag] = visit.flags.all()
    assert (flag.code, visit.status) == ("photo_exif_mismatch", "review")
    assert flag.evidence["distance_m"] > 20_000
    with stored.image.open("rb") as file, Image.open(file) as image:  # Pillow leaves a file it was given open
        assert not image.getexif()
    assert (stored.exif_lon, stored.exif_lat) == (pytest.approx(118.2), pytest.approx(32.2))
    assert stored.sha256 == hashlib.sha256(far).hexdigest()
    assert stored.size == len(far)


def test_a_reused_photo_is_recognised_from_its_original(cast, city, media):
    taken = photo(7)
    earlier = record_visit(officer=cast["other_officer"], data=visit_data(lon=118.03, photos=declared(taken))).visit
    visit_photo_receive(officer=cast["other_officer"], photo=earlier.photos.get(), content=taken)

    again = record_visit(
        officer=cast["officer"], data=visit_data(start=t0() + timedelta(hours=1), photos=declared(taken))
    ).visit
    visit_photo_receive(officer=cast["officer"], photo=again.photos.get(), content=taken)

    again.refresh_from_db()
    assert [f.code for f in again.flags.all()] == ["photo_reused"]


def test_bytes_other_than_declared_are_refused_and_nothing_is_stored(client, cast, city, media):
    client.login(username="officer", password=PASSWORD)
    uuid = declare_visit(client, photo(1))

    response = put(client, uuid, 0, photo(2))

    assert response.status_code == 400
    assert "declared" in response.json()["errors"]["file"][0]
    assert files_in(media) == []
    assert VisitPhoto.objects.get().received_at is None
    assert Visit.objects.get().status == "waiting"


def test_bytes_that_are_no_photo_are_refused_with_a_field_message(client, cast, city, media):
    client.login(username="officer", password=PASSWORD)
    content = b"%PDF-1.4 not a photo"
    uuid = declare_visit(client, content)

    response = put(client, uuid, 0, content)

    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["p0.jpg is not a JPEG, PNG or WebP photo"]
    assert files_in(media) == []


def test_a_photo_over_20_mb_is_a_413_naming_the_limit(client, cast, city, media):
    client.login(username="officer", password=PASSWORD)
    content = b"\xff\xd8" + bytes(20 * 1024 * 1024 - 1)  # one byte over
    uuid = declare_visit(client, content)

    response = put(client, uuid, 0, content)
    announced = put(client, uuid, 0, b"", CONTENT_LENGTH="30000000")  # refused before the body is read

    assert (response.status_code, announced.status_code) == (413, 413)
    assert response["Content-Type"] == "application/json"
    assert (
        response.json()
        == announced.json()
        == {
            "detail": "a photo is at most 20 MB",
            "errors": {"file": ["a photo is at most 20 MB"]},
            "limit_bytes": 20 * 1024 * 1024,
        }
    )
    assert files_in(media) == []
    assert VisitPhoto.objects.get().received_at is None


def test_a_camera_clock_at_year_1_is_a_400_and_leaves_no_file(client, cast, city, media):
    client.login(username="officer", password=PASSWORD)
    content = photo(4, exif_time="0001:01:01 00:00:00")
    uuid = declare_visit(client, content)

    response = put(client, uuid, 0, content)

    assert response.status_code == 400
    assert "0001:01:01 00:00:00" in response.json()["errors"]["file"][0]
    assert files_in(media) == []
    assert VisitPhoto.objects.get().received_at is None


def test_a_file_is_erased_when_its_transaction_rolls_back(cast, city, media, monkeypatch):
    # given: storing the last photo fails after its file was written (writing the photo's row breaks)
    content = photo(5)
    visit = record_visit(officer=cast["officer"], data=visit_data(photos=declared(content))).visit

    def broken(self, *args, **kwargs):
        assert len(files_in(media)) == 1  # the file is written inside the transaction
        raise RuntimeError("the database went away")

    monkeypatch.setattr(VisitPhoto, "save", broken)

    # when
    with pytest.raises(RuntimeError):
        visit_photo_receive(officer=cast["officer"], photo=visit.photos.get(), content=content)

    # then: no file, no received photo
    assert files_in(media) == []
    assert VisitPhoto.objects.get().received_at is None


@pytest.mark.parametrize(
    ("who", "where", "code"),
    [
        ("other_officer", "visit", 404),  # another officer's visit (another district)
        ("officer", "unknown", 404),  # no such visit
        ("officer", "not-a-uuid", 404),
        ("officer", "index", 404),  # an index the visit did not declare
        ("staff", "visit", 403),  # not a field officer
        (None, "visit", 403),  # not signed in
    ],
)
def test_uploads_to_what_is_not_yours_or_not_declared(client, cast, city, media, who, where, code):
    client.login(username="officer", password=PASSWORD)
    content = photo(6)
    uuid = declare_visit(client, content)
    client.logout()
    if who:
        client.force_login(cast[who])
    target = {"visit": uuid, "unknown": "6f1c1b1e-8c1a-4c53-9a39-1f1f6c3e2d10", "not-a-uuid": "x"}.get(where, uuid)

    response = put(client, target, 1 if where == "index" else 0, content)

    assert response.status_code == code
    assert files_in(media) == []
    assert VisitPhoto.objects.get().received_at is None


def test_a_refused_photo_is_withdrawn_and_the_visit_completes(client, cast, city, media):
    # given: two photos declared, the first received, the second refused on the phone
    client.login(username="officer", password=PASSWORD)
    kept, lost = photo(1), photo(2)
    uuid = declare_visit(client, kept, lost)
    put(client, uuid, 0, kept)

    # when
    received = client.delete(URL.format(uuid=uuid, index=0))
    withdrawn = client.delete(URL.format(uuid=uuid, index=1))
    again = client.delete(URL.format(uuid=uuid, index=1))

    # then
    assert received.status_code == 400  # a received photo stays
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "accepted"
    assert [p["index"] for p in withdrawn.json()["photos"]] == [0]
    assert again.status_code == 404
    assert Flag.objects.count() == 0


def test_the_visit_answer_lists_its_photos_and_what_arrived(client, cast, city, media):
    client.login(username="officer", password=PASSWORD)
    first, second = photo(1), photo(2)
    data = visit_data(photos=declared(first, second))
    client.post("/api/v1/fieldwork/visits", data=json.dumps(data), content_type="application/json")
    put(client, data["uuid"], 1, second)

    again = client.post("/api/v1/fieldwork/visits", data=json.dumps(data), content_type="application/json").json()

    assert again["status"] == "waiting"
    assert [(p["index"], p["received_at"] is not None) for p in again["photos"]] == [(0, False), (1, True)]


def test_the_review_page_says_which_visits_wait_for_photos(client, cast, city):
    record_visit(officer=cast["officer"], data=visit_data(photos=declared(photo(1), photo(2))))
    client.login(username="command", password=PASSWORD)

    page = client.get("/field/review/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Waiting for their photos" in page
    assert "0 of 2 photos arrived" in page


def test_orphaned_photo_files_are_swept_and_others_kept(cast, city, media):
    # given: a stored photo, an old file no photo refers to, and a file an upload is writing right now
    content = photo(1)
    visit = record_visit(officer=cast["officer"], data=visit_data(photos=declared(content))).visit
    visit_photo_receive(officer=cast["officer"], photo=visit.photos.get(), content=content)
    (media / "visits" / "orphan.jpg").write_bytes(b"old")
    (media / "visits" / "young.jpg").write_bytes(b"new")
    now = timezone.now().timestamp()
    os.utime(media / "visits" / "orphan.jpg", (now - 7200, now - 7200))
    os.utime(media / "visits" / "young.jpg", (now - 60, now - 60))

    # when
    erased = visit_photo_files_sweep(timezone.now())

    # then
    assert erased == 1
    assert files_in(media) == sorted([visit.photos.get().image.name.split("/")[1], "young.jpg"])


def test_a_rotated_phone_photo_hashes_as_it_is_seen(cast, city, media):
    # given: the same scene, once stored upright and once sideways with an orientation tag saying so
    upright = Image.open(io.BytesIO(photo(8))).convert("RGB")
    sideways = upright.rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # turn 90° clockwise to view
    out = io.BytesIO()
    sideways.save(out, format="JPEG", exif=exif, quality=95)
    first = record_visit(officer=cast["officer"], data=visit_data(photos=declared(photo(8)))).visit
    visit_photo_receive(officer=cast["officer"], photo=first.photos.get(), content=photo(8))
    second = record_visit(
        officer=cast["officer"], data=visit_data(start=t0() + timedelta(hours=1), photos=declared(out.getvalue()))
    ).visit

    # when
    visit_photo_receive(officer=cast["officer"], photo=second.photos.get(), content=out.getvalue())

    # then
    second.refresh_from_db()
    assert [f.code for f in second.flags.all()] == ["photo_reused"]


def test_a_reused_photo_names_another_districts_visit_to_nobody_without_that_district(client, cast, city, media):
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert

    # given: West District's visit with a photo; East District's officer sends the same photo
    taken = photo(7)
    earlier = record_visit(officer=cast["officer"], data=visit_data(photos=declared(taken))).visit
    visit_photo_receive(officer=cast["officer"], photo=earlier.photos.get(), content=taken)
    client.login(username="other", password=PASSWORD)
    uuid = declare_visit(client, taken, lon=118.03, start=t0() + timedelta(hours=1))

    # when: the officer's answer, East's supervisor's review page and API, and a city-wide supervisor's page
    answer = put(client, uuid, 0, taken).json()["visit"]
    client.force_login(cast["command"])
    city_page = client.get("/field/review/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    east = staff_user_upsert(username="east-desk", password=PASSWORD, roles=[Role.COMMAND_CENTER], region_codes=["E"])
    client.force_login(east)
    east_page = client.get("/field/review/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    review = f"/api/v1/fieldwork/visits/{uuid}/review"
    east_api = client.post(review, {"decision": "accept"}, HTTP_ACCEPT_LANGUAGE="en").json()

    # then: the flag is stored with the earlier visit, shown without it outside West District
    [flag] = Flag.objects.filter(visit__uuid=uuid)
    assert (flag.code, flag.evidence["earlier_visit"]) == ("photo_reused", str(earlier.uuid))
    for shown in (answer["flags"][0]["evidence"], east_api["flags"][0]["evidence"]):
        assert (shown["earlier_visit"], shown["note"]) == (None, "a photo already used in another visit")
    assert str(earlier.uuid) not in east_page
    assert "Almost the same as a photo of a visit outside your regions" in east_page
    assert "Almost the same as a photo officer took 60 min earlier" in city_page  # named, beside the earlier photo
    assert f"/field/photos/{earlier.photos.get().key}.jpg" in city_page


def test_a_flag_naming_the_officers_own_earlier_visit_keeps_it(client, cast, city, media):
    taken = photo(9)
    earlier = record_visit(officer=cast["officer"], data=visit_data(photos=declared(taken))).visit
    visit_photo_receive(officer=cast["officer"], photo=earlier.photos.get(), content=taken)
    client.login(username="officer", password=PASSWORD)
    uuid = declare_visit(client, taken, start=t0() + timedelta(hours=1))

    answer = put(client, uuid, 0, taken).json()["visit"]

    assert answer["flags"] == [{"code": "photo_reused", "evidence": Flag.objects.get(visit__uuid=uuid).evidence}]
    assert answer["flags"][0]["evidence"]["earlier_visit"] == str(earlier.uuid)


def test_the_admin_shows_a_flag_through_the_viewers_scope(client, cast, city, media):
    from django.contrib.auth.models import Permission

    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert

    # given: East District's visit reusing West District's photo; an East-scoped user of the admin
    taken = photo(7)
    earlier = record_visit(officer=cast["officer"], data=visit_data(photos=declared(taken))).visit
    visit_photo_receive(officer=cast["officer"], photo=earlier.photos.get(), content=taken)
    again = record_visit(officer=cast["other_officer"], data=visit_data(lon=118.03, photos=declared(taken))).visit
    visit_photo_receive(officer=cast["other_officer"], photo=again.photos.get(), content=taken)
    east = staff_user_upsert(username="east-desk", password=PASSWORD, roles=[Role.COMMAND_CENTER], region_codes=["E"])
    east.is_staff = True
    east.save(update_fields=["is_staff"])
    east.user_permissions.add(Permission.objects.get(codename="view_flag"))
    client.force_login(east)

    # when
    page = client.get(f"/admin/fieldwork/visit/{again.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert page.status_code == 200
    assert "a photo already used in another visit" in page.content.decode()
    assert str(earlier.uuid) not in page.content.decode()
