"""The supervisor's review page: each flag in words in both languages (never raw evidence), a reused photo next
to the earlier one, the buttons named like the decisions, every field of the visit's findings."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from apps.accounts.roles import Role
from apps.accounts.services import staff_user_upsert
from apps.fieldwork.models import Flag, Visit
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import photo, record_visit, record_with_photos, t0, visit_data


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def page(client, language):
    return client.get("/field/review/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def flagged_with(officer, **fields):
    """A visit waiting for review with exactly the given flags ({code: evidence}) and no others."""
    visit = record_visit(officer=officer, data=visit_data(**fields)).visit
    visit.flags.all().delete()
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.REVIEW)
    return visit


EVERY_KIND = {
    "short_stay": {"minutes": 0.0, "minimum": 5},
    "outside_geofence": {"distance_m": 1250, "radius_m": 300, "accuracy_m": 15.0, "region": "E", "expected": "W1"},
    "impossible_travel": {
        "km": 42.0,
        "minutes": 10,
        "kmh": 252,
        "previous_visit": None,
        "note": "the officer's previous visit, outside your regions",
    },
    "clock_skew": {"device": "2026-01-01T00:00:00+00:00", "server": "2026-01-01T03:00:00+00:00", "minutes": -180},
    "notes_copied": {"earlier_visit": None, "similarity": 0.93, "note": "notes like those of another visit"},
    "photo_exif_mismatch": {"photo": "nokey", "distance_m": 2400},
    "a_check_added_later": {"score": 0.7},
}

EXPECTED = {
    "en": [
        "Stayed 0 min, less than 5 min",
        "Checked in 1.2 km from the target, outside its 300 m circle (position within 15 m); "
        "Checked in in East District; the assignment is in West 1 Subdistrict",
        "42 km from the officer&#x27;s previous visit in 10 min: about 252 km/h; "
        "the previous visit is outside your regions",
        "The phone&#x27;s clock was 3 hours behind the server&#x27;s",
        "The notes are 93% the same as the notes of a visit outside your regions",
        "Photo ? was taken 2.4 km from where the officer checked in",
        "Another concern",
        "The automatic checks found something to look at in this visit: read it before you decide.",
    ],
    "zh-hans": [
        "停留 0 分钟，少于 5 分钟",
        "签到点距目标 1.2 公里，超出 300 米 的范围（定位精度 15 米）；签到地点在东区，任务在西一街道",
        "距上一次走访 42 公里，只隔 10 分钟，约每小时 252 公里；上一次走访不在您的辖区内",
        "手机时钟比服务器慢 3 小时",
        "笔记与您辖区以外一次走访的笔记 93% 相同",
        "第 ? 张照片的拍摄地点距签到点 2.4 公里",
        "其他疑点",
        "系统检查发现此次走访有需要核实之处，请看过走访内容后再决定。",
    ],
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_kind_of_flag_reads_as_words(client, cast, language):
    # given: a visit with one flag of every kind the checks raise, and one of a kind added after this page
    visit = flagged_with(cast["officer"])
    for code, evidence in EVERY_KIND.items():
        Flag.objects.create(visit=visit, code=code, evidence=evidence)
    client.login(username="command", password=PASSWORD)

    # when
    html = page(client, language)

    # then: each in words; none of the stored evidence's keys
    for sentence in EXPECTED[language]:
        assert sentence in html
    text = re.sub(r"<[^>]+>", " ", html)  # what the page reads as (a data-flag attribute keeps the code)
    for raw in ("minutes=", "minimum=", "distance_m", "kmh=", "similarity", "a_check_added_later", "score"):
        assert raw not in text


def test_a_reused_photo_is_named_by_its_officer_and_age_and_shown_beside_the_earlier_one(client, cast, media):
    # given: Wang of the same district sent a photo three days before the officer sends it again
    wang = staff_user_upsert(username="王某", password=PASSWORD, roles=[Role.FIELD_OFFICER], region_codes=["W"])
    taken = photo(11)
    earlier = record_with_photos(wang, visit_data(start=t0() - timedelta(days=3)), [taken])
    again = record_with_photos(cast["officer"], visit_data(), [taken])
    client.login(username="command", password=PASSWORD)

    # when
    zh, en = page(client, "zh-hans"), page(client, "en")

    # then
    assert again.status == "review"
    assert "与 3 天前王某的照片几乎相同" in zh
    assert "Almost the same as a photo 王某 took 3 days earlier" in en
    shown = again.photos.get().key
    earlier_key = earlier.photos.get().key
    pair = zh.split('class="photo-pair"')[1].split("</div>")[0]
    assert (f"/field/photos/{shown}.jpg" in pair, f"/field/photos/{earlier_key}.jpg" in pair) == (True, True)
    assert "<figcaption>本次走访</figcaption>" in pair
    assert "<figcaption>3 天前，王某</figcaption>" in pair
    assert "earlier_visit" not in zh


def test_the_officers_own_earlier_photo_is_said_so(client, cast, media):
    taken = photo(12)
    record_with_photos(cast["officer"], visit_data(start=t0() - timedelta(hours=5)), [taken])
    record_with_photos(cast["officer"], visit_data(), [taken])
    client.login(username="command", password=PASSWORD)

    assert "与本人 5 小时前的照片几乎相同" in page(client, "zh-hans")


def test_a_reused_photo_from_another_district_is_not_shown(client, cast, media):
    # given: West's photo sent again by East's officer; East's supervisor reviews
    taken = photo(13)
    earlier = record_with_photos(cast["officer"], visit_data(), [taken])
    record_with_photos(cast["other_officer"], visit_data(lon=118.03, start=t0() + timedelta(hours=1)), [taken])
    east = staff_user_upsert(username="east-desk", password=PASSWORD, roles=[Role.COMMAND_CENTER], region_codes=["E"])
    client.force_login(east)

    html = page(client, "zh-hans")

    assert "与您辖区以外一次走访的照片几乎相同" in html
    assert earlier.photos.get().key not in html
    assert "officer" not in html.split('class="photo-pair"')[1].split("</div>")[0]


def test_the_buttons_are_named_like_the_decisions_the_page_describes(client, cast):
    flagged_with(cast["officer"], minutes=1)
    client.login(username="command", password=PASSWORD)

    html = page(client, "zh-hans")

    decision = html.split('class="review-decision"')[1].split("</form>")[0]
    assert ">通过</button>" in decision
    assert ">不予通过</button>" in decision
    assert "受理" not in decision


def test_every_field_of_the_visit_and_its_findings_is_shown(client, cast):
    flagged_with(
        cast["officer"],
        minutes=1,
        notes="路口积水约 20 厘米",
        follow_up="周五再来看排水",
        people=[{"kind": "residents", "count": 3}, {"kind": "shop_owners", "count": 1}],
        findings=[{"indicator": "env.pm25", "verdict": "partly", "observed_value": 58.5, "comment": "烟味来自烧烤摊"}],
    )
    client.login(username="command", password=PASSWORD)

    html = page(client, "zh-hans")

    finding = html.split('data-role="finding"')[1].split("</dl>")[0]
    for shown in ("部分属实", "58.5", "烟味来自烧烤摊", "env.pm25"):
        assert shown in finding, shown
    assert "周五再来看排水" in html.split('data-role="follow-up"')[1]
    assert "路口积水约 20 厘米" in html
    assert "居民 3 人" in html
    assert "商户 1 人" in html


@pytest.mark.parametrize(
    ("language", "heading", "sentence"),
    [
        ("en", "Implausibly short stay", "Stayed 0.3 min, less than 5 min."),
        ("zh-hans", "停留时间过短", "停留 0.3 分钟，少于 5 分钟。"),
    ],
)
def test_a_flag_is_a_heading_and_a_sentence_not_glued_together(client, cast, language, heading, sentence):
    visit = flagged_with(cast["officer"])
    Flag.objects.create(visit=visit, code="short_stay", evidence={"minutes": 0.3, "minimum": 5})
    client.login(username="command", password=PASSWORD)

    html = page(client, language)

    item = html.split('data-flag="short_stay"')[1].split("</li>")[0]
    assert f'<strong class="warn flag-label">{heading}</strong>' in item
    assert f'<span class="flag-text">{sentence}</span>' in item
    assert ": Stayed" not in html
    assert "：停留" not in html


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_kind_of_flag_is_a_capitalised_heading_and_a_full_sentence(client, cast, language):
    visit = flagged_with(cast["officer"])
    for code, evidence in EVERY_KIND.items():
        Flag.objects.create(visit=visit, code=code, evidence=evidence)
    client.login(username="command", password=PASSWORD)

    html = page(client, language)

    headings = re.findall(r'<strong class="warn flag-label">([^<]*)</strong>', html)
    sentences = re.findall(r'<span class="flag-text">([^<]*)</span>', html)
    assert len(headings) == len(sentences) >= len(EVERY_KIND)
    for heading, text in zip(headings, sentences, strict=True):
        assert heading[:1] == heading[:1].upper()
        assert text[:1] == text[:1].upper()
        assert text.endswith("." if language == "en" else "。"), text


HOSTILE = [
    ("short_stay", ["not", "a", "dict"]),  # evidence of another shape
    ("notes_copied", {"earlier_visit": {"a": 1}, "similarity": 0.9}),  # a visit "named" by no UUID
    ("clock_skew", {"device": "x", "server": "y", "minutes": "-1e400"}),  # beyond any float
    ("notes_copied", {"earlier_visit": None, "similarity": "1e400"}),
    ("short_stay", {"minutes": "nan", "minimum": 5}),
    ("outside_geofence", {"distance_m": 1e300, "radius_m": 300, "accuracy_m": 15}),
    ("photo_exif_mismatch", {"photo": "<script>alert(1)</script>", "distance_m": 2400}),
]


@pytest.mark.parametrize(("code", "evidence"), HOSTILE)
def test_evidence_of_any_shape_reads_as_the_general_sentence_never_a_failed_page(client, cast, code, evidence):
    # given a visit whose stored flag evidence is nothing a check writes
    visit = flagged_with(cast["officer"])
    Flag.objects.create(visit=visit, code=code, evidence=evidence)
    client.login(username="command", password=PASSWORD)

    # when
    response = client.get("/field/review/", HTTP_ACCEPT_LANGUAGE="en")

    # then the page stands, escaped, with human words (no "nan", no 300-digit distance)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert " nan " not in html
    assert "0" * 30 not in html


def test_phone_numbers_in_a_visits_notes_are_masked_for_the_reviewer(client, cast):
    # given notes and a follow-up that name a resident's phone (the contact field is masked too)
    flagged_with(cast["officer"], notes="居民赵六 13600136000 反映积水", follow_up="回电 13700137000")
    client.login(username="command", password=PASSWORD)

    # when
    html = page(client, "zh-hans")

    # then the numbers are masked like every other free text of a staff page
    assert "13600136000" not in html
    assert "13700137000" not in html
    assert "居民赵六" in html
