"""Signed field evidence: the officers' devices and their keys, and each visit's seal — what the phone signed,
its signature, and the server's countersignature on arrival — with a receipt for each photo.

What a signature proves, and what it does not, is in README "Signed field evidence".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.fields import EncryptedTextField
from apps.core.models import BaseModel
from apps.evidence.keys import key_short


class Device(BaseModel):
    """One phone of one officer: the public half of the ECDSA P-256 key its field app made (the private half
    never leaves the phone's WebCrypto store). Revoked when the phone is lost; visits it signed before stay
    signed, and say since when the device is revoked."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="+"
    )
    key_id = models.CharField(
        _("key fingerprint"), max_length=64, unique=True, help_text=_("SHA-256 of the public key (DER), hex.")
    )
    public_key = models.TextField(_("public key"), help_text=_("ECDSA P-256, base64 of its DER encoding."))
    label = models.CharField(_("device"), max_length=120, blank=True, help_text=_("As the phone's browser names it."))
    # What the phone signed to register (proof that it holds the private key) and the server's signature on
    # the registration record: an inspector checks both without CityOps.
    statement = models.TextField(_("registration statement"))
    statement_signature = models.TextField(_("device's signature of the statement"))
    record = models.TextField(_("registration record"))
    record_signature = models.TextField(_("server's signature of the record"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    # The server's signed statement of the revocation (key, time): an inspector checks it, and that no visit it
    # countersigned arrived after it.
    revocation = models.TextField(_("revocation statement"), blank=True)
    revocation_signature = models.TextField(_("server's signature of the revocation"), blank=True)

    class Meta:
        verbose_name = _("signing device")
        verbose_name_plural = _("signing devices")
        ordering = ["-created_at"]
        permissions = [("revoke_device", _("Can revoke officers' signing devices"))]

    def __str__(self) -> str:
        return gettext("%(label)s of %(officer)s (%(key)s)") % {
            "label": self.label or gettext("a phone"),
            "officer": self.officer.get_username(),
            "key": self.short_id,
        }

    @property
    def short_id(self) -> str:
        """The fingerprint as people read it: its first 16 hex digits in groups of four."""
        return key_short(self.key_id)


class VisitSeal(models.Model):
    """What a visit's signature says, decided once on arrival."""

    scope_region = "visit__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    class State(models.TextChoices):
        SIGNED = "signed", _("signed on a registered device")
        UNKNOWN_DEVICE = "unknown_device", _("signed on a device not registered")
        UNSIGNED = "unsigned", _("not signed")

    visit = models.OneToOneField(
        "fieldwork.Visit", verbose_name=_("field visit"), on_delete=models.CASCADE, related_name="seal"
    )
    state = models.CharField(_("signature"), max_length=16, choices=State.choices)
    device = models.ForeignKey(
        Device, verbose_name=_("device"), null=True, blank=True, on_delete=models.PROTECT, related_name="seals"
    )
    key_id = models.CharField(_("key fingerprint"), max_length=64, blank=True)
    # The canonical JSON the phone signed (apps/evidence/canonical.py), kept byte for byte: the stored visit's
    # fields are cleaned and typed, so they cannot give these bytes back. Erased with the visit's personal data.
    document = EncryptedTextField(_("signed document"), blank=True)
    document_sha256 = models.CharField(_("SHA-256 of the signed document"), max_length=64, blank=True)
    device_signature = models.TextField(_("device signature"), blank=True)
    arrived_at = models.DateTimeField(_("arrived at (server clock)"))
    countersignature_statement = models.TextField(_("countersigned statement"))
    countersignature = models.TextField(_("server countersignature"))
    document_erased_at = models.DateTimeField(_("signed document erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("visit seal")
        verbose_name_plural = _("visit seals")

    def __str__(self) -> str:
        return f"{self.visit_id} {self.state}"


class PhotoSeal(models.Model):
    """The server's receipt for one photo: the SHA-256 of the original the phone signed and of the copy stored
    (downscaled, without metadata), countersigned when the photo arrived — so an exported copy can be checked,
    and the original too if it is ever produced."""

    scope_region = "photo__visit__region"

    photo = models.OneToOneField(
        "fieldwork.VisitPhoto", verbose_name=_("visit photo"), on_delete=models.CASCADE, related_name="seal"
    )
    stored_sha256 = models.CharField(_("SHA-256 of the stored copy"), max_length=64)
    statement = models.TextField(_("receipt statement"))
    signature = models.TextField(_("server signature"))

    class Meta:
        verbose_name = _("photo receipt")
        verbose_name_plural = _("photo receipts")

    def __str__(self) -> str:
        return self.stored_sha256[:12]
