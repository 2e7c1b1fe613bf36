"""Producing, checking and publishing open-data releases. The k-anonymity and personal-data checks read the
published files only, with pandas and plain string search: they do not use the app's own code."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from shapely.geometry import shape

from apps.core.errors import ApplicationError
from apps.core.models import AuditLog
from apps.opendata.models import Release
from apps.opendata.services import release_approve, release_produce, release_withdraw
from tests.clock import local
from tests.conftest import PASSWORD
from tests.opendata.conftest import yesterday

REPORTS_QI = ["date", "category", "area_code"]


def approved(code: str, steward, **kwargs) -> Release:
    return release_approve(release=release_produce(dataset_code=code, first_day=yesterday(), **kwargs), user=steward)


def public_files(client, release: Release) -> dict[str, str]:
    bodies = {}
    for fmt in ("csv", "json", "geojson"):
        page = client.get(f"/open-data/{release.dataset}/{release.pk}.{fmt}")
        api = client.get(f"/api/v1/open-data/releases/{release.pk}/files/{fmt}")
        assert (page.status_code, api.status_code) == (200, 200)
        assert page.content == api.content
        bodies[fmt] = page.content.decode("utf-8-sig")
    return bodies


def test_a_released_dataset_passes_an_independent_k_anonymity_check(client, cast, reports):
    release = approved("citizen-reports", cast["steward"])

    table = pd.read_csv(io.StringIO(public_files(client, release)["csv"]), dtype={"area_code": str})
    groups = table.groupby(REPORTS_QI)["reports"].sum()

    assert len(groups) == len(table) == 2
    assert (groups >= 5).all()
    assert groups.to_dict() == {
        (yesterday().isoformat(), "pothole", "E"): 5,
        (yesterday().isoformat(), "pothole", "W1"): 6,
    }
    assert table.set_index("area_code")["area_kind"].to_dict() == {"E": "district", "W1": "street"}


def test_small_cells_are_suppressed_and_counted_with_the_risk(cast, reports):
    release = release_produce(dataset_code="citizen-reports", first_day=yesterday())

    assert release.status == "draft"
    assert (release.k, release.total_records, release.released_records) == (5, 15, 11)
    assert (release.suppressed_records, release.suppressed_cells, release.generalised_records) == (4, 2, 5)
    assert release.rows == 2
    assert release.max_risk == pytest.approx(1 / 5)
    assert release.mean_risk == pytest.approx(2 / 11)


def test_k_is_configurable(cast, reports, settings):
    settings.CITYOPS_OPEN_DATA_K = 2

    release = release_produce(dataset_code="citizen-reports", first_day=yesterday())
    table = pd.read_csv(io.StringIO(release.csv_body))

    assert release.k == 2
    assert sorted(zip(table["area_code"], table["reports"], strict=True)) == [
        ("W1", 6), ("W2", 3), ("grid-118.02-32.00", 3), ("grid-118.03-32.01", 2),
    ]  # fmt: skip
    assert (release.suppressed_records, release.suppressed_cells) == (1, 1)  # the one leak


def test_personal_data_appears_in_no_file_and_no_page(client, cast, reports, report):
    secret = report("pothole", 118.00537, 32.01234, reporter_name="欧阳娜娜", reporter_phone="13800138123",
                    reporter_email="nana.ouyang@example.cn", description="我家门口 幸福里7号 有坑",
                    address="幸福里7号")  # fmt: skip
    release = approved("citizen-reports", cast["steward"])
    bodies = public_files(client, release)
    pages = [client.get(url).content.decode() for url in ("/open-data/", "/open-data/citizen-reports/")]
    api = client.get("/api/v1/open-data/datasets").content.decode()

    assert release.released_records == 12  # the secret report is released, counted in W1
    for text in [*bodies.values(), *pages, api]:
        for personal in ("欧阳娜娜", "13800138123", "nana.ouyang", "幸福里", "有坑", secret.tracking_code,
                         secret.token, "118.00537", "32.01234", "张三丰", "13912345678", "路面有个大坑"):  # fmt: skip
            assert personal not in text


def test_drafts_are_not_public_until_a_steward_approves(client, cast, reports):
    release = release_produce(dataset_code="citizen-reports", first_day=yesterday())
    before = [
        client.get(f"/open-data/citizen-reports/{release.pk}.csv").status_code,
        client.get(f"/api/v1/open-data/releases/{release.pk}").status_code,
        client.get(f"/api/v1/open-data/releases/{release.pk}/files/csv").status_code,
        client.get("/api/v1/open-data/datasets/citizen-reports/releases").json()["count"],
        client.get("/api/v1/open-data/datasets/citizen-reports").json()["latest_release"],
    ]
    client.login(username="steward", password=PASSWORD)
    page = client.get(f"/open-data/releases/{release.pk}/")
    decided = client.post(f"/open-data/releases/{release.pk}/", {"action": "approve"})
    client.logout()

    assert before == [404, 404, 404, 0, None]
    assert page.status_code == 200
    assert b"W1" in page.content  # the preview
    assert decided.status_code == 302
    assert client.get(f"/open-data/citizen-reports/{release.pk}.csv").status_code == 200
    assert client.get("/api/v1/open-data/datasets/citizen-reports").json()["latest_release"]["id"] == release.pk
    entry = AuditLog.objects.get(action="opendata.release.approve")
    assert (entry.actor, entry.target_id, entry.data["k"]) == (cast["steward"], str(release.pk), 5)


@pytest.mark.parametrize("who", ["command", "officer", "staff"])
def test_only_stewards_approve(client, cast, reports, who):
    release = release_produce(dataset_code="citizen-reports", first_day=yesterday())
    client.login(username=who, password=PASSWORD)

    refused = [
        client.post(f"/open-data/releases/{release.pk}/", {"action": "approve"}).status_code,
        client.get("/open-data/releases/").status_code,
        client.get(f"/open-data/releases/{release.pk}.csv").status_code,
    ]

    assert refused == [403, 403, 403]
    release.refresh_from_db()
    assert release.status == "draft"
    assert not AuditLog.objects.filter(action="opendata.release.approve").exists()


def test_visitors_are_sent_to_sign_in_for_the_stewards_pages(client, cast, reports):
    release = release_produce(dataset_code="citizen-reports", first_day=yesterday())

    response = client.post(f"/open-data/releases/{release.pk}/", {"action": "approve"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Release.objects.get().status == "draft"


def test_the_geojson_is_a_valid_feature_collection(client, cast, reports):
    release = approved("citizen-reports", cast["steward"])

    collection = json.loads(public_files(client, release)["geojson"])

    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 2
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert shape(feature["geometry"]).is_valid
        assert feature["properties"]["reports"] >= 5
    by_area = {f["properties"]["area_code"]: shape(f["geometry"]).bounds for f in collection["features"]}
    assert by_area["W1"] == pytest.approx((118.00, 32.00, 118.01, 32.02), abs=1e-3)
    assert by_area["E"] == pytest.approx((118.02, 32.00, 118.04, 32.02), abs=1e-3)


def test_the_json_carries_license_dictionary_and_k(client, cast, reports):
    release = approved("citizen-reports", cast["steward"])

    body = json.loads(public_files(client, release)["json"])

    assert body["license"]["id"] == "CC-BY-4.0"
    assert body["k"] == 5
    assert body["quasi_identifiers"] == REPORTS_QI
    assert [c["name"] for c in body["dictionary"]] == list(body["records"][0])
    assert (body["first_day"], body["last_day"], body["suppressed_records"]) == (yesterday().isoformat(),) * 2 + (4,)


def test_bad_input_is_a_404_or_400_never_a_500(client, cast, reports):
    release = approved("citizen-reports", cast["steward"])

    statuses = {
        "/open-data/nope/": client.get("/open-data/nope/").status_code,
        "/open-data/citizen-reports/1.xml": client.get(f"/open-data/citizen-reports/{release.pk}.xml").status_code,
        "other dataset": client.get(f"/open-data/field-findings/{release.pk}.csv").status_code,
        "/api/v1/open-data/datasets/nope": client.get("/api/v1/open-data/datasets/nope").status_code,
        "api releases of nope": client.get("/api/v1/open-data/datasets/nope/releases").status_code,
        "api bad format": client.get(f"/api/v1/open-data/releases/{release.pk}/files/xml").status_code,
        "api unknown release": client.get("/api/v1/open-data/releases/999999").status_code,
        "api bad id": client.get("/api/v1/open-data/releases/abc").status_code,
        "api page": client.get("/api/v1/open-data/datasets/citizen-reports/releases?page=x").status_code,
    }

    assert statuses == {
        "/open-data/nope/": 404, "/open-data/citizen-reports/1.xml": 404, "other dataset": 404,
        "/api/v1/open-data/datasets/nope": 404, "api releases of nope": 404, "api bad format": 400,
        "api unknown release": 404, "api bad id": 404, "api page": 404,
    }  # fmt: skip


def test_the_steward_form_refuses_bad_periods_with_a_message(client, cast, reports):
    client.login(username="steward", password=PASSWORD)
    future = client.post("/open-data/releases/", {"dataset": "citizen-reports", "first_day": "2999-01-01",
                                                   "days": 1, "k": 5})  # fmt: skip
    low_k = client.post("/open-data/releases/", {"dataset": "citizen-reports", "first_day": yesterday(), "days": 1,
                                                  "k": 1})  # fmt: skip
    made = client.post("/open-data/releases/", {"dataset": "citizen-reports", "first_day": yesterday(), "days": 1,
                                                 "k": 7})  # fmt: skip

    assert (future.status_code, low_k.status_code) == (400, 400)
    assert b"form-errors" in future.content
    assert made.status_code == 302
    assert Release.objects.get().k == 7


@pytest.mark.parametrize(("first_day", "message"), [("9999-12-31", "not over yet"), ("0001-01-01", "1970 or later")])
def test_the_steward_form_refuses_a_day_at_the_ends_of_the_calendar(client, cast, first_day, message):
    client.force_login(cast["steward"])

    response = client.post("/open-data/releases/", {"dataset": "citizen-reports", "first_day": first_day, "days": 1,
                                                    "k": 5}, headers={"accept-language": "en"})  # fmt: skip

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Release.objects.exists()


def test_producing_again_is_idempotent_and_overlaps_are_refused(cast, reports):
    first = approved("citizen-reports", cast["steward"])

    again = release_produce(dataset_code="citizen-reports", first_day=yesterday())
    with pytest.raises(ApplicationError, match="overlaps"):
        release_produce(dataset_code="citizen-reports", first_day=yesterday() - timedelta(days=1), days=2)
    with pytest.raises(ApplicationError, match="not over"):
        release_produce(dataset_code="citizen-reports", first_day=timezone.localdate())

    assert again.pk == first.pk
    assert again.status == "approved"
    assert Release.objects.count() == 1


def test_approval_checks_the_file_itself(cast, reports):
    release = release_produce(dataset_code="citizen-reports", first_day=yesterday())
    tampered = release.csv_body + f"{yesterday()},leak,x,x,street,W1,a,b,1,0\n"
    Release.objects.filter(pk=release.pk).update(csv_body=tampered)

    with pytest.raises(ApplicationError, match="fewer than k"):
        release_approve(release=release, user=cast["steward"])

    assert Release.objects.get().status == "draft"


def test_withdrawing_takes_a_release_off_and_needs_a_reason(client, cast, reports):
    release = approved("citizen-reports", cast["steward"])

    with pytest.raises(ApplicationError):
        release_withdraw(release=release, user=cast["steward"], reason="  ")
    release_withdraw(release=release, user=cast["steward"], reason="a street was renamed")

    assert client.get(f"/open-data/citizen-reports/{release.pk}.csv").status_code == 404
    assert client.get(f"/api/v1/open-data/releases/{release.pk}").status_code == 404
    assert AuditLog.objects.get(action="opendata.release.withdraw").data == {"reason": "a street was renamed"}
    # the period may be drafted again once the release is withdrawn
    assert release_produce(dataset_code="citizen-reports", first_day=yesterday()).pk != release.pk


def test_the_command_drafts_and_refuses_an_unknown_dataset_in_one_line(cast, reports):
    out = io.StringIO()
    call_command("opendata_release", "citizen-reports", stdout=out)
    with pytest.raises(CommandError) as refused:
        call_command("opendata_release", "passwords")

    assert "citizen-reports: release" in out.getvalue()
    assert "4 of 15 records suppressed" in out.getvalue()
    assert "\n" not in str(refused.value)
    assert "Unknown dataset" in str(refused.value)
    assert Release.objects.count() == 1


def test_the_daily_task_drafts_yesterday_once(cast, reports):
    from apps.opendata.tasks import releases_produce_daily_task

    releases_produce_daily_task.apply()  # in this process, whatever the broker
    releases_produce_daily_task.apply()  # in this process, whatever the broker

    assert sorted(Release.objects.values_list("dataset", "status")) == [
        ("citizen-reports", "draft"), ("district-indicators", "draft"), ("field-findings", "draft"),
    ]  # fmt: skip


def test_the_public_pages_and_the_openapi_schema(client, cast, reports):
    approved("citizen-reports", cast["steward"])

    index = client.get("/open-data/", HTTP_ACCEPT_LANGUAGE="en")
    dataset = client.get("/open-data/citizen-reports/", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(cast["steward"])  # the schema is for signed-in staff
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert index.status_code == dataset.status_code == 200
    assert b"CC BY 4.0" in index.content
    assert b"Creative Commons Attribution 4.0" in dataset.content
    assert b"area_code" in dataset.content  # the data dictionary
    paths = schema.json()["paths"]
    assert {"/api/v1/open-data/datasets", "/api/v1/open-data/datasets/{code}",
            "/api/v1/open-data/releases/{id}/files/{fmt}"} <= set(paths)  # fmt: skip


def test_the_api_serves_files_whatever_the_client_accepts(client, cast, reports):
    release = approved("citizen-reports", cast["steward"])

    geojson = client.get(f"/api/v1/open-data/releases/{release.pk}/files/geojson", HTTP_ACCEPT="application/geo+json")
    csv = client.get(f"/api/v1/open-data/releases/{release.pk}/files/csv", HTTP_ACCEPT="text/csv")

    assert (geojson.status_code, geojson["Content-Type"]) == (200, "application/geo+json")
    assert (csv.status_code, csv["Content-Type"]) == (200, "text/csv; charset=utf-8")


@pytest.mark.clock("2027-01-01T00:00:30+08:00")
def test_the_daily_task_just_after_new_year_drafts_the_years_last_day_to_its_last_second(cast, submit):
    from apps.grievances.models import Grievance
    from apps.opendata.tasks import releases_produce_daily_task

    # given five reports in street W1 at 12-31 00:00:00 … 23:59:59 local, and one at 01-01 00:00:00
    made = {moment: submit(lon=118.005, lat=32.01) for moment in (
        "2026-12-31 00:00:00", "2026-12-31 08:00:00", "2026-12-31 12:00:00", "2026-12-31 20:00:00",
        "2026-12-31 23:59:59", "2027-01-01 00:00:00")}  # fmt: skip
    for moment, report in made.items():
        Grievance.objects.filter(pk=report.pk).update(created_at=local(moment))

    releases_produce_daily_task.apply()

    release = Release.objects.get(dataset="citizen-reports")
    rows = pd.read_csv(io.StringIO(release.csv_body))
    assert (release.first_day.isoformat(), release.last_day.isoformat()) == ("2026-12-31", "2026-12-31")
    assert rows["date"].unique().tolist() == ["2026-12-31"]
    assert rows["reports"].sum() == 5  # 00:00:00 and 23:59:59 of the day; not the new year's first second


def another_steward(username="steward2", **scope):
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert

    return staff_user_upsert(username=username, password=PASSWORD, roles=[Role.DATA_STEWARD], **scope)


def test_a_steward_limited_to_a_district_neither_drafts_nor_reads_nor_approves_a_city_wide_release(
    client, cast, reports
):
    # given: a draft of every district's figures; a steward of West District
    release = release_produce(dataset_code="citizen-reports", first_day=yesterday())
    client.force_login(another_steward("steward.west", region_codes=["W"]))
    form = {"dataset": "district-indicators", "first_day": yesterday(), "days": 1, "k": 5}

    # when
    statuses = [
        client.get("/open-data/releases/").status_code,
        client.post("/open-data/releases/", form).status_code,
        client.get(f"/open-data/releases/{release.pk}/").status_code,
        client.get(f"/open-data/releases/{release.pk}.csv").status_code,
        client.post(f"/open-data/releases/{release.pk}/", {"action": "approve"}).status_code,
        client.post(f"/open-data/releases/{release.pk}/", {"action": "withdraw", "reason": "x"}).status_code,
    ]

    # then: refused everywhere, nothing drafted or decided
    assert statuses == [403] * 6
    assert list(Release.objects.values_list("pk", "status")) == [(release.pk, "draft")]
    assert not AuditLog.objects.filter(action__in=["opendata.release.approve", "opendata.release.withdraw"]).exists()


def test_the_services_refuse_a_steward_limited_to_a_district(cast, reports):
    west = another_steward("steward.west", region_codes=["W"])
    draft = release_produce(dataset_code="citizen-reports", first_day=yesterday())

    for attempt in (
        lambda: release_produce(dataset_code="district-indicators", first_day=yesterday(), user=west),
        lambda: release_approve(release=draft, user=west),
        lambda: release_withdraw(release=draft, user=west, reason="no"),
    ):
        with translation.override("en"), pytest.raises(ApplicationError, match="whole city"):
            attempt()

    assert list(Release.objects.values_list("status", flat=True)) == ["draft"]


def test_the_steward_who_drafted_a_release_does_not_approve_it_another_does(client, cast, reports):
    # given: the steward drafts a release through the form
    client.force_login(cast["steward"])
    made = client.post("/open-data/releases/", {"dataset": "citizen-reports", "first_day": yesterday(), "days": 1,
                                                 "k": 5})  # fmt: skip
    release = Release.objects.get()

    # when: the same steward opens and approves it; then another steward
    page = client.get(f"/open-data/releases/{release.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    own = client.post(f"/open-data/releases/{release.pk}/", {"action": "approve"}, HTTP_ACCEPT_LANGUAGE="en")
    status_after_own = Release.objects.get().status
    client.force_login(another_steward())
    other = client.post(f"/open-data/releases/{release.pk}/", {"action": "approve"})

    # then
    assert made.status_code == 302
    assert 'value="approve"' not in page.content.decode()
    assert "another steward approves it" in page.content.decode()
    assert (own.status_code, status_after_own) == (400, "draft")
    assert "You drafted this release: another steward approves it." in own.content.decode()
    assert other.status_code == 302
    release.refresh_from_db()
    assert (release.status, release.produced_by, release.approved_by.username) == (
        "approved",
        cast["steward"],
        "steward2",
    )


@pytest.mark.parametrize(
    ("language", "message"), [("en", "k must be at least 5, the city&#x27;s minimum."), ("zh-hans", "k 至少为 5")]
)
def test_k_below_the_citys_minimum_is_refused_in_both_languages(client, cast, reports, settings, language, message):
    settings.CITYOPS_OPEN_DATA_K = 5
    client.force_login(cast["steward"])

    response = client.post("/open-data/releases/", {"dataset": "citizen-reports", "first_day": yesterday(),
                                                     "days": 1, "k": 2}, HTTP_ACCEPT_LANGUAGE=language)  # fmt: skip

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Release.objects.exists()
    with translation.override("en"), pytest.raises(ApplicationError, match="at least 5"):
        release_produce(dataset_code="citizen-reports", first_day=yesterday(), k=4)
