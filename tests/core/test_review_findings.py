"""What an attack on issue 21's typed input found, held: invisible text is no text, a visit's lists are bounded,
a camera's two-picture JPEG (MPO) is a photo, and the ingest endpoints read media types and the Bearer scheme in
any case."""

import io
import json

import pytest
from PIL import Image

from apps.core.photos import Photo, photo_clean, photo_read
from apps.core.text import clean_text
from apps.fieldwork.models import Visit
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import record_visit, visit_data

INVISIBLE = "\u200b\u2060\ufeff\u202e\u00ad"  # zero-width space and joiner-less joins, BOM, RTL override, soft hyphen


def test_clean_text_drops_invisible_format_characters_but_keeps_emoji_joined():
    assert clean_text(f"路灯{INVISIBLE}坏了") == "路灯坏了"
    assert clean_text(INVISIBLE + " \u200d ") == ""
    assert clean_text("一家人👨\u200d👩\u200d👧") == "一家人👨\u200d👩\u200d👧"
    assert clean_text("look\u0007 at\u001b[31m this") == "look at[31m this"


def test_a_purpose_of_invisible_characters_reads_no_contact(client, cast, submit):
    report = submit()
    client.login(username="staff", password=PASSWORD)

    answer = client.post(f"/api/v1/grievances/{report.tracking_code}/contact", {"purpose": "\u200b"},
                         content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip

    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == {"purpose"}
    assert "13912345678" not in answer.content.decode()


def test_a_rejection_needs_a_visible_reason_of_at_most_500_characters(client, cast, city):
    visit = record_visit(officer=cast["officer"], data=visit_data(minutes=1)).visit  # short: held for review
    client.login(username="command", password=PASSWORD)
    review = f"/api/v1/fieldwork/visits/{visit.uuid}/review"

    def reject(reason):
        return client.post(review, json.dumps({"decision": "reject", "reason": reason}),
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip

    invisible, too_long = reject("\u200b\u0007 "), reject("x" * 501)

    assert (invisible.status_code, too_long.status_code) == (400, 400)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.REVIEW


@pytest.mark.parametrize(
    ("field", "rows", "message"),
    [
        ("findings", [{"indicator": "environment.aqi", "verdict": "confirmed"}] * 51, "at most 50 findings"),
        ("people", [{"kind": "residents", "count": 1}] * 21, "at most 20 rows"),
    ],
)
def test_a_visit_holds_at_most_so_many_findings_and_rows_of_people(client, cast, city, field, rows, message):
    client.login(username="officer", password=PASSWORD)

    answer = client.post("/api/v1/fieldwork/visits", json.dumps({**visit_data(), field: rows}),
                         content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip

    assert answer.status_code == 400
    assert answer.json()["errors"][field] == [message]
    assert not Visit.objects.exists()


def test_notes_copied_with_zero_width_characters_between_are_still_copied(cast, city):
    from datetime import timedelta

    from tests.fieldwork.conftest import t0

    notes = "路灯损坏三处，已拍照记录，居民反映夜间出行不便，建议尽快维修"
    record_visit(officer=cast["other_officer"], data=visit_data(lon=118.03, notes=notes))

    copied = record_visit(
        officer=cast["officer"], data=visit_data(start=t0() + timedelta(hours=1), notes="\u200b".join(notes))
    ).visit

    assert "notes_copied" in {flag.code for flag in copied.flags.all()}
    assert copied.notes == notes


def test_a_two_picture_jpeg_from_a_phone_camera_is_a_photo():
    first, second = Image.new("RGB", (640, 480), (200, 30, 30)), Image.new("RGB", (640, 480), (30, 30, 200))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second])
    photo = Photo("ultra-hdr.jpg", out.getvalue())

    content, width, height = photo_clean(photo)

    assert (width, height) == (640, 480)
    assert Image.open(io.BytesIO(content)).format == "JPEG"
    assert Image.open(io.BytesIO(content)).getpixel((10, 10))[0] > 150  # the first picture, red
    assert photo_read(photo).sha256


def test_ingest_reads_the_media_type_and_the_bearer_scheme_in_any_case(client, stations):
    from django.utils import timezone

    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    body = f"station,observed_at,pm25\nA1,{hour.isoformat()},35\n"

    answer = client.post("/api/v1/environment/readings", body, content_type="TEXT/CSV; charset=UTF-8",
                         HTTP_AUTHORIZATION=f"bearer {stations['token']}")  # fmt: skip

    assert answer.status_code == 201, answer.content
    assert answer.json() == {"accepted": 1, "duplicates": 0}
