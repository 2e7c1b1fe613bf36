"""TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second steps, 6 digits, as every authenticator app uses.

Pure functions; the device model, replay protection and audit live in `apps.accounts.services`.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# Codes of the previous and next step are accepted too: clocks drift and people type slowly.
DRIFT_STEPS = 1


def secret_generate() -> str:
    """A new shared secret: 160 random bits in base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def hotp(secret: str, counter: int) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.digest(key, counter.to_bytes(8, "big"), "sha1")
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def time_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def totp_now(secret: str, at: float | None = None) -> str:
    return hotp(secret, time_step(at))


def matching_step(secret: str, code: str, *, after_step: int, at: float | None = None) -> int | None:
    """The time step whose code `code` is (now ± DRIFT_STEPS, later than `after_step`), or None.

    Steps at or before `after_step` (the last one used) are never matched: a code works once.
    """
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdecimal():  # not isdigit: "²" is a digit but no decimal
        return None
    # Decimal digits of any script as ASCII: full-width digits from a Chinese input method are the same code,
    # and compare_digest refuses non-ASCII text (a TypeError, the sign-in page's 500).
    code = "".join(str(int(c)) for c in code)
    now = time_step(at)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(hotp(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no script, no external resources)."""
    import segno

    return segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff")
