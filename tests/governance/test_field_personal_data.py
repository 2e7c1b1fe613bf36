"""The personal data of field work under its labels: a contact an officer noted (encrypted, read by a
supervisor only with a purpose, logged), an officer's positions (a location track: rounded outside the
checks), a staff member's mobile (written in the admin, never shown back in clear)."""

from __future__ import annotations

from django.db import connection

from apps.core.models import AuditLog
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import visit_data

CONTACT = "王先生 13800001234"


def flagged_visit(client, cast):
    client.login(username="officer", password=PASSWORD)
    data = visit_data(minutes=2, lon=118.00567, lat=32.01234, people_contact=CONTACT)  # a short stay: flagged
    response = client.post("/api/v1/fieldwork/visits", data, content_type="application/json")
    client.logout()
    return response


def test_the_contact_is_stored_encrypted_and_positions_leave_rounded(client, cast, city):
    response = flagged_visit(client, cast)

    with connection.cursor() as cursor:
        cursor.execute("SELECT people_contact, checkin_lat FROM fieldwork_visit")
        [(stored_contact, stored_lat)] = cursor.fetchall()
    assert response.status_code == 201
    assert "13800001234" not in stored_contact  # encrypted at rest
    assert stored_lat == 32.01234  # exact, for the presence checks
    body = response.json()
    assert body["checkin_lat"] == 32.01  # but rounded when it leaves
    assert "people_contact" not in body
    assert "13800001234" not in response.content.decode()


def test_a_supervisor_reads_the_contact_only_with_a_purpose(client, cast, city):
    flagged_visit(client, cast)
    from apps.fieldwork.models import Visit

    visit = Visit.objects.get()
    client.login(username="command", password=PASSWORD)

    page = client.get("/field/review/").content.decode()
    no_purpose = client.post("/field/review/", {"visit": visit.pk, "decision": "contact", "purpose": ""})
    shown = client.post("/field/review/", {"visit": visit.pk, "decision": "contact", "purpose": "回访核实"})

    assert "13800001234" not in page
    assert "••••" in page
    assert no_purpose.status_code == 400
    assert "13800001234" not in no_purpose.content.decode()
    assert CONTACT in shown.content.decode()
    [read] = AuditLog.objects.filter(action="fieldwork.visit.read_personal")
    assert read.data == {"fields": ["people_contact"], "purpose": "回访核实"}
    assert read.actor == cast["command"]


def test_officers_and_the_admin_do_not_see_it(client, cast, city):
    flagged_visit(client, cast)
    from apps.fieldwork.models import Visit

    visit = Visit.objects.get()
    client.login(username="officer", password=PASSWORD)
    officer = client.post("/field/review/", {"visit": visit.pk, "decision": "contact", "purpose": "x"})
    client.login(username="admin", password=PASSWORD)
    admin_page = client.get(f"/admin/fieldwork/visit/{visit.pk}/change/").content.decode()

    assert officer.status_code == 403
    assert "13800001234" not in admin_page
    assert "32.01234" not in admin_page
    assert "32.01" in admin_page  # the masked position


def test_a_staff_mobile_is_written_in_the_admin_and_shown_masked(client, cast):
    from apps.accounts.models import StaffProfile

    profile = StaffProfile.objects.get(user=cast["staff"])
    profile.phone = "13912340000"
    profile.save()
    client.login(username="admin", password=PASSWORD)
    url = f"/admin/auth/user/{cast['staff'].pk}/change/"

    page = client.get(url).content.decode()

    assert "13912340000" not in page
    assert "139****0000" in page


def test_visit_photos_only_for_supervisors_of_the_region(client, cast, city, settings, tmp_path):
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert
    from tests.fieldwork.conftest import photo, record_with_photos

    settings.MEDIA_ROOT = str(tmp_path)
    east = staff_user_upsert(username="sup_e", password=PASSWORD, roles=[Role.COMMAND_CENTER], region_codes=["E"])
    visit = record_with_photos(cast["officer"], visit_data(), [photo(5)])  # in W
    url = f"/field/photos/{visit.photos.get().key}.jpg"

    client.force_login(cast["command"])
    city_wide = client.get(url)
    b"".join(city_wide.streaming_content)  # read to the end, the test client closes the photo's file
    client.force_login(east)
    elsewhere = client.get(url)

    assert city_wide.status_code == 200
    assert elsewhere.status_code == 404
