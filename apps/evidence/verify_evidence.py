#!/usr/bin/env python3
"""Check a CityOps field-evidence package without CityOps: Python 3.10+ and the `cryptography` package only.

    python verify_evidence.py                  # the package this file was unpacked with
    python verify_evidence.py evidence.zip     # a package as exported (zip), or its unpacked folder
    python verify_evidence.py evidence.zip --server-key city.pem   # the city's published key, not the package's
    python verify_evidence.py evidence.zip --lang zh
    python verify_evidence.py evidence.zip --original IMG_0412.jpg   # is this the original of a photo?

It checks, and says for each what it checked:
1. every file against MANIFEST.json (nothing changed, added or missing), and the manifest against the server's
   signature;
2. each device's registration: the phone's signature proving it held the key, the server's signature of the
   registration record;
3. each visit's signed document: canonical JSON (RFC 8785), signed by the registered device key;
4. the server's countersignature on the visit's arrival: the document's SHA-256, the device's signature, the
   arrival time;
5. each photo: the server's receipt (SHA-256 of the original the phone signed, and of the copy stored), and the
   stored copy's bytes against it;
6. the audit trail's entries for the visit: each entry's hash, the links between consecutive entries, and the
   countersignature in the visit's record entry.

Exit status 0 when everything holds, 1 when anything fails (each failure named), 2 when the package cannot be
read. The server key inside the package proves only that the package is whole; compare its fingerprint (printed
first) with the one the city publishes (GET /api/v1/evidence/server-key), or give that key with --server-key.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import io
import json
import math
import os
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
except ImportError:  # pragma: no cover - told to the inspector
    sys.exit("verify_evidence.py needs the 'cryptography' package: pip install cryptography")

PACKAGE_FORMAT = "cityops-evidence-package/1"
GENESIS = "0" * 64

WORDS = {
    "server_key": (
        "Server key {key} (compare with the city's published fingerprint)",
        "服务器密钥 {key}（请与本市公布的指纹核对）",
    ),
    "server_key_given": ("Server key {key}, given on the command line", "服务器密钥 {key}（命令行指定）"),
    "server_key_other": (
        "the package names server key {package}, not the one given ({given})",
        "包内服务器密钥为 {package}，与指定的 {given} 不符",
    ),
    "manifest_sig": ("manifest signed by the server key", "清单有服务器签名"),
    "manifest_sig_bad": (
        "MANIFEST.json is not signed by the server key (changed, or another key)",
        "MANIFEST.json 的服务器签名无效（已被改动或密钥不符）",
    ),
    "file_ok": ("{n} files match the manifest", "{n} 个文件与清单一致"),
    "file_changed": (
        "{path}: changed (SHA-256 {got}, manifest says {want})",
        "{path}：已被改动（SHA-256 为 {got}，清单为 {want}）",
    ),
    "file_missing": ("{path}: listed in the manifest, missing", "{path}：清单中有，文件缺失"),
    "file_extra": ("{path}: not in the manifest (added)", "{path}：清单中没有（被添加）"),
    "visit": ("Visit {uuid}", "走访 {uuid}"),
    "device_ok": (
        "device {key} of {officer} ({label}): registered {at}; the phone proved it holds the key, "
        "the server signed the registration",
        "设备 {key}（{officer}，{label}）：{at} 登记；手机证明持有私钥，服务器签署了登记记录",
    ),
    "device_revoked": (
        "device revoked on {at}: visits signed before stay signed",
        "设备已于 {at} 吊销：此前签名的走访仍然有效",
    ),
    "device_bad": ("device registration: {why}", "设备登记：{why}"),
    "doc_ok": (
        "signed on the phone: canonical JSON, {size} bytes, signature valid for device {key}",
        "手机签名：规范 JSON，{size} 字节，设备 {key} 的签名有效",
    ),
    "doc_bad": ("signed document: {why}", "签名文件：{why}"),
    "unsigned": ("not signed on the phone: only its arrival is countersigned", "未在手机上签名：只有服务器的到达副署"),
    "unknown_device": (
        "signed on a device that was never registered: the signature cannot be tied to the officer",
        "由未登记的设备签名：无法确认属于该走访员",
    ),
    "counter_ok": ("countersigned by the server on arrival, {at}", "服务器于 {at} 到达时副署"),
    "counter_bad": ("countersignature: {why}", "服务器副署：{why}"),
    "photo_ok": (
        "photo {index}: original SHA-256 {original} as signed; stored copy matches the server's receipt",
        "照片 {index}：原图 SHA-256 {original} 与签名一致；存储副本与服务器回执一致",
    ),
    "photo_bad": ("photo {index}: {why}", "照片 {index}：{why}"),
    "photo_absent": (
        "photo {index}: declared and signed, not received ({state})",
        "照片 {index}：已声明并签名，但未收到（{state}）",
    ),
    "audit_ok": (
        "{n} audit entries: hashes recompute{links}; the record entry holds the countersignature",
        "{n} 条审计记录：哈希复算一致{links}；记录条目含服务器副署",
    ),
    "audit_links": (", {n} links between consecutive entries hold", "，{n} 处相邻条目链接一致"),
    "audit_bad": ("audit entry {seq}: {why}", "审计记录 {seq}：{why}"),
    "original_ok": (
        "{name}: the original of photo {index} of visit {uuid}, as the phone signed it",
        "{name}：即走访 {uuid} 第 {index} 张照片的原图，与手机签名一致",
    ),
    "original_bad": (
        "{name}: SHA-256 {digest} is the original of no photo in this package",
        "{name}：SHA-256 {digest} 不是本包中任何照片的原图",
    ),
    "result_ok": ("ALL CHECKS PASSED: {n} visit(s)", "全部核验通过：{n} 次走访"),
    "result_bad": ("FAILED: {n} problem(s)", "核验失败：{n} 个问题"),
    "unreadable": ("cannot read the package: {why}", "无法读取证据包：{why}"),
}

WHY = {
    "sig": ("signature does not verify", "签名无效"),
    "not_canonical": ("not canonical JSON (changed after signing)", "不是规范 JSON（签名后被改动）"),
    "key_id": ("key fingerprint does not match the public key", "密钥指纹与公钥不符"),
    "record": ("the server's record names another key or officer", "服务器记录的密钥或人员不符"),
    "format": ("not a {format} statement", "不是 {format} 声明"),
    "uuid": ("names visit {got}, not {want}", "指向走访 {got}，不是 {want}"),
    "digest": (
        "the signed document's SHA-256 is {got}, the countersignature says {want}",
        "签名文件 SHA-256 为 {got}，副署为 {want}",
    ),
    "device_sig": ("the countersignature names another device signature or key", "副署中的设备签名或密钥不符"),
    "receipt": ("receipt: signature does not verify", "回执签名无效"),
    "original": ("original SHA-256 {got} is not the one signed ({want})", "原图 SHA-256 {got} 与签名的 {want} 不符"),
    "stored": ("stored copy's SHA-256 {got}, the receipt says {want}", "存储副本 SHA-256 为 {got}，回执为 {want}"),
    "hash": ("hash does not recompute (changed after it was sealed)", "哈希复算不一致（封存后被改动）"),
    "link": ("does not follow entry {seq}", "未接续记录 {seq}"),
    "no_record": ("no record entry holding the countersignature", "没有含服务器副署的记录条目"),
    "unsealed": ("not yet sealed into the chain when exported", "导出时尚未封存入链"),
    "missing": ("{what} missing", "缺少 {what}"),
}


class Report:
    def __init__(self, lang: str) -> None:
        self.lang = 1 if lang == "zh" else 0
        self.problems = 0

    def say(self, word: str, ok: bool = True, indent: int = 0, **values: Any) -> None:
        text = WORDS[word][self.lang].format(**values)
        mark = "OK  " if ok else "FAIL"
        print(f"{'  ' * indent}{mark} {text}")
        if not ok:
            self.problems += 1

    def why(self, word: str, **values: Any) -> str:
        return WHY[word][self.lang].format(**values)


# --- Canonical JSON (RFC 8785), the same as CityOps' apps/evidence/canonical.py ---------------------------


def canonical_json(value: Any) -> bytes:
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts).encode("utf-8")


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(_number(float(value)) if abs(value) >= 2**53 else str(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, list):
        out.append("[")
        for i, item in enumerate(value):
            out.append("," if i else "")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))):
            out.append("," if i else "")
            out.append(json.dumps(key, ensure_ascii=False) + ":")
            _write(value[key], out)
        out.append("}")
    else:
        raise ValueError(f"{type(value).__name__} is not a JSON value")


def _number(x: float) -> str:
    if not math.isfinite(x):
        raise ValueError("NaN and infinity are not JSON numbers")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    exact = Decimal(repr(abs(x))).as_tuple()
    digits = "".join(map(str, exact.digits))
    exponent = int(exact.exponent)
    stripped = digits.rstrip("0") or "0"
    exponent += len(digits) - len(stripped)
    digits = stripped
    k, n = len(digits), exponent + len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"


# --- Keys and signatures (ECDSA P-256, SHA-256, r ‖ s in base64, as WebCrypto makes them) ------------------


def load_public(spki_b64: str) -> ec.EllipticCurvePublicKey:
    key = serialization.load_der_public_key(base64.b64decode(spki_b64, validate=True))
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("not an ECDSA P-256 key")
    return key


def der_of(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def verifies(key: ec.EllipticCurvePublicKey, signature_b64: Any, data: bytes) -> bool:
    try:
        raw = base64.b64decode(str(signature_b64), validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 64:
        return False
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- Reading the package ----------------------------------------------------------------------------------


def read_package(where: Path) -> dict[str, bytes]:
    """Every file of the package by its path inside it (a zip, or the folder it was unpacked into)."""
    if where.is_dir():
        files = {}
        for path in sorted(where.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[path.relative_to(where).as_posix()] = path.read_bytes()
        return files
    with zipfile.ZipFile(io.BytesIO(where.read_bytes())) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}


def statement_of(text: Any, fmt: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict) or value.get("format") != fmt:
        raise ValueError(fmt)
    return value


def check_manifest(files: dict[str, bytes], server: ec.EllipticCurvePublicKey, report: Report) -> dict[str, Any]:
    manifest_bytes = files.get("MANIFEST.json", b"")
    manifest = json.loads(manifest_bytes)
    signed = verifies(server, files.get("MANIFEST.sig", b"").decode(errors="replace").strip(), manifest_bytes)
    report.say("manifest_sig" if signed else "manifest_sig_bad", signed)
    listed: dict[str, str] = manifest.get("files", {})
    good = 0
    for path, want in sorted(listed.items()):
        if path not in files:
            report.say("file_missing", False, path=path)
        elif sha256(files[path]) != want:
            report.say("file_changed", False, path=path, got=sha256(files[path])[:16] + "…", want=want[:16] + "…")
        else:
            good += 1
    for path in sorted(set(files) - set(listed) - {"MANIFEST.json", "MANIFEST.sig"}):
        report.say("file_extra", False, path=path)
    if good == len(listed):
        report.say("file_ok", n=good)
    return manifest


def check_device(
    device: dict[str, Any], officer: int, server: ec.EllipticCurvePublicKey, report: Report
) -> ec.EllipticCurvePublicKey | None:
    try:
        key = load_public(device["public_key"])
        problems = []
        if sha256(der_of(key)) != device["key_id"]:
            problems.append(report.why("key_id"))
        statement = statement_of(device["statement"], "cityops-device/1")
        if (
            not verifies(key, device["statement_signature"], device["statement"].encode())
            or statement.get("public_key") != device["public_key"]
            or statement.get("officer") != officer
        ):
            problems.append(report.why("sig"))
        record = statement_of(device["record"], "cityops-device-record/1")
        if not verifies(server, device["record_signature"], device["record"].encode()):
            problems.append(report.why("sig"))
        if (
            record.get("key_id") != device["key_id"]
            or record.get("officer") != officer
            or record.get("statement_sha256") != sha256(device["statement"].encode())
        ):
            problems.append(report.why("record"))
    except (KeyError, ValueError, TypeError) as exc:
        report.say("device_bad", False, indent=1, why=report.why("missing", what=str(exc)))
        return None
    if problems:
        report.say("device_bad", False, indent=1, why="; ".join(problems))
        return None
    report.say(
        "device_ok",
        indent=1,
        key=device["key_id"][:16],
        officer=record.get("username", officer),
        label=device.get("label") or "-",
        at=record.get("registered_at", "?"),
    )
    if device.get("revoked_at"):
        report.say("device_revoked", indent=1, at=device["revoked_at"])
    return key


def check_visit(uuid: str, files: dict[str, bytes], server: ec.EllipticCurvePublicKey, report: Report) -> None:
    base = f"visits/{uuid}/"
    report.say("visit", uuid=uuid)
    seal = json.loads(files[base + "seal.json"])
    state = seal.get("state")
    document = files.get(base + "document.json")
    signed: dict[str, Any] = {}
    if state == "signed":
        key = check_device(seal.get("device") or {}, seal.get("officer"), server, report)
        if document is None:
            report.say("doc_bad", False, indent=1, why=report.why("missing", what="document.json"))
        else:
            try:
                signed = json.loads(document)
                problems = []
                if canonical_json(signed) != document:
                    problems.append(report.why("not_canonical"))
                if signed.get("format") != "cityops-visit/1":
                    problems.append(report.why("format", format="cityops-visit/1"))
                if str(signed.get("uuid")) != uuid:
                    problems.append(report.why("uuid", got=signed.get("uuid"), want=uuid))
                if key is None or not verifies(key, seal.get("device_signature"), document):
                    problems.append(report.why("sig"))
            except (ValueError, AttributeError):
                problems = [report.why("not_canonical")]
            if problems:
                report.say("doc_bad", False, indent=1, why="; ".join(problems))
            else:
                report.say("doc_ok", indent=1, size=len(document), key=seal["device"]["key_id"][:16])
    else:
        report.say("unknown_device" if state == "unknown_device" else "unsigned", indent=1)

    counter = seal.get("countersignature") or {}
    try:
        statement = statement_of(counter.get("statement", ""), "cityops-countersignature/1")
        problems = []
        if not verifies(server, counter.get("signature"), counter["statement"].encode()):
            problems.append(report.why("sig"))
        if statement.get("visit") != uuid:
            problems.append(report.why("uuid", got=statement.get("visit"), want=uuid))
        if document is not None and statement.get("document_sha256") != sha256(document):
            problems.append(
                report.why(
                    "digest", got=sha256(document)[:16] + "…", want=str(statement.get("document_sha256"))[:16] + "…"
                )
            )
        if statement.get("device_signature") != seal.get("device_signature", "") or statement.get(
            "device_key"
        ) != seal.get("key_id", ""):
            problems.append(report.why("device_sig"))
    except (ValueError, KeyError):
        problems = [report.why("format", format="cityops-countersignature/1")]
    if problems:
        report.say("counter_bad", False, indent=1, why="; ".join(problems))
    else:
        report.say("counter_ok", indent=1, at=statement.get("arrived_at"))

    declared = {p.get("index"): p.get("sha256") for p in signed.get("photos", []) if isinstance(p, dict)}
    for photo in seal.get("photos", []):
        check_photo(uuid, photo, declared, files, base, server, report)
    check_audit(seal.get("audit", []), counter.get("signature"), report)


def check_photo(
    uuid: str,
    photo: dict[str, Any],
    declared: dict[Any, Any],
    files: dict[str, bytes],
    base: str,
    server: ec.EllipticCurvePublicKey,
    report: Report,
) -> None:
    index = photo.get("index")
    if declared and declared.get(index) != photo.get("original_sha256"):
        report.say(
            "photo_bad",
            False,
            indent=1,
            index=index,
            why=report.why("original", got=photo.get("original_sha256"), want=declared.get(index)),
        )
        return
    if not photo.get("file"):
        report.say("photo_absent", indent=1, index=index, state=photo.get("state", "?"))
        return
    receipt = photo.get("receipt") or {}
    try:
        statement = statement_of(receipt.get("statement", ""), "cityops-photo-receipt/1")
    except ValueError:
        report.say(
            "photo_bad", False, indent=1, index=index, why=report.why("format", format="cityops-photo-receipt/1")
        )
        return
    data = files.get(base + photo["file"])
    problems = []
    if not verifies(server, receipt.get("signature"), receipt["statement"].encode()):
        problems.append(report.why("receipt"))
    if statement.get("visit") != uuid or statement.get("index") != index:
        problems.append(report.why("uuid", got=f"{statement.get('visit')}#{statement.get('index')}", want=uuid))
    if statement.get("original_sha256") != photo.get("original_sha256"):
        problems.append(report.why("original", got=statement.get("original_sha256"), want=photo.get("original_sha256")))
    if data is None:
        problems.append(report.why("missing", what=photo["file"]))
    elif sha256(data) != statement.get("stored_sha256"):
        problems.append(
            report.why("stored", got=sha256(data)[:16] + "…", want=str(statement.get("stored_sha256"))[:16] + "…")
        )
    if problems:
        report.say("photo_bad", False, indent=1, index=index, why="; ".join(problems))
    else:
        report.say("photo_ok", indent=1, index=index, original=str(photo.get("original_sha256"))[:16] + "…")


def entry_hash(entry: dict[str, Any]) -> str:
    """The audit chain's hash of one entry (CityOps apps/core/audit.py `entry_hash`)."""
    body = json.dumps(
        [
            entry["seq"],
            entry["created_at"],
            entry["actor_id"],
            entry["actor_name"],
            entry["action"],
            entry["target_type_id"],
            entry["target_id"],
            entry["target_repr"],
            entry["data"],
            entry["prev_hash"],
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def check_audit(entries: list[dict[str, Any]], countersignature: Any, report: Report) -> None:
    problems_before = report.problems
    links = 0
    held = False
    previous: dict[str, Any] | None = None
    for entry in sorted(entries, key=lambda e: e.get("seq") or 0):
        if entry.get("seq") is None:
            report.say("audit_bad", False, indent=1, seq="-", why=report.why("unsealed"))
            continue
        if entry_hash(entry) != entry.get("hash"):
            report.say("audit_bad", False, indent=1, seq=entry["seq"], why=report.why("hash"))
        if previous is not None and entry["seq"] == previous["seq"] + 1:
            if entry["prev_hash"] != previous["hash"]:
                report.say("audit_bad", False, indent=1, seq=entry["seq"], why=report.why("link", seq=previous["seq"]))
            else:
                links += 1
        if (entry.get("data") or {}).get("countersignature") == countersignature and countersignature:
            held = True
        previous = entry
    if not held:
        report.say("audit_bad", False, indent=1, seq="-", why=report.why("no_record"))
    if report.problems == problems_before:
        report.say(
            "audit_ok",
            indent=1,
            n=len(entries),
            links=WORDS["audit_links"][report.lang].format(n=links) if links else "",
        )


def check_original(path: Path, files: dict[str, bytes], report: Report) -> None:
    """An original photo produced later (from the phone): the photo of a visit whose signed document names its
    SHA-256 — the server kept only a downscaled copy, so this is how the original is tied to the visit."""
    try:
        digest = sha256(path.read_bytes())
    except OSError as exc:
        report.say("unreadable", False, why=f"{path}: {exc.__class__.__name__}")
        return
    for name, data in sorted(files.items()):
        if name.startswith("visits/") and name.endswith("/document.json"):
            try:
                photos = json.loads(data).get("photos", [])
            except (ValueError, AttributeError):
                continue
            for photo in photos if isinstance(photos, list) else []:
                if isinstance(photo, dict) and photo.get("sha256") == digest:
                    report.say("original_ok", name=path.name, index=photo.get("index"), uuid=name.split("/")[1])
                    return
    report.say("original_bad", False, name=path.name, digest=digest[:16] + "…")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a CityOps field-evidence package.")
    parser.add_argument(
        "package",
        nargs="?",
        default=os.path.dirname(os.path.abspath(__file__)),
        help="the .zip, or the folder it was unpacked into (default: this file's folder)",
    )
    parser.add_argument("--server-key", help="a PEM file with the city's published server key")
    parser.add_argument(
        "--original",
        action="append",
        default=[],
        metavar="FILE",
        help="a photo's original file (from the phone): which signed photo it is",
    )
    parser.add_argument(
        "--lang", choices=["en", "zh"], default="zh" if os.environ.get("LANG", "").startswith("zh") else "en"
    )
    args = parser.parse_args(argv)
    report = Report(args.lang)
    try:
        files = read_package(Path(args.package))
        packaged = serialization.load_pem_public_key(files["server-key.pem"])
        server = serialization.load_pem_public_key(Path(args.server_key).read_bytes()) if args.server_key else packaged
        if not isinstance(server, ec.EllipticCurvePublicKey) or not isinstance(packaged, ec.EllipticCurvePublicKey):
            raise ValueError("the server key is not an ECDSA key")
        json.loads(files["MANIFEST.json"])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        print(WORDS["unreadable"][report.lang].format(why=f"{exc.__class__.__name__}: {exc}"))
        return 2
    fingerprint = sha256(der_of(server))
    report.say("server_key_given" if args.server_key else "server_key", key=fingerprint)
    if sha256(der_of(packaged)) != fingerprint:
        report.say("server_key_other", False, package=sha256(der_of(packaged)), given=fingerprint)
    manifest = check_manifest(files, server, report)
    if manifest.get("format") != PACKAGE_FORMAT:
        report.say("unreadable", False, why=report.why("format", format=PACKAGE_FORMAT))
    visits = sorted({path.split("/")[1] for path in files if path.startswith("visits/") and path.count("/") >= 2})
    for uuid in visits:
        try:
            check_visit(uuid, files, server, report)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            report.say("visit", False, uuid=f"{uuid}: {report.why('missing', what=str(exc))}")
    for name in args.original:
        check_original(Path(name), files, report)
    if report.problems:
        report.say("result_bad", False, n=report.problems)
        report.problems -= 1
        return 1
    report.say("result_ok", n=len(visits))
    return 0


if __name__ == "__main__":
    sys.exit(main())
