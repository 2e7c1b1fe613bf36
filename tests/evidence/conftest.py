"""A phone as the field app is one, in Python: an ECDSA P-256 key, registration signed with it, visits signed as
canonical JSON (r ‖ s in base64, as WebCrypto signs)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from apps.evidence.canonical import canonical_json
from tests.conftest import PASSWORD
from tests.fieldwork.conftest import declared, photo, visit_data
from tests.fieldwork.test_photos import media, put  # noqa: F401  (the media fixture)

UNSIGNED = ("signature", "sent_at", "people_contact")


@dataclass
class Phone:
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    label: str = "Android 14 · Chrome"

    @property
    def public_key(self) -> str:
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()

    @property
    def key_id(self) -> str:
        import hashlib

        return hashlib.sha256(base64.b64decode(self.public_key)).hexdigest()

    def sign(self, data: bytes) -> str:
        r, s = decode_dss_signature(self.key.sign(data, ec.ECDSA(hashes.SHA256())))
        return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()

    def registration(self, officer_id: int, created_at: str = "2026-12-01T09:00:00+08:00") -> dict[str, Any]:
        statement = canonical_json({"format": "cityops-device/1", "officer": officer_id, "public_key": self.public_key,
                                    "label": self.label, "created_at": created_at})  # fmt: skip
        return {"public_key": self.public_key, "label": self.label, "created_at": created_at,
                "signature": self.sign(statement)}  # fmt: skip

    def signed(self, body: dict[str, Any]) -> dict[str, Any]:
        body = {**body, "format": "cityops-visit/1"}
        document = canonical_json({k: v for k, v in body.items() if k not in UNSIGNED})
        return {**body, "signature": {"alg": "ES256", "key": self.key_id, "value": self.sign(document)}}


def register(client: Any, phone: Phone, officer: Any) -> Any:
    return client.post("/api/v1/evidence/devices", data=json.dumps(phone.registration(officer.pk)),
                       content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip


def post_visit(client: Any, body: dict[str, Any]) -> Any:
    body = {**body, "sent_at": datetime.now().astimezone().isoformat()}
    return client.post("/api/v1/fieldwork/visits", data=json.dumps(body), content_type="application/json",
                       HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip


@pytest.fixture
def signed_visit(client, cast, city, media):  # noqa: F811
    """A visit signed on the officer's registered phone, with two photos received."""
    from apps.fieldwork.models import Visit

    client.login(username="officer", password=PASSWORD)
    phone = Phone()
    register(client, phone, cast["officer"])
    contents = [photo(1), photo(2)]
    body = phone.signed(visit_data(notes="路灯不亮，已拍照", photos=declared(*contents)))
    assert post_visit(client, body).status_code == 201
    for index, content in enumerate(contents):
        assert put(client, body["uuid"], index, content).status_code in (200, 201)
    return Visit.objects.get(uuid=body["uuid"])
