"""What an attack review of signed evidence found, each kept fixed: spellings the parser normalises cannot be
signed, one key has one fingerprint, database edits show in a fresh package, a hostile package is refused
without a traceback, and the manifest's signature has one valid encoding."""

from __future__ import annotations

import base64
import json
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.evidence.models import Device, VisitSeal
from apps.evidence.package import evidence_package
from apps.evidence.services import device_revoke, seals_erase_documents
from apps.fieldwork.models import Visit
from tests.conftest import PASSWORD
from tests.evidence.conftest import Phone, post_visit, register
from tests.evidence.test_package import repack, unpack, verify
from tests.fieldwork.conftest import declared, photo, visit_data
from tests.fieldwork.test_photos import media  # noqa: F401  (the media fixture)


@pytest.fixture
def officer_client(client, cast):
    client.login(username="officer", password=PASSWORD)
    return client


def test_a_number_beyond_any_double_is_a_400_not_a_500(officer_client, cast, city):
    phone = Phone()
    register(officer_client, phone, cast["officer"])
    zero = base64.b64encode(b"\0" * 64).decode()
    body = {**visit_data(), "format": "cityops-visit/1", "x": 10**400,
            "signature": {"alg": "ES256", "key": phone.key_id, "value": zero}}  # fmt: skip
    response = officer_client.post("/api/v1/fieldwork/visits", data=json.dumps(body),
                                   content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert response.status_code == 400
    assert "signature" in response.json()["errors"]


@pytest.mark.parametrize(
    "spelling",
    [
        lambda b: {**b, "uuid": b["uuid"].upper()},
        lambda b: {**b, "uuid": b["uuid"].replace("-", "")},
        lambda b: {**b, "photos": [{**p, "sha256": p["sha256"].upper()} for p in b["photos"]]},
        lambda b: {**b, "photos": [{**p, "index": str(p["index"])} for p in b["photos"]]},
    ],
    ids=["uuid upper case", "uuid without dashes", "sha256 upper case", "index as text"],
)
def test_a_spelling_the_parser_would_normalise_cannot_be_signed(officer_client, cast, city, spelling):
    # stored in its normal form, the package would no longer match what was signed
    phone = Phone()
    register(officer_client, phone, cast["officer"])
    body = phone.signed(spelling(visit_data(photos=declared(photo(1)))))
    response = post_visit(officer_client, body)
    assert response.status_code == 400, response.content
    assert "as the app does" in response.json()["errors"]["signature"][0]
    assert not Visit.objects.exists()


def test_one_key_has_one_fingerprint(officer_client, cast):
    phone = Phone()
    compressed = phone.key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )  # uncompressed; the same key with a compressed point is another byte string
    point = phone.key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    assert point != compressed[-65:]
    body = phone.registration(cast["officer"].pk)
    spki_compressed = compressed[:-65].replace(b"\x03\x42\x00", b"\x03\x22\x00") + point
    spki_compressed = b"\x30\x39" + spki_compressed[2:]
    body["public_key"] = base64.b64encode(spki_compressed).decode()
    response = officer_client.post("/api/v1/evidence/devices", data=json.dumps(body),
                                   content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert response.status_code == 400
    assert "public_key" in response.json()["errors"]
    assert not Device.objects.exists()


def test_a_signed_visit_is_at_most_256_kb(officer_client, cast, city):
    body = Phone().signed({**visit_data(), "junk": "A" * 300_000})
    response = post_visit(officer_client, body)
    assert response.status_code == 400
    assert "kB" in response.json()["errors"]["signature"][0]


def _verify_package(visit, tmp_path, user, name="p"):
    folder = unpack(evidence_package([visit], user=user), tmp_path / name)
    return verify(folder / "verify_evidence.py")


def test_database_edits_show_in_a_fresh_package(signed_visit, tmp_path, cast):
    # the countersigned officer and state are compared with what the package says
    Visit.objects.filter(pk=signed_visit.pk).update(officer=cast["other_officer"])
    result = _verify_package(Visit.objects.get(pk=signed_visit.pk), tmp_path, cast["command"], "officer")
    assert result.returncode == 1
    assert "officer is" in result.stdout
    Visit.objects.filter(pk=signed_visit.pk).update(officer=cast["officer"])
    VisitSeal.objects.filter(visit=signed_visit).update(state="unknown_device")
    result = _verify_package(Visit.objects.get(pk=signed_visit.pk), tmp_path, cast["command"], "state")
    assert result.returncode == 1
    assert "state is unknown_device in the package, signed as countersigned" in result.stdout


def test_a_revocation_is_signed_and_cannot_be_moved_before_the_visit(signed_visit, tmp_path, cast):
    device = Device.objects.get()
    device_revoke(device=device, user=cast["command"], reason="phone lost")
    result = _verify_package(signed_visit, tmp_path, cast["command"], "revoked")
    assert result.returncode == 0, result.stdout
    assert "device revoked on" in result.stdout
    # an insider writes the revocation as made before the visit arrived: the server's signature says otherwise
    device.refresh_from_db()
    statement = json.loads(device.revocation)
    statement["revoked_at"] = "2000-01-01T00:00:00+00:00"
    Device.objects.filter(pk=device.pk).update(revocation=json.dumps(statement))
    result = _verify_package(Visit.objects.get(pk=signed_visit.pk), tmp_path, cast["command"], "moved")
    assert result.returncode == 1
    assert "the revocation is not signed by the server" in result.stdout


def test_a_package_after_retention_says_the_document_was_erased(signed_visit, tmp_path, cast):
    Visit.objects.filter(pk=signed_visit.pk).update(personal_data_erased_at=timezone.now())
    seals_erase_documents(timezone.now())
    result = _verify_package(Visit.objects.get(pk=signed_visit.pk), tmp_path, cast["command"])
    assert result.returncode == 0, result.stdout
    assert "NOTE the signed document was erased on" in result.stdout.replace("    ", "").replace("  ", "")
    assert "countersigned by the server on arrival" in result.stdout


def test_the_manifest_signature_has_one_encoding(signed_visit, tmp_path, cast):
    package = evidence_package([signed_visit], user=cast["command"])
    folder = unpack(package, tmp_path / "pkg")
    for change in (
        lambda d: d.rstrip(b"\n") + b" \n",  # whitespace
        lambda d: _high_s(d),  # (r, n − s) verifies too, but is not what the server wrote
    ):
        (tmp_path / "p.zip").write_bytes(repack(package, lambda n, d, c=change: c(d) if n == "MANIFEST.sig" else d))
        result = verify(folder / "verify_evidence.py", str(tmp_path / "p.zip"))
        assert result.returncode == 1, result.stdout
        assert "MANIFEST.sig was changed" in result.stdout


def _high_s(signature: bytes) -> bytes:
    from apps.evidence.keys import _ORDER

    raw = base64.b64decode(signature.strip())
    s = int.from_bytes(raw[32:], "big")
    return base64.b64encode(raw[:32] + (_ORDER - s).to_bytes(32, "big")) + b"\n"


@pytest.mark.parametrize(
    "hostile",
    [
        lambda n, d: b"[]" if n == "MANIFEST.json" else d,
        lambda n, d: b"[" * 100_000 if n == "MANIFEST.json" else d,
        lambda n, d: b'{"files": []}' if n == "MANIFEST.json" else d,
    ],
    ids=["manifest a list", "manifest nested 100,000 deep", "files a list"],
)
def test_a_hostile_package_is_refused_without_a_traceback(signed_visit, tmp_path, cast, hostile):
    package = evidence_package([signed_visit], user=cast["command"])
    folder = unpack(package, tmp_path / "pkg")
    (tmp_path / "p.zip").write_bytes(repack(package, hostile))
    result = verify(folder / "verify_evidence.py", str(tmp_path / "p.zip"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "cannot read the package" in result.stdout
    assert "Traceback" not in result.stderr


def test_names_cannot_drive_the_terminal(signed_visit, tmp_path, cast):
    package = evidence_package([signed_visit], user=cast["command"])
    folder = unpack(package, tmp_path / "pkg")
    with zipfile.ZipFile(tmp_path / "p.zip", "w") as target, zipfile.ZipFile(folder.parent / "x.zip", "w"):
        pass
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, source.read(name))
        target.writestr("visits/\x1b[2J\x1b[8mOK/z", b"x")
    (tmp_path / "p.zip").write_bytes(out.getvalue())
    result = verify(folder / "verify_evidence.py", str(tmp_path / "p.zip"))
    assert result.returncode == 1
    assert "\x1b" not in result.stdout
    assert "\\x1b[2J" in result.stdout


def test_a_missing_photo_file_is_said_not_a_500(signed_visit, tmp_path, cast, client):
    photo_row = signed_visit.photos.get(index=0)
    photo_row.image.storage.delete(photo_row.image.name)
    client.login(username="command", password=PASSWORD)
    response = client.post("/evidence/export/", {"visits": str(signed_visit.uuid), "purpose": "审计"})
    assert response.status_code == 200
    from tests.evidence.test_package import streamed

    folder = unpack(streamed(response), tmp_path / "pkg")
    result = verify(folder / "verify_evidence.py")
    assert "photo 0: declared, not in this package (file missing from storage)" in result.stdout


def test_the_command_says_in_one_line_where_it_cannot_write(signed_visit, tmp_path):
    (tmp_path / "dir.zip").mkdir()
    with pytest.raises(CommandError, match="is a folder"):
        call_command("export_visit_evidence", str(signed_visit.uuid), str(tmp_path / "dir.zip"))
    with pytest.raises(CommandError, match="could not write"):
        call_command("export_visit_evidence", str(signed_visit.uuid), "/proc/evidence.zip")
    assert not list(tmp_path.glob(".*partial"))


def test_the_device_admin_shows_a_district_user_only_their_officers(client, cast, city):
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert

    phone = Phone()
    client.login(username="officer", password=PASSWORD)
    register(client, phone, cast["officer"])
    client.logout()
    east = staff_user_upsert(username="east_command", password=PASSWORD, roles=[Role.COMMAND_CENTER],
                             region_codes=["E"])  # fmt: skip
    east.is_staff = True
    east.save()
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from apps.evidence.admin import DeviceAdmin

    request = RequestFactory().get("/admin/evidence/device/")
    request.user = east
    assert not DeviceAdmin(Device, site).get_queryset(request).exists()
    request.user = cast["command"]
    assert DeviceAdmin(Device, site).get_queryset(request).count() == 1


def test_an_unsigned_visits_photos_are_not_said_to_be_signed(officer_client, cast, city, media, tmp_path):  # noqa: F811
    from tests.fieldwork.test_photos import put

    content = photo(5)
    body = visit_data(photos=declared(content))
    assert post_visit(officer_client, body).status_code == 201
    assert put(officer_client, body["uuid"], 0, content).status_code in (200, 201)
    result = _verify_package(Visit.objects.get(uuid=body["uuid"]), tmp_path, cast["command"])
    assert result.returncode == 0, result.stdout
    assert "as declared (not signed by a registered phone)" in result.stdout
    assert "NOTE not signed on the phone" in result.stdout.replace("  ", "")
