"""ECDSA P-256 keys and signatures as the phone's WebCrypto makes them, and the server's own key.

- A public key travels as base64 of its DER SubjectPublicKeyInfo (WebCrypto's "spki" export); its id is the
  SHA-256 of those bytes in hex (what the officer and the inspector compare).
- A signature is ECDSA with SHA-256 over the exact bytes, written as WebCrypto writes it: r ‖ s, 32 bytes
  each (IEEE P1363), in base64. `cryptography` takes DER, so it is converted both ways here.
- The server's key countersigns: from the PEM file `CITYOPS_EVIDENCE_KEY_FILE` names (production, every host
  the same key), or generated once into the data dir (`evidence-key.pem`, mode 0600).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from django.conf import settings

ALGORITHM = "ES256"  # ECDSA, P-256, SHA-256, as JWS names it
_CURVE_BYTES = 32


class BadKey(ValueError):
    """Not an ECDSA P-256 public key in base64 DER (SubjectPublicKeyInfo)."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, *, size: int | None = None) -> bytes:
    """Strict base64 (padding included); ValueError otherwise, or when `size` bytes were expected."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("not base64") from None
    if size is not None and len(data) != size:
        raise ValueError(f"{len(data)} bytes, not {size}")
    return data


def public_key_load(spki_b64: str) -> ec.EllipticCurvePublicKey:
    """The key, given as WebCrypto exports it: uncompressed point, DER. Another encoding of the same key
    (a compressed point) is refused, so one key has one fingerprint."""
    try:
        given = unb64(spki_b64)
        key = serialization.load_der_public_key(given)
    except ValueError:
        raise BadKey("not a public key in base64 DER (SubjectPublicKeyInfo)") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise BadKey("not an ECDSA P-256 key")
    if key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != given:
        raise BadKey("not in the uncompressed DER encoding WebCrypto exports")
    return key


def key_id(spki_b64: str) -> str:
    """The key's fingerprint: SHA-256 of its DER bytes, hex."""
    return hashlib.sha256(unb64(spki_b64)).hexdigest()


def key_short(fingerprint: str) -> str:
    """A key's fingerprint as people read and compare it: its first 16 hex digits in groups of four."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, 16, 4))


def signature_valid(key: ec.EllipticCurvePublicKey, signature_b64: str, data: bytes) -> bool:
    try:
        raw = unb64(signature_b64, size=2 * _CURVE_BYTES)
    except ValueError:
        return False
    r = int.from_bytes(raw[:_CURVE_BYTES], "big")
    s = int.from_bytes(raw[_CURVE_BYTES:], "big")
    try:
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # of P-256


def sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> str:
    """The server's signatures are in low-s form (s ≤ n/2), so each has exactly one valid encoding: the
    inspector's check can refuse the other, (r, n − s), which verifies too."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    s = min(s, _ORDER - s)
    return b64(r.to_bytes(_CURVE_BYTES, "big") + s.to_bytes(_CURVE_BYTES, "big"))


def public_key_b64(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> str:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return b64(public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def public_key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


# --- The server's key -----------------------------------------------------------------------------------


def server_key_path() -> Path:
    named = getattr(settings, "CITYOPS_EVIDENCE_KEY_FILE", "")
    return Path(named) if named else Path(settings.DATA_DIR) / "evidence-key.pem"


@cache
def server_key() -> ec.EllipticCurvePrivateKey:
    """The server's countersigning key: read from its file, which is made on first use when it is the data
    dir's (created exclusively, so two processes starting at once keep one key)."""
    path = server_key_path()
    if not path.exists() and not getattr(settings, "CITYOPS_EVIDENCE_KEY_FILE", ""):
        fresh = ec.generate_private_key(ec.SECP256R1())
        pem = fresh.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    return server_key_read(path)


def server_key_read(path: Path) -> ec.EllipticCurvePrivateKey:
    """The private key in a PEM file; ValueError in one sentence when it is not an unencrypted P-256 key."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: not a readable, unencrypted PEM private key ({exc.__class__.__name__})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError(f"{path}: not an ECDSA P-256 key")
    return key


def server_key_id() -> str:
    return key_id(public_key_b64(server_key()))
