"""The signing parts of what phones send, parsed into frozen values before a service sees them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.core.errors import ApplicationError
from apps.core.serializers import TextField
from apps.evidence.canonical import NotCanonical, canonical_json
from apps.evidence.keys import ALGORITHM, BadKey, public_key_load, unb64

VISIT_FORMAT = "cityops-visit/1"
# The largest signed visit: notes, follow-up and 50 findings' comments at their limits fit with room to spare.
MAX_DOCUMENT_BYTES = 256 * 1024
# Keys of the visit upload that are not signed: the signature itself, the time of this try (set anew on every
# retry), and the contact of people met (personal data, kept out of every evidence package).
UNSIGNED_KEYS = frozenset({"signature", "sent_at", "people_contact"})


@dataclass(frozen=True)
class SignedVisit:
    key_id: str
    signature: str  # base64 of r ‖ s
    document: bytes  # the canonical JSON of the signed part of the upload


@dataclass(frozen=True)
class DeviceRegistration:
    public_key: str  # base64 DER SubjectPublicKeyInfo
    label: str
    created_at: str  # the phone's clock, as it signed it
    signature: str


def _refused(message: str) -> ApplicationError:
    return ApplicationError(_("the visit's signature was not accepted"), fields={"signature": [message]})


def signed_visit_parse(data: object) -> SignedVisit | None:
    """The visit's signature and the document it signs, or None for a visit sent without one. Raises
    ApplicationError (field `signature`) for a signature that is not one: a malformed object, another algorithm,
    a document that is not canonical JSON or does not say it is a visit."""
    if not isinstance(data, Mapping) or data.get("signature") in (None, "", {}):
        return None
    given = data["signature"]
    if not isinstance(given, Mapping):
        raise _refused(_('an object {"alg", "key", "value"}'))
    if given.get("alg") != ALGORITHM:
        raise _refused(_("alg must be %(alg)s") % {"alg": ALGORITHM})
    key = given.get("key")
    if not isinstance(key, str) or len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        raise _refused(_("key is the key's fingerprint: 64 lower-case hexadecimal digits"))
    value = given.get("value")
    try:
        if not isinstance(value, str):
            raise ValueError("not text")
        unb64(value, size=64)
    except ValueError:
        raise _refused(_("value is the signature: base64 of 64 bytes")) from None
    if data.get("format") != VISIT_FORMAT:
        raise _refused(_("a signed visit says format %(format)s") % {"format": VISIT_FORMAT})
    try:
        document = canonical_json({k: v for k, v in data.items() if k not in UNSIGNED_KEYS})
    except (NotCanonical, RecursionError, OverflowError):
        raise _refused(_("the visit cannot be written as canonical JSON")) from None
    if len(document) > MAX_DOCUMENT_BYTES:
        raise _refused(_("a signed visit is at most %(n)s kB") % {"n": MAX_DOCUMENT_BYTES // 1024})
    return SignedVisit(key_id=key, signature=value, document=document)


def signed_as_parsed(signed: SignedVisit | None, uuid: object, photos: Sequence[tuple[int, str]]) -> None:
    """The signed document says what the visit says, in the form the app writes: its UUID as stored (lower
    case, dashes) and each photo's index (a number) and SHA-256 (lower case). Another spelling the parser
    accepts would be stored as its normal form, and the package would then not match what was signed.
    Raises ApplicationError (field `signature`)."""
    if signed is None:
        return
    document = json.loads(signed.document)
    declared = [(p.get("index"), p.get("sha256")) for p in document.get("photos") or [] if isinstance(p, Mapping)]
    if (
        document.get("uuid") != str(uuid)
        or declared != [(i, h) for i, h in photos]
        or any(isinstance(i, bool) for i, _h in declared)
    ):
        raise _refused(
            _(
                "a signed visit writes its uuid in lower case with dashes, and each photo's index as a number and "
                "its sha256 in lower case, as the app does"
            )
        )


class DeviceRegistrationSerializer(serializers.Serializer):
    """A phone registers the public half of its signing key, proving it holds the private half by signing
    `cityops-device/1` (officer, public_key, label, created_at: see apps/evidence/services.py)."""

    public_key = serializers.CharField(
        max_length=400, help_text="ECDSA P-256 public key, base64 DER (WebCrypto 'spki')"
    )
    label = TextField(max_length=120, required=False, allow_blank=True, help_text="what the phone is, as it says")  # type: ignore[assignment]  # the serializer field "label", not Field.label
    created_at = serializers.CharField(max_length=40, help_text="the phone's clock when it signed, ISO 8601")
    signature = serializers.CharField(max_length=100, help_text="ES256 signature (r ‖ s, base64) of the statement")

    def validate_public_key(self, value: str) -> str:
        try:
            public_key_load(value)
        except BadKey:
            raise serializers.ValidationError(_("an ECDSA P-256 public key, base64 of its DER encoding")) from None
        return value

    def validate_signature(self, value: str) -> str:
        try:
            unb64(value, size=64)
        except ValueError:
            raise serializers.ValidationError(_("base64 of 64 bytes")) from None
        return value

    def validate(self, attrs: dict[str, Any]) -> DeviceRegistration:
        return DeviceRegistration(
            public_key=attrs["public_key"],
            label=attrs.get("label", ""),
            created_at=attrs["created_at"],
            signature=attrs["signature"],
        )


def device_registration_parse(data: object) -> DeviceRegistration:
    if not isinstance(data, Mapping):
        raise ApplicationError(_("send a JSON object"), fields={"body": [_("not an object")]})
    serializer = DeviceRegistrationSerializer(data=data)
    if not serializer.is_valid():
        raise ApplicationError(
            _("the phone could not be registered"),
            fields={name: [str(detail[0])] for name, detail in serializer.errors.items()},
        )
    registration: DeviceRegistration = serializer.validated_data
    return registration
