"""Devices register their keys, visits arrive signed and are countersigned, photos get receipts.

Formats (each a canonical JSON object, apps/evidence/canonical.py, with its `format` first thing an inspector
reads):
- `cityops-device/1` — what the phone signs to register: officer, public key, label, the phone's time.
- `cityops-device-record/1` — the server's record of a registration, signed by the server.
- `cityops-visit/1` — the visit as the phone sent it, without `signature`, `sent_at` (set anew on each try) and
  `people_contact` (personal data: it is not part of the evidence and never leaves CityOps in a package).
- `cityops-countersignature/1` — the server's statement on arrival: the visit's UUID, the SHA-256 of the signed
  document, the device's key and signature, and the arrival time, signed by the server.
- `cityops-photo-receipt/1` — for each photo on arrival: the SHA-256 of the original (which the visit declared
  and the device signed) and of the copy stored, signed by the server.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.services import user_sessions_end
from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.evidence.canonical import canonical_json
from apps.evidence.inputs import DeviceRegistration, SignedVisit
from apps.evidence.keys import key_id as key_id_of
from apps.evidence.keys import public_key_load, server_key, server_key_id, sign, signature_valid
from apps.evidence.models import Device, PhotoSeal, VisitSeal

DEVICE_FORMAT = "cityops-device/1"
RECORD_FORMAT = "cityops-device-record/1"
COUNTERSIGN_FORMAT = "cityops-countersignature/1"
RECEIPT_FORMAT = "cityops-photo-receipt/1"
REVOCATION_FORMAT = "cityops-device-revocation/1"
MAX_DEVICES = 10  # unrevoked phones per officer: a work phone, a spare, a new one while the old is handed in


def _server_signed(statement: dict[str, Any]) -> tuple[str, str]:
    """The statement as canonical text, and the server's signature of its bytes."""
    text = canonical_json({**statement, "server_key": server_key_id()})
    return text.decode("utf-8"), sign(server_key(), text)


def signing_required() -> bool:
    return getattr(settings, "CITYOPS_FIELD_SIGNING", "preferred") == "required"


# --- Devices --------------------------------------------------------------------------------------------


def device_statement(*, officer_id: int, registration: DeviceRegistration) -> bytes:
    return canonical_json(
        {
            "format": DEVICE_FORMAT,
            "officer": officer_id,
            "public_key": registration.public_key,
            "label": registration.label,
            "created_at": registration.created_at,
        }
    )


def device_register(*, officer: Any, registration: DeviceRegistration) -> tuple[Device, bool]:
    """Register the public key of the officer's phone, proven by the phone's signature of `cityops-device/1`.
    The same key again gives the stored device (`created` False). Raises ApplicationError, storing nothing, when
    the signature does not prove the key, or the key is another officer's or was revoked."""
    key = public_key_load(registration.public_key)  # parsed already: cannot fail here
    statement = device_statement(officer_id=officer.pk, registration=registration)
    if not signature_valid(key, registration.signature, statement):
        raise ApplicationError(
            _("the phone's signature does not prove this key"),
            fields={"signature": [_("not a signature of the registration by this key")]},
        )
    fingerprint = key_id_of(registration.public_key)
    existing = Device.objects.filter(key_id=fingerprint).first()
    if existing is not None:
        return _device_again(existing, officer), False
    if Device.objects.filter(officer=officer, revoked_at__isnull=True).count() >= MAX_DEVICES:
        raise ApplicationError(
            _("at most %(n)s phones sign for one officer: ask a supervisor to revoke one you no longer use")
            % {"n": MAX_DEVICES},
            fields={"public_key": [_("too many phones")]},
        )
    now = timezone.now()
    record, record_signature = _server_signed(
        {
            "format": RECORD_FORMAT,
            "officer": officer.pk,
            "username": officer.get_username(),
            "key_id": fingerprint,
            "public_key": registration.public_key,
            "label": registration.label,
            "statement_sha256": hashlib.sha256(statement).hexdigest(),
            "registered_at": now.isoformat(),
        }
    )
    try:
        with transaction.atomic():
            device = Device.objects.create(
                officer=officer,
                key_id=fingerprint,
                public_key=registration.public_key,
                label=registration.label,
                statement=statement.decode("utf-8"),
                statement_signature=registration.signature,
                record=record,
                record_signature=record_signature,
            )
            Device.objects.filter(pk=device.pk).update(created_at=now)
            device.created_at = now
            log_action(device, "evidence.device.register", user=officer,
                       data={"key_id": fingerprint, "label": registration.label})  # fmt: skip
    except IntegrityError:  # the same registration on two connections at once: the first one won
        return _device_again(Device.objects.get(key_id=fingerprint), officer), False
    return device, True


def _device_again(device: Device, officer: Any) -> Device:
    if device.officer_id != officer.pk:
        raise ApplicationError(
            _("this key is registered to another officer"), fields={"public_key": [_("another officer's key")]}
        )
    if device.revoked_at is not None:
        raise ApplicationError(
            _("this phone's key was revoked: the app makes a new one"),
            fields={"public_key": [_("revoked on %(date)s") % {"date": _day(device.revoked_at)}]},
        )
    return device


def device_revoke(*, device: Device, user: Any, reason: str) -> Device:
    """A lost or handed-on phone: its key signs nothing from now on, and the officer is signed out everywhere
    (after the commit), so whoever holds the phone cannot register a new key with the session it still has —
    the officer signs in again on the phone they use now. Visits it signed before stay signed, and say since
    when the device is revoked. Audited; revoking again changes nothing."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("say why the device is revoked"), fields={"reason": [_("required")]})
    with transaction.atomic():
        locked = Device.objects.select_for_update().get(pk=device.pk)
        if locked.revoked_at is None:
            locked.revoked_at, locked.revoked_by, locked.revoked_reason = timezone.now(), user, reason[:300]
            locked.revocation, locked.revocation_signature = _server_signed(
                {
                    "format": REVOCATION_FORMAT,
                    "key_id": locked.key_id,
                    "officer": locked.officer_id,
                    "revoked_at": locked.revoked_at.isoformat(),
                    "revoked_by": user.get_username() if user is not None else "",
                }
            )
            locked.save(
                update_fields=["revoked_at", "revoked_by", "revoked_reason", "revocation", "revocation_signature",
                               "updated_at"]
            )  # fmt: skip
            log_action(locked, "evidence.device.revoke", user=user, data={"key_id": locked.key_id})
            officer = locked.officer
            transaction.on_commit(lambda: user_sessions_end(user=officer))
    return locked


def _day(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d")  # never 12/08 (August or December?)


# --- Visits ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealCheck:
    """What the arrival check decided; stored with the visit by `seal_store`."""

    state: str
    device: Device | None = None
    key_id: str = ""
    document: bytes = b""
    signature: str = ""


def seal_check(*, officer: Any, signed: SignedVisit | None) -> SealCheck:
    """Check a visit's signature against the officer's registered, unrevoked key. Unsigned and signed on an
    unknown key are accepted (and flagged, see apps/fieldwork presence checks); anything else that fails is
    refused: ApplicationError on the field `signature`, naming why."""
    if signed is None:
        return SealCheck(VisitSeal.State.UNSIGNED)
    device = Device.objects.filter(key_id=signed.key_id).first()
    if device is None:
        return SealCheck(VisitSeal.State.UNKNOWN_DEVICE, None, signed.key_id, signed.document, signed.signature)

    def refuse(why: str) -> ApplicationError:
        return ApplicationError(_("the visit's signature was not accepted"), fields={"signature": [why]})

    if device.officer_id != officer.pk:
        raise refuse(_("signed on a phone registered to another officer"))
    if device.revoked_at is not None:
        raise refuse(
            _("this phone's key was revoked on %(date)s: register the phone again and save the visit again")
            % {"date": _day(device.revoked_at)}
        )
    if not signature_valid(public_key_load(device.public_key), signed.signature, signed.document):
        raise refuse(_("the signature does not match this visit: it was changed after signing, or signed for another"))
    return SealCheck(VisitSeal.State.SIGNED, device, device.key_id, signed.document, signed.signature)


def seal_store(*, visit: Any, check: SealCheck, arrived_at: datetime) -> VisitSeal:
    """The seal of a visit just stored (inside its transaction): what was signed, and the server's
    countersignature of the document's hash, the device's signature and the arrival time."""
    digest = hashlib.sha256(check.document).hexdigest() if check.document else ""
    statement, countersignature = _server_signed(
        {
            "format": COUNTERSIGN_FORMAT,
            "visit": str(visit.uuid),
            "officer": visit.officer_id,
            "username": visit.officer.get_username(),
            "state": check.state,
            "device_key": check.key_id,
            "document_sha256": digest,
            "device_signature": check.signature,
            "arrived_at": arrived_at.isoformat(),
        }
    )
    return VisitSeal.objects.create(
        visit=visit,
        state=check.state,
        device=check.device,
        key_id=check.key_id,
        document=check.document.decode("utf-8"),
        document_sha256=digest,
        device_signature=check.signature,
        arrived_at=arrived_at,
        countersignature_statement=statement,
        countersignature=countersignature,
    )


def seal_audit_data(visit: Any) -> dict[str, Any]:
    """What the visit's audit entry keeps of its seal: the countersignature goes into the hash chain."""
    seal = VisitSeal.objects.filter(visit=visit).first()
    if seal is None:
        return {}
    return {
        "signature": seal.state,
        "device_key": seal.key_id,
        "document_sha256": seal.document_sha256,
        "countersignature": seal.countersignature,
        "countersigned_statement_sha256": hashlib.sha256(seal.countersignature_statement.encode()).hexdigest(),
    }


def seal_flags(visit: Any) -> list[tuple[str, dict[str, Any]]]:
    """Flags for a supervisor (codes of apps.fieldwork Flag): a visit signed by a key nobody registered, and,
    where a deployment requires signing, a visit not signed at all."""
    seal = VisitSeal.objects.filter(visit=visit).first()
    if seal is None:
        return []
    if seal.state == VisitSeal.State.UNKNOWN_DEVICE:
        return [("unsigned_device", {"key": seal.key_id})]
    if seal.state == VisitSeal.State.UNSIGNED and signing_required():
        return [("unsigned", {})]
    return []


def photo_seal_store(*, photo: Any, stored: bytes) -> PhotoSeal:
    """The receipt of a photo just stored (inside its transaction)."""
    digest = hashlib.sha256(stored).hexdigest()
    statement, signature = _server_signed(
        {
            "format": RECEIPT_FORMAT,
            "visit": str(photo.visit.uuid),
            "index": photo.index,
            "original_sha256": photo.sha256,
            "stored_sha256": digest,
            "received_at": photo.received_at.isoformat(),
        }
    )
    return PhotoSeal.objects.create(photo=photo, stored_sha256=digest, statement=statement, signature=signature)


def seals_erase_documents(cutoff: datetime) -> int:
    """With a visit's personal data (its retention), the signed document goes: it holds the notes as typed. The
    seal keeps the document's hash and both signatures, so what was signed can still be matched by anyone who
    holds a copy. Registered as a retention; returns how many were erased."""
    erased = VisitSeal.objects.filter(visit__personal_data_erased_at__isnull=False, document_erased_at__isnull=True)
    return erased.exclude(document_sha256="").update(document="", document_erased_at=timezone.now())
