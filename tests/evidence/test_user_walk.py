"""What a walk through signed evidence as its users found, kept fixed: a revoked phone's session ends, the
export page lists recent visits to tick, a signed visit cannot be edited in the admin, the verifier takes the
city's key as the API gives it, and phones are named by their system."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from apps.evidence.models import Device
from apps.evidence.package import evidence_package
from apps.evidence.services import device_revoke
from tests.conftest import PASSWORD
from tests.evidence.test_package import streamed, unpack, verify


def test_revoking_a_phone_signs_its_officer_out(signed_visit, client, cast, django_capture_on_commit_callbacks):
    # the officer's session (on the lost phone) is the client's
    assert client.get("/api/v1/evidence/devices/mine").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        device_revoke(device=Device.objects.get(), user=cast["command"], reason="phone lost")
    assert client.get("/api/v1/evidence/devices/mine").status_code in (401, 403)


def test_the_export_page_lists_recent_visits_to_tick(signed_visit, client, cast):
    client.login(username="command", password=PASSWORD)
    page = client.get("/evidence/export/")
    assert page.status_code == 200
    assert f'value="{signed_visit.uuid}"' in page.content.decode()
    response = client.post("/evidence/export/", {"visits": [str(signed_visit.uuid), ""], "purpose": "纪检调阅"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    streamed(response)


def test_a_visit_cannot_be_edited_in_the_admin(signed_visit, client, cast):
    client.login(username="admin", password=PASSWORD)
    url = reverse("admin:fieldwork_visit_change", args=[signed_visit.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="notes"' not in page.content.decode()  # shown, not an input
    assert "countersigned" in page.content.decode() or "副署" in page.content.decode()
    client.post(url, {"notes": "改过的记录"})
    signed_visit.refresh_from_db()
    assert signed_visit.notes == "路灯不亮，已拍照"


def test_the_verifier_takes_the_citys_key_as_the_api_gives_it(signed_visit, client, cast, tmp_path):
    folder = unpack(evidence_package([signed_visit], user=cast["command"]), tmp_path / "pkg")
    (tmp_path / "city.json").write_text(json.dumps(client.get("/api/v1/evidence/server-key").json()))
    result = verify(folder / "verify_evidence.py", "--server-key", str(tmp_path / "city.json"))
    assert result.returncode == 0, result.stdout
    assert "given on the command line" in result.stdout
    (tmp_path / "bad.pem").write_text("not a key")
    result = verify(folder / "verify_evidence.py", "--server-key", str(tmp_path / "bad.pem"))
    assert result.returncode == 2
    assert "cannot read the server key file" in result.stdout


def test_the_verifier_served_is_the_one_the_key_endpoint_names(client, db):
    import hashlib

    digest = client.get("/api/v1/evidence/server-key").json()["verifier_sha256"]
    response = client.get("/api/v1/evidence/verifier")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == digest


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_phones_are_named_by_their_system():
    sign_js = Path(__file__).resolve().parents[2] / "static/js/fieldwork/sign.js"
    agents = [
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile "
        "Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1",
    ]
    script = (
        f"import('{sign_js.as_uri()}').then(({{deviceLabel}}) => process.stdout.write(JSON.stringify("
        f"{json.dumps(agents)}.map((a) => deviceLabel(a)))))"
    )
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(result.stdout) == ["Android 14 · Chrome 131", "iOS 17.5 · Safari 17"]
