"""The evidence package: everything an inspector needs to check visits without CityOps, in one zip.

    README.txt              what is inside and how to check it (both languages)
    verify_evidence.py      the checker (standard library and `cryptography` only)
    server-key.pem          the public half of the server's countersigning key
    MANIFEST.json           every other file with its SHA-256, signed by the server (MANIFEST.sig)
    visits/<uuid>/document.json   the canonical JSON the phone signed, byte for byte
    visits/<uuid>/seal.json       the device and its registration, both signatures, the photos' receipts, the
                                  visit's audit entries with their hashes and links
    visits/<uuid>/record.json     what CityOps decided of the visit (status, findings, flags), for reading
    visits/<uuid>/photos/<n>.jpg  the photos as stored (downscaled, without metadata)

Exported by a supervisor (review page) or `manage.py export_visit_evidence`; each export is audited.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from apps.core.audit import audit_seal, log_action, purpose_masked
from apps.core.models import AuditLog
from apps.evidence.canonical import canonical_json
from apps.evidence.keys import public_key_pem, server_key, server_key_id, sign
from apps.evidence.models import VisitSeal

PACKAGE_FORMAT = "cityops-evidence-package/1"
VERIFIER = Path(__file__).with_name("verify_evidence.py")
README = """CityOps field evidence / 现场走访证据包

Check it / 核验:
    pip install cryptography
    python verify_evidence.py package.zip --server-key city-server-key.pem
    python verify_evidence.py package.zip --server-key city-server-key.pem --lang zh      （中文输出）

Use a verify_evidence.py you got from the city (GET /api/v1/evidence/verifier, its SHA-256 in
GET /api/v1/evidence/server-key), not only the copy in this package: a package sent to you could carry a
verifier that says anything. The copy here is for reading, and is itself listed in the signed manifest.
请使用从本市获取的 verify_evidence.py（GET /api/v1/evidence/verifier，其 SHA-256 见
GET /api/v1/evidence/server-key），不要只依赖包内的副本：别人寄来的证据包可能附带一个什么都说"通过"的脚本。

The first line printed is the fingerprint of the server key in this package. Compare it with the fingerprint
the city publishes (GET /api/v1/evidence/server-key), or pass the published key with --server-key.
输出的第一行是包内服务器密钥的指纹，请与本市公布的指纹核对（GET /api/v1/evidence/server-key），
或用 --server-key 指定公布的密钥。

The photos here are the copies the server stored (downscaled, without metadata). For a signed visit the SHA-256
of each original is in what the phone signed; an original produced later is checked with --original FILE.
本包中的照片是服务器存储的副本（已缩小、去除元数据）。已签名走访的每张原图 SHA-256 都在手机签名的内容中；
日后取得的原图可用 --original 文件名 核验。

What a signature proves: the visit record (times, positions, findings, notes, people met, the SHA-256 of each
original photo) was made on the officer's registered phone and has not changed since; the server received it
at the countersigned time. What it does not prove: that the phone was not compromised, or that the scene was
not staged. The contact of people met is personal data and is not in this package.
签名证明：走访记录（时间、位置、核实结论、记录、接触人员、每张原始照片的 SHA-256）由走访员登记的手机生成，
此后未被改动；服务器在副署时间收到。签名不能证明：手机未被攻破，或现场不是布置的。
接触人员的联系方式属于个人信息，不在本包中。

Files / 文件: see MANIFEST.json.
"""


def _audit_entries(visit: Any) -> list[dict[str, Any]]:
    rows = AuditLog.objects.filter(
        target_type=ContentType.objects.get_for_model(visit), target_id=str(visit.pk)
    ).order_by("seq", "id")
    return [
        {
            "seq": e.seq,
            "created_at": e.created_at.isoformat(),
            "actor_id": e.actor_id,
            "actor_name": e.actor_name,
            "action": e.action,
            "target_type_id": e.target_type_id,
            "target_id": e.target_id,
            "target_repr": e.target_repr,
            "data": e.data,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in rows
    ]


def _device(seal: VisitSeal) -> dict[str, Any] | None:
    device = seal.device
    if device is None:
        return None
    return {
        "key_id": device.key_id,
        "public_key": device.public_key,
        "label": device.label,
        "statement": device.statement,
        "statement_signature": device.statement_signature,
        "record": device.record,
        "record_signature": device.record_signature,
        "revoked_at": device.revoked_at.isoformat() if device.revoked_at else None,
        "revocation": device.revocation or None,
        "revocation_signature": device.revocation_signature or None,
    }


def _stored(photo: Any) -> bytes | None:
    """The stored copy's bytes; None when its file is gone from storage (the package says so)."""
    try:
        with photo.image.open("rb") as handle:
            data: bytes = handle.read()
    except OSError:
        return None
    return data


def _visit_files(visit: Any) -> dict[str, bytes]:
    base = f"visits/{visit.uuid}/"
    seal: VisitSeal = visit.seal
    files: dict[str, bytes] = {}
    if seal.document:
        files[base + "document.json"] = seal.document.encode("utf-8")
    photos = []
    for photo in sorted(visit.photos.all(), key=lambda p: p.index):  # the prefetched rows, when they are
        entry: dict[str, Any] = {"index": photo.index, "name": photo.name, "original_sha256": photo.sha256,
                                 "file": None, "receipt": None}  # fmt: skip
        receipt = getattr(photo, "seal", None)
        content = _stored(photo) if photo.image and receipt is not None else None
        if content is not None and receipt is not None:
            name = f"photos/{photo.index}.jpg"
            files[base + name] = content
            entry.update(file=name, state="received", receipt={"statement": receipt.statement,
                                                               "signature": receipt.signature})  # fmt: skip
        elif photo.image:
            entry["state"] = "file missing from storage"
        else:
            entry["state"] = "erased" if photo.received_at else "waiting"
        photos.append(entry)
    signed = json.loads(seal.document) if seal.document else {}
    kept = {p["index"] for p in photos}
    for declared in signed.get("photos", []):
        if isinstance(declared, dict) and declared.get("index") not in kept:
            photos.append({"index": declared.get("index"), "name": declared.get("name", ""),
                           "original_sha256": declared.get("sha256"), "file": None, "receipt": None,
                           "state": "withdrawn"})  # fmt: skip
    files[base + "seal.json"] = _json(
        {
            "visit": str(visit.uuid),
            "officer": visit.officer_id,
            "state": seal.state,
            "key_id": seal.key_id,
            "device": _device(seal),
            "device_signature": seal.device_signature,
            "document_erased_at": seal.document_erased_at.isoformat() if seal.document_erased_at else None,
            "countersignature": {"statement": seal.countersignature_statement, "signature": seal.countersignature},
            "photos": photos,
            "audit": _audit_entries(visit),
        }
    )
    files[base + "record.json"] = _json(
        {
            "visit": str(visit.uuid),
            "officer": visit.officer.get_username(),
            "status": visit.status,
            "review_reason": visit.review_reason,
            "received_at": visit.received_at.isoformat(),
            "findings": [
                {
                    "verdict": f.verdict,
                    "alert": f.alert_id,
                    "grievance": f.grievance_id,
                    "indicator": f.indicator,
                    "observed_value": f.observed_value,
                }
                for f in visit.findings.all()
            ],  # fmt: skip
            "flags": [f.code for f in visit.flags.all()],
        }
    )
    return files


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"


def evidence_package(visits: Iterable[Any], *, user: Any = None, purpose: str = "") -> bytes:
    """The zip of the visits' evidence, in memory (see `evidence_package_write`)."""
    buffer = io.BytesIO()
    evidence_package_write(buffer, visits, user=user, purpose=purpose)
    return buffer.getvalue()


def evidence_package_write(out: IO[bytes], visits: Iterable[Any], *, user: Any = None, purpose: str = "") -> None:
    """Write the zip of the visits' evidence (visits with a seal; others are left out by the caller) to `out`,
    one visit's files at a time (a package of many visits' photos is not held in memory whole). Each export is
    audited per visit. The audit trail is sealed first, so the entries go out with their hashes."""
    visits = list(visits)
    audit_seal()
    key = server_key()
    digests: dict[str, str] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def put(files: dict[str, bytes]) -> None:
            for path, data in sorted(files.items()):
                archive.writestr(path, data)
                digests[path] = hashlib.sha256(data).hexdigest()

        put({
            "README.txt": README.encode("utf-8"),
            "verify_evidence.py": VERIFIER.read_bytes(),
            "server-key.pem": public_key_pem(key).encode("ascii"),
        })  # fmt: skip
        for visit in visits:
            put(_visit_files(visit))
        manifest = canonical_json(
            {
                "format": PACKAGE_FORMAT,
                "created_at": timezone.now().isoformat(),
                "created_by": user.get_username() if user is not None else "manage.py",
                "server_key": server_key_id(),
                "time_zone": settings.TIME_ZONE,  # the verifier shows times on the city's clock
                "visits": [str(v.uuid) for v in visits],
                "files": dict(sorted(digests.items())),
            }
        )
        archive.writestr("MANIFEST.json", manifest)
        archive.writestr("MANIFEST.sig", sign(key, manifest).encode("ascii") + b"\n")
    for visit in visits:
        log_action(
            visit, "evidence.visit.export", user=user, data={"purpose": purpose_masked(purpose)} if purpose else {}
        )
