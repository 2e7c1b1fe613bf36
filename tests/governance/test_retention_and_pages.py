"""Retention erases personal data of finished records and leaves the statistics; the stewards' pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.models import AuditLog
from apps.core.retention import retention_run
from apps.grievances.models import Grievance, GrievancePhoto
from tests.conftest import PASSWORD
from tests.grievances.conftest import EMAIL, NAME, PHONE


def test_finished_reports_lose_their_personal_data_and_keep_their_statistics(submit, settings):
    settings.CITYOPS_PERSONAL_DATA_RETENTION_DAYS = 30
    old = submit(description=f"门口有坑，请打{PHONE}联系我", lon=118.00512, lat=32.01234)
    recent = submit()
    still_open = submit()
    long_ago = timezone.now() - timedelta(days=40)
    Grievance.objects.filter(pk=old.pk).update(status="closed", closed_at=long_ago, satisfaction=4)
    Grievance.objects.filter(pk=recent.pk).update(status="closed", closed_at=timezone.now() - timedelta(days=2))
    Grievance.objects.filter(pk=still_open.pk).update(created_at=long_ago)

    done = retention_run()
    again = retention_run()

    old.refresh_from_db()
    recent.refresh_from_db()
    still_open.refresh_from_db()
    assert done["grievances.reports"] == 1
    assert again["grievances.reports"] == 0
    assert (old.reporter_name, old.reporter_phone, old.reporter_email, old.address) == ("", "", "", "")
    assert PHONE not in old.description
    assert "门口有坑" in old.description
    assert (old.lon, old.lat) == (118.005, 32.012)
    assert (old.category.code, old.region.code, old.status, old.satisfaction) == ("pothole", "W1", "closed", 4)
    assert old.personal_data_erased_at is not None
    assert (recent.reporter_phone, still_open.reporter_phone) == (PHONE, PHONE)
    assert AuditLog.objects.filter(action="core.retention.erase").count() == 1


def test_photos_of_finished_reports_are_deleted(submit, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = str(tmp_path)
    report = submit()
    photo = GrievancePhoto(grievance=report, key="k1", width=1, height=1)
    photo.image.save("k1.jpg", ContentFile(b"jpeg"), save=True)
    path = photo.image.path
    Grievance.objects.filter(pk=report.pk).update(status="rejected", updated_at=timezone.now() - timedelta(days=400))

    retention_run()

    assert not GrievancePhoto.objects.filter(pk=photo.pk).exists()
    assert not (tmp_path / path).exists()


def test_decided_visits_lose_contacts_and_exact_positions(cast, city, settings):
    from apps.fieldwork.models import Visit
    from tests.fieldwork.conftest import photo, record_with_photos, t0, visit_data

    settings.CITYOPS_PERSONAL_DATA_RETENTION_DAYS = 1
    visit = record_with_photos(cast["officer"], visit_data(
        start=t0() - timedelta(days=3), lon=118.00567, lat=32.01234,
        notes=f"走访王先生，电话{PHONE}，问题属实"), [photo(3)])  # fmt: skip
    Visit.objects.filter(pk=visit.pk).update(people_contact=f"王先生 {PHONE}")
    phash = visit.photos.get().phash

    retention_run()

    visit.refresh_from_db()
    stored = visit.photos.get()
    assert visit.people_contact == ""
    assert PHONE not in visit.notes
    assert (visit.checkin_lon, visit.checkin_lat) == (118.006, 32.012)
    assert not stored.image
    assert stored.phash == phash  # a reused photo is still recognised


def test_stewards_see_the_registry_the_chain_and_who_read_personal_data(client, submit, cast):
    report = submit()
    client.login(username="staff", password=PASSWORD)
    client.post(f"/grievances/workbench/{report.tracking_code}/contact", {"purpose": "clarify"})
    client.login(username="steward", password=PASSWORD)

    index = client.get("/governance/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    registry = client.get("/governance/classification/?personal=any", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    reads = client.get("/governance/audit/?personal=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-ok="1"' in index
    assert "staff" in index
    assert "clarify ×1" in index
    assert 'data-field="grievances.Grievance.reporter_phone"' in registry
    assert 'data-field="traffic.TrafficReading.speed_kmh"' not in registry  # not personal
    assert "grievances.grievance.read_personal" in reads
    assert "clarify" in reads
    assert all(secret not in page for page in (index, registry, reads) for secret in (PHONE, NAME, EMAIL))


def test_a_broken_chain_shows_on_the_stewards_page(client, submit, cast):
    from apps.core.audit import audit_seal

    submit()
    audit_seal()
    AuditLog.objects.filter(seq=1).update(actor_name="nobody")
    client.login(username="steward", password=PASSWORD)

    client.post("/governance/", {"action": "verify"})
    page = client.get("/governance/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-ok="0"' in page
    assert "entry seq 1" in page


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "abc"])
def test_the_audit_trail_ignores_a_day_it_cannot_filter_by(client, cast, day):
    # given
    client.force_login(cast["steward"])

    # when
    response = client.get(f"/governance/audit/?from={day}&to={day}")

    # then
    assert response.status_code == 200
    assert response.context["page"].paginator.count == AuditLog.objects.count() > 0


def test_other_roles_do_not_see_the_governance_pages(client, cast):
    for role in ("command", "officer", "staff"):
        client.login(username=role, password=PASSWORD)
        assert {client.get(url).status_code for url in ("/governance/", "/governance/classification/",
                                                        "/governance/audit/")} == {403}  # fmt: skip


def test_the_registry_is_in_the_admin_for_stewards_and_administrators(client, cast):
    pages = {}
    for role in ("admin", "steward", "command"):
        client.force_login(cast[role])
        pages[role] = client.get("/admin/governance/classification/", HTTP_ACCEPT_LANGUAGE="en")

    assert pages["admin"].status_code == 200
    assert "reporter_phone" in pages["admin"].content.decode()
    assert pages["steward"].status_code == 200
    assert pages["command"].status_code == 302  # not an admin-site user: to the admin's sign-in


def test_the_hourly_check_logs_a_broken_chain_and_the_page_reads_its_result(submit, caplog):
    from apps.core.audit import audit_seal
    from apps.governance.selectors import chain_check
    from apps.governance.tasks import audit_chain_check_task

    submit()
    audit_seal()
    audit_chain_check_task()
    assert chain_check()["ok"] is True
    AuditLog.objects.filter(seq=1).update(action="core.test.forged")

    audit_chain_check_task()

    assert chain_check()["ok"] is False  # the page reads the task's result, not a stale "intact"
    assert "audit chain broken: entry seq 1" in caplog.text
