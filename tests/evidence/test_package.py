"""The evidence package an inspector checks without CityOps: verify_evidence.py passes on the package as
exported, and fails, naming what, when one byte anywhere is changed."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import pytest
from django.core.management import CommandError, call_command

from apps.core.models import AuditLog
from apps.evidence.package import evidence_package
from apps.evidence.services import seals_erase_documents
from apps.fieldwork.models import Visit
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import photo
from tests.fieldwork.test_photos import media, put  # noqa: F401  (the media fixture)


def verify(path, *args):
    """verify_evidence.py as an inspector runs it: on its own, outside CityOps (no Django on its path)."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run([sys.executable, "-I", str(path), *args], capture_output=True, text=True, env=env,
                          timeout=60)  # fmt: skip


def streamed(response) -> bytes:
    """A streamed response's bytes, its file closed as a server closes it (without the test client's database
    connection, which request_finished would close too, as the client itself avoids)."""
    from django.core import signals
    from django.db import close_old_connections

    data = b"".join(response.streaming_content)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        signals.request_finished.connect(close_old_connections)
    return data


def unpack(package: bytes, folder):
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        archive.extractall(folder)
    return folder


def repack(package: bytes, change) -> bytes:
    """The same zip with one file's bytes changed by `change(name, data)`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out.getvalue()


def test_the_exported_package_verifies_on_its_own(signed_visit, tmp_path, cast):
    package = evidence_package([signed_visit], user=cast["command"], purpose="纪检调阅")
    folder = unpack(package, tmp_path / "pkg")
    result = verify(folder / "verify_evidence.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ALL CHECKS PASSED: 1 visit(s)" in result.stdout
    for said in ("files match the manifest", "signed on the phone", "countersigned by the server",
                 "photo 0:", "photo 1:", "audit entries"):  # fmt: skip
        assert said in result.stdout, result.stdout
    # the zip itself, and in Chinese
    (tmp_path / "p.zip").write_bytes(package)
    result = verify(folder / "verify_evidence.py", str(tmp_path / "p.zip"), "--lang", "zh")
    assert result.returncode == 0
    assert "全部核验通过" in result.stdout
    # no contact of people met in any file; the export is audited with its purpose
    assert AuditLog.objects.filter(action="evidence.visit.export", target_id=str(signed_visit.pk)).exists()


def test_an_original_photo_produced_later_is_tied_to_its_visit(signed_visit, tmp_path, cast):
    # the server keeps a downscaled copy; the phone's original is checked against the SHA-256 the phone signed
    folder = unpack(evidence_package([signed_visit], user=cast["command"]), tmp_path / "pkg")
    (tmp_path / "IMG_1.jpg").write_bytes(photo(2))
    (tmp_path / "other.jpg").write_bytes(photo(3))
    result = verify(folder / "verify_evidence.py", "--original", str(tmp_path / "IMG_1.jpg"))
    assert result.returncode == 0, result.stdout
    assert f"IMG_1.jpg: the original of photo 1 of visit {signed_visit.uuid}" in result.stdout
    result = verify(folder / "verify_evidence.py", "--original", str(tmp_path / "other.jpg"))
    assert result.returncode == 1
    assert "is the original of no photo in this package" in result.stdout


def _photo_byte(name, data):
    if name.endswith("photos/1.jpg"):
        return data[:500] + bytes([data[500] ^ 1]) + data[501:]
    return data


def _notes_edited(name, data):
    if name.endswith("document.json"):
        return data.replace("路灯不亮".encode(), "路灯正常".encode())
    return data


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (_photo_byte, "photos/1.jpg: changed"),
        (_notes_edited, "document.json: changed"),
    ],
)
def test_one_changed_byte_fails_naming_what(signed_visit, tmp_path, cast, change, named):
    package = repack(evidence_package([signed_visit], user=cast["command"]), change)
    (tmp_path / "p.zip").write_bytes(package)
    verifier = unpack(package, tmp_path / "pkg") / "verify_evidence.py"
    result = verify(verifier, str(tmp_path / "p.zip"))
    assert result.returncode == 1, result.stdout
    assert named in result.stdout, result.stdout
    assert "FAILED" in result.stdout


def test_a_changed_file_with_its_manifest_rewritten_still_fails(signed_visit, tmp_path, cast):
    # someone edits the notes and fixes the manifest's hash: the manifest's signature, the phone's signature and
    # the countersignature's document hash all say so
    import hashlib

    package = evidence_package([signed_visit], user=cast["command"])
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        manifest = json.loads(archive.read("MANIFEST.json"))
        name = next(n for n in archive.namelist() if n.endswith("document.json"))
        edited = archive.read(name).replace("路灯不亮".encode(), "路灯正常".encode())
    manifest["files"][name] = hashlib.sha256(edited).hexdigest()

    def change(n, data):
        if n == name:
            return edited
        if n == "MANIFEST.json":
            return json.dumps(manifest, separators=(",", ":"), sort_keys=True).encode()
        return data

    folder = unpack(repack(package, change), tmp_path / "pkg")
    result = verify(folder / "verify_evidence.py")
    assert result.returncode == 1
    assert "MANIFEST.json is not signed" in result.stdout
    assert "signature does not verify" in result.stdout
    assert "the signed document's SHA-256" in result.stdout


def test_every_byte_of_the_package_counts(signed_visit, tmp_path, cast):
    # a byte changed in each file in turn (the README and the verifier too) fails the check
    package = evidence_package([signed_visit], user=cast["command"])
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        names = archive.namelist()
    clean = unpack(package, tmp_path / "clean") / "verify_evidence.py"
    for name in names:

        def change(n, data, name=name):
            return data[:-2] + bytes([data[-2] ^ 0x20]) + data[-1:] if n == name else data

        (tmp_path / "p.zip").write_bytes(repack(package, change))
        result = verify(clean, str(tmp_path / "p.zip"))
        assert result.returncode != 0, (name, result.stdout)


def test_the_command_exports_and_refuses_with_one_line(signed_visit, tmp_path):
    out = tmp_path / "evidence.zip"
    call_command("export_visit_evidence", str(signed_visit.uuid), str(out), "--purpose", "审计")
    assert zipfile.is_zipfile(out)
    with pytest.raises(CommandError, match="is not a visit UUID"):
        call_command("export_visit_evidence", "nope", str(out))
    with pytest.raises(CommandError, match="no visit with UUID"):
        call_command("export_visit_evidence", "6f1c1b1e-8c1a-4c53-9a39-1f1f6c3e2d10", str(out))
    with pytest.raises(CommandError, match="zip to write"):
        call_command("export_visit_evidence", str(signed_visit.uuid), str(tmp_path / "x.txt"))


def test_a_supervisor_exports_from_the_review_page_within_their_regions(signed_visit, client, cast):
    client.login(username="command", password=PASSWORD)
    response = client.post("/evidence/export/", {"visits": str(signed_visit.uuid), "purpose": "纪检调阅"})
    package = streamed(response)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert zipfile.is_zipfile(io.BytesIO(package))
    # without a purpose: the form again, with what was typed
    response = client.post("/evidence/export/", {"visits": str(signed_visit.uuid), "purpose": " "})
    assert response.status_code == 400
    assert str(signed_visit.uuid) in response.content.decode()
    # an officer may not export; a supervisor narrowed to the other district does not find it
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert

    staff_user_upsert(username="east_command", password=PASSWORD, roles=[Role.COMMAND_CENTER], region_codes=["E"])
    client.logout()
    client.login(username="east_command", password=PASSWORD)
    response = client.post("/evidence/export/", {"visits": str(signed_visit.uuid), "purpose": "x"})
    assert response.status_code == 400
    assert "不是您所辖区域内有证据记录的走访" in response.content.decode()
    client.logout()
    client.login(username="officer", password=PASSWORD)
    assert client.post("/evidence/export/", {"visits": str(signed_visit.uuid), "purpose": "x"}).status_code == 403


def test_the_signed_document_goes_with_the_visits_personal_data(signed_visit):
    from django.utils import timezone

    Visit.objects.filter(pk=signed_visit.pk).update(personal_data_erased_at=timezone.now())
    assert seals_erase_documents(timezone.now()) == 1
    signed_visit.seal.refresh_from_db()
    assert signed_visit.seal.document == ""
    assert signed_visit.seal.document_erased_at is not None
    assert signed_visit.seal.document_sha256  # the hash and both signatures stay
