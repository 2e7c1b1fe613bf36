"""The demo city's simulated officers sign their visits too, so `make run` shows signed visits on the review page
and packages that verify. Their phones' keys are derived from SECRET_KEY and the officer (the same key after a
restart, nothing stored); a real phone's key is made by its browser and never leaves it."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import timezone

from apps.evidence.canonical import canonical_json
from apps.evidence.inputs import UNSIGNED_KEYS, VISIT_FORMAT, DeviceRegistration, SignedVisit
from apps.evidence.keys import key_id, public_key_b64, sign
from apps.evidence.models import Device
from apps.evidence.services import device_register, device_statement

LABEL = "模拟手机（演示）"  # as a phone in the demo city names itself
_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # of P-256


def demo_phone_key(officer: Any) -> ec.EllipticCurvePrivateKey:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"demo-phone:{officer.pk}".encode(), hashlib.sha256).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (_ORDER - 1) + 1, ec.SECP256R1())


def demo_signed(officer: Any, body: dict[str, Any]) -> SignedVisit:
    """The visit body (as the field app would send it) signed on the officer's simulated phone, registered on
    first use as a phone registers."""
    key = demo_phone_key(officer)
    public = public_key_b64(key)
    if not Device.objects.filter(key_id=key_id(public)).exists():
        registration = DeviceRegistration(public, LABEL, timezone.now().isoformat(), "")
        statement = device_statement(officer_id=officer.pk, registration=registration)
        device_register(officer=officer, registration=DeviceRegistration(
            public, LABEL, registration.created_at, sign(key, statement)))  # fmt: skip
    document = canonical_json({k: v for k, v in {**body, "format": VISIT_FORMAT}.items() if k not in UNSIGNED_KEYS})
    return SignedVisit(key_id=key_id(public), signature=sign(key, document), document=document)
