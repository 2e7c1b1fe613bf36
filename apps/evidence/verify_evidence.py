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

Lines marked NOTE say what a package cannot prove by itself (an unsigned visit, a document erased after the
retention period, CityOps' decisions in record.json, audit entries between those in the package).

Exit status 0 when everything holds, 1 when anything fails (each failure named), 2 when the package cannot be
read. Get this file itself from the city, not from a package you were sent (a package could carry a verifier
that says anything), and compare its SHA-256 with the one the city publishes. The server key inside the package
proves only that the package is whole; compare its fingerprint (printed first) with the one the city publishes
(GET /api/v1/evidence/server-key), or give that key with --server-key.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
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
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
MAX_ENTRY_BYTES = 256 * 1024 * 1024  # no CityOps photo or document comes near; a hostile zip is refused
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
MAX_ENTRIES = 20_000

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
        "MANIFEST.json is not signed by the server key (changed, or another key), or MANIFEST.sig was changed",
        "MANIFEST.json 的服务器签名无效（已被改动或密钥不符），或 MANIFEST.sig 被改动",
    ),
    "file_ok": ("{n} files match the manifest", "{n} 个文件与清单一致"),
    "file_changed": (
        "{path}: changed (SHA-256 {got}, manifest says {want})",
        "{path}：已被改动（SHA-256 为 {got}，清单为 {want}）",
    ),
    "file_missing": ("{path}: listed in the manifest, missing", "{path}：清单中有，文件缺失"),
    "file_extra": ("{path}: not in the manifest (added)", "{path}：清单中没有（被添加）"),
    "visit": ("Visit {uuid}", "走访 {uuid}"),
    "about": (
        "what it says: {officer}, {start} to {end}; {findings}; notes: {notes}",
        "内容：{officer}，{start} 至 {end}；{findings}；记录：{notes}",
    ),
    "device_ok": (
        "device {key} of {officer} ({label}): registered {at}; the phone proved it holds the key, "
        "the server signed the registration",
        "设备 {key}（{officer}，{label}）：{at} 登记；手机证明持有私钥，服务器签署了登记记录",
    ),
    "device_revoked": (
        "device revoked on {at} (the server signed the revocation): visits signed before stay signed",
        "设备已于 {at} 吊销（服务器签署了吊销）：此前签名的走访仍然有效",
    ),
    "device_bad": ("device registration: {why}", "设备登记：{why}"),
    "doc_ok": (
        "signed on the phone: canonical JSON, {size} bytes, signature valid for device {key}",
        "手机签名：规范 JSON，{size} 字节，设备 {key} 的签名有效",
    ),
    "doc_bad": ("signed document: {why}", "签名文件：{why}"),
    "doc_erased": (
        "the signed document was erased on {at} with the visit's personal data (retention): its SHA-256 and the "
        "signatures remain, what it said cannot be checked",
        "签名文件已于 {at} 随走访个人信息按保存期限删除：其 SHA-256 和签名仍在，但内容无法核验",
    ),
    "unsigned": (
        "not signed on the phone: only its arrival is countersigned; what it said cannot be checked",
        "未在手机上签名：只有服务器的到达副署，内容无法核验",
    ),
    "unknown_device": (
        "signed on a device that was never registered: the signature cannot be tied to the officer",
        "由未登记的设备签名：无法确认属于该走访员",
    ),
    "counter_ok": (
        "countersigned by the server on arrival, {at}: {state}, officer {officer}",
        "服务器于 {at} 到达时副署：{state}，走访员 {officer}",
    ),
    "counter_bad": ("countersignature: {why}", "服务器副署：{why}"),
    "photo_ok": (
        "photo {index}: original SHA-256 {original} as signed; stored copy matches the server's receipt",
        "照片 {index}：原图 SHA-256 {original} 与签名一致；存储副本与服务器回执一致",
    ),
    "photo_unsigned_ok": (
        "photo {index}: original SHA-256 {original} as declared (not signed by a registered phone); stored copy "
        "matches the server's receipt",
        "照片 {index}：原图 SHA-256 {original} 与声明一致（未经已登记手机签名）；存储副本与服务器回执一致",
    ),
    "photo_bad": ("photo {index}: {why}", "照片 {index}：{why}"),
    "photo_absent": (
        "photo {index}: declared, not in this package ({state}): it cannot be checked",
        "照片 {index}：已声明，但不在本包中（{state}）：无法核验",
    ),
    "record_note": (
        "record.json (status, findings, flags as CityOps decided them) is covered only by this export's manifest, "
        "not by any signature made when the visit arrived",
        "record.json（系统作出的状态、结论、标记）只受本次导出清单保护，没有到达时的签名",
    ),
    "audit_ok": (
        "{n} audit entries: hashes recompute{links}; the record entry holds the countersignature",
        "{n} 条审计记录：哈希复算一致{links}；记录条目含服务器副署",
    ),
    "audit_links": (", {n} links between consecutive entries hold", "，{n} 处相邻条目链接一致"),
    "audit_note": (
        "entries between these are not in the package: the whole chain is checked in CityOps (verify_audit_log)",
        "包内没有这些条目之间的其他记录：完整的审计链需在本系统中核验（verify_audit_log）",
    ),
    "audit_bad": ("audit entry {seq}: {why}", "审计记录 {seq}：{why}"),
    "original_ok": (
        "{name}: the original of photo {index} of visit {uuid}, as the phone signed it",
        "{name}：即走访 {uuid} 第 {index} 张照片的原图，与手机签名一致",
    ),
    "original_declared": (
        "{name}: the photo {index} visit {uuid} declared (that visit is not signed by a registered phone)",
        "{name}：即走访 {uuid} 声明的第 {index} 张照片（该走访未经已登记手机签名）",
    ),
    "original_bad": (
        "{name}: SHA-256 {digest} is the original of no photo in this package",
        "{name}：SHA-256 {digest} 不是本包中任何照片的原图",
    ),
    "result_ok": ("ALL CHECKS PASSED: {n} visit(s)", "全部核验通过：{n} 次走访"),
    "result_own_key": (
        "checked against the package's own server key: it proves the package is whole, not that the city made "
        "it, until the fingerprint above matches the city's",
        "以上核验使用包内自带的服务器密钥：只能证明证据包完整，须核对上面的指纹与本市公布的一致，才能证明由本市出具",
    ),
    "result_bad": (
        "FAILED: {n} problem(s). This package was changed or is not whole: do not rely on it as evidence.",
        "核验失败：{n} 个问题。本证据包已被改动或不完整，不能作为证据采信。",
    ),
    "result_unsigned": (
        "{n} visit(s) were not signed on a registered phone: for those the package shows only what the server received",
        "其中 {n} 次走访未经已登记手机签名：对这些走访，本包只能证明服务器收到的内容",
    ),
    "bad_key_file": ("cannot read the server key file {name}: {why}", "无法读取服务器密钥文件 {name}：{why}"),
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
    "countersigned": (
        "{what} is {got} in the package, {want} as countersigned on arrival",
        "包内 {what} 为 {got}，到达时副署的是 {want}",
    ),
    "revoked_before": (
        "the device is said revoked on {revoked}, before the visit arrived ({arrived}): the server refuses such visits",
        "设备被记为 {revoked} 吊销，早于走访到达时间（{arrived}）：服务器不会接受这样的走访",
    ),
    "revocation": ("the revocation is not signed by the server", "吊销没有有效的服务器签名"),
    "receipt": ("receipt: signature does not verify", "回执签名无效"),
    "original": ("original SHA-256 {got} is not the one signed ({want})", "原图 SHA-256 {got} 与签名的 {want} 不符"),
    "stored": ("stored copy's SHA-256 {got}, the receipt says {want}", "存储副本 SHA-256 为 {got}，回执为 {want}"),
    "hash": ("hash does not recompute (changed after it was sealed)", "哈希复算不一致（封存后被改动）"),
    "link": ("does not follow entry {seq}", "未接续记录 {seq}"),
    "no_record": ("no record entry holding the countersignature", "没有含服务器副署的记录条目"),
    "unsealed": ("not yet sealed into the chain when exported", "导出时尚未封存入链"),
    "missing": ("{what} missing or malformed", "{what} 缺失或格式错误"),
    "too_big": ("{what} is larger than any evidence package holds", "{what} 超出证据包的合理大小"),
}

STATES = {
    "signed": ("signed on a registered phone", "已登记手机签名"),
    "unknown_device": ("signed on an unregistered device", "未登记设备签名"),
    "unsigned": ("not signed", "未签名"),
}


def printable(text: str) -> str:
    """What a package names, made safe for a terminal: control characters (escape sequences could redraw
    or hide lines) shown as \\x.. codes."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


class Report:
    def __init__(self, lang: str) -> None:
        self.lang = 1 if lang == "zh" else 0
        self.problems = 0
        self.unsigned = 0
        self.zone: Any = None  # the city's time zone, from the manifest

    def when(self, iso: Any) -> str:
        """A server time (ISO 8601, UTC) on the city's clock: "2026-12-08 01:55:31 (Asia/Shanghai)"."""
        try:
            from datetime import datetime
            from zoneinfo import ZoneInfo

            moment = datetime.fromisoformat(str(iso))
            if self.zone and moment.tzinfo is not None:
                moment = moment.astimezone(ZoneInfo(self.zone))
                return f"{moment:%Y-%m-%d %H:%M:%S} ({self.zone})"
            return f"{moment:%Y-%m-%d %H:%M:%S %z}".strip()
        except (ValueError, TypeError, KeyError, OSError, ImportError):
            return str(iso)

    def say(self, word: str, ok: bool | None = True, indent: int = 0, **values: Any) -> None:
        """A line: OK, FAIL (counted), NOTE (ok=None: what the package cannot prove by itself), or a heading
        (word "visit")."""
        text = WORDS[word][self.lang].format(**{k: printable(str(v)) for k, v in values.items()})
        mark = "" if word == "visit" and ok else "NOTE " if ok is None else "OK   " if ok else "FAIL "
        print(f"{'  ' * indent}{mark}{text}")
        if ok is False:
            self.problems += 1

    def why(self, word: str, **values: Any) -> str:
        return WHY[word][self.lang].format(**{k: printable(str(v)) for k, v in values.items()})

    def state(self, state: Any) -> str:
        return STATES.get(str(state), (str(state), str(state)))[self.lang]


# --- Canonical JSON (RFC 8785): what the phone signs; CityOps' server uses this same code (canonical.py) ---


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
    elif isinstance(value, list | tuple):
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


def verifies(key: ec.EllipticCurvePublicKey, signature_b64: Any, data: bytes, *, low_s: bool = False) -> bool:
    """ECDSA over `data`; `low_s`: only the one encoding the server writes (s ≤ n/2) counts."""
    try:
        raw = base64.b64decode(str(signature_b64), validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 64:
        return False
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    if low_s and s > P256_ORDER // 2:
        return False
    try:
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- Reading the package ----------------------------------------------------------------------------------


class Unreadable(Exception):
    pass


def read_package(where: Path) -> dict[str, bytes]:
    """Every file of the package by its path inside it (a zip, or the folder it was unpacked into). Nothing is
    written to disk; entries larger than any package holds are refused before they are read."""
    if where.is_dir():
        files = {}
        for path in sorted(where.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                if path.stat().st_size > MAX_ENTRY_BYTES:
                    raise Unreadable(f"{path.name}: too large")
                files[path.relative_to(where).as_posix()] = path.read_bytes()
        return files
    with zipfile.ZipFile(where) as archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_ENTRIES or sum(i.file_size for i in entries) > MAX_TOTAL_BYTES:
            raise Unreadable("more files or bytes than any evidence package holds")
        files = {}
        for info in entries:
            if info.file_size > MAX_ENTRY_BYTES:
                raise Unreadable(f"{printable(info.filename)}: too large")
            with archive.open(info) as handle:
                data = handle.read(MAX_ENTRY_BYTES + 1)  # the size the zip claims could be a lie
            if len(data) > MAX_ENTRY_BYTES:
                raise Unreadable(f"{printable(info.filename)}: too large")
            files[info.filename] = data
        return files


def statement_of(text: Any, fmt: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict) or value.get("format") != fmt:
        raise ValueError(fmt)
    return value


def check_manifest(files: dict[str, bytes], server: ec.EllipticCurvePublicKey, report: Report) -> dict[str, Any]:
    manifest_bytes = files.get("MANIFEST.json", b"")
    manifest = json.loads(manifest_bytes)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise Unreadable("MANIFEST.json is not a manifest")
    signature = files.get("MANIFEST.sig", b"")
    text = signature[:-1].decode("ascii", "replace") if signature.endswith(b"\n") else ""
    signed = bool(text) and signature == text.encode("ascii") + b"\n"
    signed = signed and verifies(server, text, manifest_bytes, low_s=True)
    report.say("manifest_sig" if signed else "manifest_sig_bad", signed)
    listed: dict[str, Any] = manifest["files"]
    good = 0
    for path, want in sorted(listed.items()):
        if path not in files:
            report.say("file_missing", False, path=path)
        elif sha256(files[path]) != want:
            report.say("file_changed", False, path=path, got=sha256(files[path])[:16] + "…", want=str(want)[:16] + "…")
        else:
            good += 1
    for path in sorted(set(files) - set(listed) - {"MANIFEST.json", "MANIFEST.sig"}):
        report.say("file_extra", False, path=path)
    if good == len(listed):
        report.say("file_ok", n=good)
    return manifest


def check_device(
    device: dict[str, Any], officer: Any, arrived_at: Any, server: ec.EllipticCurvePublicKey, report: Report
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
        revoked_at = None
        if device.get("revocation") is not None or device.get("revoked_at") is not None:
            revocation = statement_of(device.get("revocation") or "{}", "cityops-device-revocation/1")
            if not verifies(server, device.get("revocation_signature"), device["revocation"].encode()) or (
                revocation.get("key_id") != device["key_id"]
            ):
                problems.append(report.why("revocation"))
            revoked_at = revocation.get("revoked_at")
            if isinstance(revoked_at, str) and isinstance(arrived_at, str) and revoked_at < arrived_at:
                problems.append(report.why("revoked_before", revoked=revoked_at, arrived=arrived_at))
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        report.say("device_bad", False, indent=1, why=report.why("missing", what=str(exc)))
        return None
    if problems:
        report.say("device_bad", False, indent=1, why="; ".join(problems))
        return None
    report.say("device_ok", indent=1, key=device["key_id"][:16], officer=record.get("username", officer),
               label=record.get("label") or "-", at=report.when(record.get("registered_at", "?")))  # fmt: skip
    if revoked_at:
        report.say("device_revoked", indent=1, at=report.when(revoked_at))
    return key


def check_visit(uuid: str, files: dict[str, bytes], server: ec.EllipticCurvePublicKey, report: Report) -> None:
    base = f"visits/{uuid}/"
    report.say("visit", uuid=uuid)
    seal = json.loads(files[base + "seal.json"])
    counter = seal.get("countersignature") or {}
    statement: dict[str, Any] = {}
    try:
        statement = statement_of(counter.get("statement", ""), "cityops-countersignature/1")
        problems = []
        if not verifies(server, counter.get("signature"), counter["statement"].encode()):
            problems.append(report.why("sig"))
        for what, got, want in (
            ("visit", uuid, statement.get("visit")),
            ("officer", seal.get("officer"), statement.get("officer")),
            ("state", seal.get("state"), statement.get("state")),
            ("key", seal.get("key_id", ""), statement.get("device_key")),
            ("device_signature", seal.get("device_signature", ""), statement.get("device_signature")),
        ):
            if got != want:
                problems.append(report.why("countersigned", what=what, got=str(got)[:24], want=str(want)[:24]))
    except (ValueError, KeyError, TypeError, AttributeError):
        problems = [report.why("format", format="cityops-countersignature/1")]
    # What the package says is the countersigned value: from here on the statement is what is believed.
    state, officer, arrived_at = statement.get("state"), statement.get("officer"), statement.get("arrived_at")
    document = files.get(base + "document.json")
    if document is not None and statement.get("document_sha256") != sha256(document):
        problems.append(report.why("digest", got=sha256(document)[:16] + "…",
                                   want=str(statement.get("document_sha256"))[:16] + "…"))  # fmt: skip
    if problems:
        report.say("counter_bad", False, indent=1, why="; ".join(problems))
    else:
        report.say("counter_ok", indent=1, at=report.when(arrived_at), state=report.state(state),
                   officer=statement.get("username") or officer)  # fmt: skip

    signed: dict[str, Any] = {}
    if state == "signed":
        device = seal.get("device") or {}
        key = check_device(device, officer, arrived_at, server, report)
        if key is not None and device.get("key_id") != statement.get("device_key"):
            report.say("device_bad", False, indent=1, why=report.why("countersigned", what="key",
                       got=str(device.get("key_id"))[:16], want=str(statement.get("device_key"))[:16]))  # fmt: skip
        if document is None and seal.get("document_erased_at"):
            report.say("doc_erased", None, indent=1, at=seal["document_erased_at"])
        elif document is None:
            report.say("doc_bad", False, indent=1, why=report.why("missing", what="document.json"))
        else:
            signed = check_document(uuid, document, key, seal, report)
    else:
        report.unsigned += 1
        report.say("unknown_device" if state == "unknown_device" else "unsigned", None, indent=1)
        if document is not None:
            try:
                loaded = json.loads(document)
                signed = loaded if isinstance(loaded, dict) else {}
            except ValueError:
                signed = {}
    if signed:
        about(signed, statement.get("username") or officer, report)
    declared = {p.get("index"): p.get("sha256") for p in signed.get("photos") or [] if isinstance(p, dict)}
    for photo in seal.get("photos", []):
        check_photo(uuid, photo, declared, state == "signed", files, base, server, report)
    check_audit(seal.get("audit", []), counter.get("signature"), report)
    if base + "record.json" in files:
        report.say("record_note", None, indent=1)


def about(signed: dict[str, Any], officer: Any, report: Report) -> None:
    """What the visit says, in one line: who (as countersigned), when, what was found, the notes' first words."""
    verdicts = [str(f.get("verdict")) for f in signed.get("findings") or [] if isinstance(f, dict)]
    findings = ", ".join(verdicts) if verdicts else ("no finding" if not report.lang else "无核实结论")
    notes = str(signed.get("notes") or "-").replace("\n", " ")
    report.say("about", None, indent=1, officer=officer, start=report.when(signed.get("started_at")),
               end=report.when(signed.get("ended_at")), findings=findings,
               notes=notes[:60] + ("…" if len(notes) > 60 else ""))  # fmt: skip


def check_document(uuid: str, document: bytes, key: Any, seal: dict[str, Any], report: Report) -> dict[str, Any]:
    problems = []
    signed: dict[str, Any] = {}
    try:
        loaded = json.loads(document)
        signed = loaded if isinstance(loaded, dict) else {}
        if canonical_json(loaded) != document:
            problems.append(report.why("not_canonical"))
        if signed.get("format") != "cityops-visit/1":
            problems.append(report.why("format", format="cityops-visit/1"))
        if str(signed.get("uuid")) != uuid:
            problems.append(report.why("uuid", got=signed.get("uuid"), want=uuid))
    except (ValueError, AttributeError, OverflowError, RecursionError):
        problems.append(report.why("not_canonical"))
    if key is None or not verifies(key, seal.get("device_signature"), document):
        problems.append(report.why("sig"))
    if problems:
        report.say("doc_bad", False, indent=1, why="; ".join(problems))
    else:
        report.say("doc_ok", indent=1, size=len(document), key=seal["device"]["key_id"][:16])
    return signed


def check_photo(
    uuid: str,
    photo: dict[str, Any],
    declared: dict[Any, Any],
    signed: bool,
    files: dict[str, bytes],
    base: str,
    server: ec.EllipticCurvePublicKey,
    report: Report,
) -> None:
    index = photo.get("index")
    if declared and declared.get(index) != photo.get("original_sha256"):
        report.say("photo_bad", False, indent=1, index=index,
                   why=report.why("original", got=photo.get("original_sha256"), want=declared.get(index)))  # fmt: skip
        return
    if not photo.get("file"):
        report.say("photo_absent", None, indent=1, index=index, state=photo.get("state", "?"))
        return
    receipt = photo.get("receipt") or {}
    try:
        statement = statement_of(receipt.get("statement", ""), "cityops-photo-receipt/1")
    except ValueError:
        report.say("photo_bad", False, indent=1, index=index,
                   why=report.why("format", format="cityops-photo-receipt/1"))  # fmt: skip
        return
    data = files.get(base + str(photo["file"]))
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
        problems.append(report.why("stored", got=sha256(data)[:16] + "…",
                                   want=str(statement.get("stored_sha256"))[:16] + "…"))  # fmt: skip
    if problems:
        report.say("photo_bad", False, indent=1, index=index, why="; ".join(problems))
    else:
        report.say("photo_ok" if signed else "photo_unsigned_ok", indent=1, index=index,
                   original=str(photo.get("original_sha256"))[:16] + "…")  # fmt: skip


def entry_hash(entry: dict[str, Any]) -> str:
    """The audit chain's hash of one entry (CityOps apps/core/audit.py `entry_hash`)."""
    body = json.dumps(
        [entry["seq"], entry["created_at"], entry["actor_id"], entry["actor_name"], entry["action"],
         entry["target_type_id"], entry["target_id"], entry["target_repr"], entry["data"], entry["prev_hash"]],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )  # fmt: skip
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
        report.say("audit_ok", indent=1, n=len(entries),
                   links=WORDS["audit_links"][report.lang].format(n=links) if links else "")  # fmt: skip
        report.say("audit_note", None, indent=1)


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
            uuid = name.split("/")[1]
            try:
                document = json.loads(data)
                state = json.loads(json.loads(files[f"visits/{uuid}/seal.json"])["countersignature"]["statement"])
            except (ValueError, KeyError, TypeError, RecursionError):
                continue
            photos = document.get("photos", []) if isinstance(document, dict) else []
            for photo in photos if isinstance(photos, list) else []:
                if isinstance(photo, dict) and photo.get("sha256") == digest:
                    word = "original_ok" if state.get("state") == "signed" else "original_declared"
                    report.say(word, name=path.name, index=photo.get("index"), uuid=uuid)
                    return
    report.say("original_bad", False, name=path.name, digest=digest[:16] + "…")


def load_key_file(path: Path) -> Any:
    """The city's server key: a PEM file, or the JSON GET /api/v1/evidence/server-key answers (saved as is)."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"{"):
        data = str(json.loads(data).get("public_key_pem", "")).encode()
    if b"BEGIN PUBLIC KEY" not in data:
        raise ValueError("neither a PEM public key nor the JSON of /api/v1/evidence/server-key")
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("not an ECDSA key")
    return key


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
    given = None
    if args.server_key:
        try:
            given = load_key_file(Path(args.server_key))
        except (OSError, ValueError, TypeError) as exc:
            print(WORDS["bad_key_file"][report.lang].format(name=printable(args.server_key),
                                                           why=printable(str(exc))[:200]))  # fmt: skip
            return 2
    try:
        files = read_package(Path(args.package))
        packaged = serialization.load_pem_public_key(files["server-key.pem"])
        server = given or packaged
        if not isinstance(server, ec.EllipticCurvePublicKey) or not isinstance(packaged, ec.EllipticCurvePublicKey):
            raise ValueError("the server key is not an ECDSA key")
        fingerprint = sha256(der_of(server))
        report.say("server_key_given" if args.server_key else "server_key", key=fingerprint)
        if sha256(der_of(packaged)) != fingerprint:
            report.say("server_key_other", False, package=sha256(der_of(packaged)), given=fingerprint)
        manifest = check_manifest(files, server, report)
    except (OSError, KeyError, ValueError, TypeError, RecursionError, MemoryError, Unreadable,
            zipfile.BadZipFile, zipfile.LargeZipFile) as exc:  # fmt: skip
        print(WORDS["unreadable"][report.lang].format(why=printable(f"{exc.__class__.__name__}: {exc}")[:300]))
        return 2
    report.zone = manifest.get("time_zone") if isinstance(manifest.get("time_zone"), str) else None
    if manifest.get("format") != PACKAGE_FORMAT:
        report.say("unreadable", False, why=report.why("format", format=PACKAGE_FORMAT))
    visits = sorted({path.split("/")[1] for path in files if path.startswith("visits/") and path.count("/") >= 2})
    for uuid in visits:
        try:
            check_visit(uuid, files, server, report)
        except (KeyError, ValueError, TypeError, AttributeError, RecursionError, OverflowError) as exc:
            report.say("visit", False, uuid=f"{uuid}: {report.why('missing', what=exc.__class__.__name__)}")
    for name in args.original:
        check_original(Path(name), files, report)
    if report.problems:
        report.say("result_bad", False, n=report.problems)
        return 1
    report.say("result_ok", n=len(visits))
    if report.unsigned:
        report.say("result_unsigned", None, n=report.unsigned)
    if not args.server_key:
        report.say("result_own_key", None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
