"""Field truth: assignments to go and look, the in-person visits that answer them, what was found, and the
authenticity flags a visit may carry until a supervisor has looked at it.

Nothing here counts visits or photos per person: what matters is what was found (verdicts) and whether the
visit can be trusted (flags), not how many there were.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from apps.core.fields import EncryptedTextField, PerceptualHashField
from apps.core.i18n import localized
from apps.core.models import BaseModel
from apps.core.photos import PHASH_BAND_MASK, PHASH_BAND_SHIFTS


class Assignment(BaseModel):
    class Kind(models.TextChoices):
        ALERT = "alert", _("verify an alert")
        GRIEVANCE = "grievance", _("check a citizen report")
        DISCREPANCY = "discrepancy", _("settle a discrepancy")
        RECHECK = "recheck", _("random re-check")
        RESOLUTION = "resolution", _("check a resolution")
        PLANNED = "planned", _("planned visit")

    class Status(models.TextChoices):
        OPEN = "open", _("to do")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    alert = models.ForeignKey(
        "indicators.Alert", verbose_name=_("alert"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    grievance = models.ForeignKey(
        "grievances.Grievance",
        verbose_name=_("grievance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recheck_of = models.ForeignKey(
        "Visit", verbose_name=_("recheck of visit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region = models.ForeignKey("regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("geofence radius (m)"), default=300)
    due_at = models.DateTimeField(_("due"))
    evidence = models.CharField(_("evidence needed"), max_length=300, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["due_at"]

    def __str__(self) -> str:
        # Read in lists and pickers (the visit admin's column): what it is and its title, in the reader's language.
        return gettext("assignment %(number)s: %(title)s") % {"number": self.pk, "title": localized(self, "title")}


class Visit(BaseModel):
    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for its photos")
        ACCEPTED = "accepted", _("accepted")
        REVIEW = "review", _("waiting for review")
        REJECTED = "rejected", _("rejected")

    uuid = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4,
                            help_text=_("Made by the device: a repeated upload finds the stored visit."))  # fmt: skip
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT,
                                related_name="+")  # fmt: skip
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started (device clock)"))
    ended_at = models.DateTimeField(_("ended (device clock)"))
    sent_at = models.DateTimeField(_("sent (device clock)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received (server clock)"), auto_now_add=True)
    checkin_lon = models.FloatField(_("check-in longitude"))
    checkin_lat = models.FloatField(_("check-in latitude"))
    checkin_accuracy_m = models.FloatField(_("check-in accuracy (m)"))
    checkout_lon = models.FloatField(_("check-out longitude"), null=True, blank=True)
    checkout_lat = models.FloatField(_("check-out latitude"), null=True, blank=True)
    checkout_accuracy_m = models.FloatField(_("check-out accuracy (m)"), null=True, blank=True)
    people = models.JSONField(
        _("people met"), default=list, blank=True, help_text=_('[{"kind": "residents", "count": 3}]')
    )
    people_contact = EncryptedTextField(_("contact of people met (only where needed)"), blank=True)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    follow_up = models.TextField(_("follow-up actions"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_reason = models.CharField(_("review reason"), max_length=500, blank=True)
    checked_at = models.DateTimeField(
        _("presence checks made at"), null=True, blank=True,
        help_text=_("The checks run after the visit is stored; until then the visit waits."),
    )  # fmt: skip
    personal_data_erased_at = models.DateTimeField(
        _("personal data erased at"), null=True, blank=True,
        help_text=_("After the retention period contacts and photos are erased, notes masked, positions coarsened "
                    "to about 100 m."),
    )  # fmt: skip

    class Meta:
        verbose_name = pgettext_lazy("field visit", "visit")
        verbose_name_plural = pgettext_lazy("field visit", "visits")
        ordering = ["-started_at"]
        permissions = [("review_visit", _("Can review flagged visits"))]

    def __str__(self) -> str:
        started = timezone.localtime(self.started_at) if self.started_at else None
        return gettext("visit %(number)s on %(started)s") % {
            "number": self.pk,
            "started": f"{started:%Y-%m-%d %H:%M}" if started else "–",
        }


def _phash_band(band: int) -> models.GeneratedField:
    """One 16-bit slice of the perceptual hash (apps/core/photos.py), kept by the database itself."""
    shifted = models.F("phash").bitrightshift(PHASH_BAND_SHIFTS[band])
    return models.GeneratedField(
        expression=shifted.bitand(PHASH_BAND_MASK),
        output_field=models.IntegerField(),
        db_persist=True,
        verbose_name=_("perceptual hash band"),
    )


class VisitPhoto(models.Model):
    """A photo the visit declared (its index, the SHA-256 of the original bytes, its name on the device) and,
    once bytes matching that hash arrived on their own upload, a copy stored without metadata with what the
    original said: EXIF time and place, perceptual hash, size. A visit waits until all its photos arrived."""

    scope_region = "visit__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    visit = models.ForeignKey(Visit, verbose_name=_("field visit"), on_delete=models.CASCADE, related_name="photos")
    index = models.PositiveSmallIntegerField(_("index in the visit"))
    name = models.CharField(_("name on the device"), max_length=200, blank=True)
    sha256 = models.CharField(
        _("SHA-256 of the original"),
        max_length=64,
        blank=True,
        help_text=_("Declared by the device; the bytes received must match it."),
    )
    size = models.PositiveIntegerField(_("size of the original (bytes)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    key = models.CharField(_("file key"), max_length=32, unique=True)
    image = models.FileField(_("image"), upload_to="visits/", blank=True)
    phash = PerceptualHashField(_("perceptual hash"))
    phash_band0 = _phash_band(0)
    phash_band1 = _phash_band(1)
    phash_band2 = _phash_band(2)
    phash_band3 = _phash_band(3)
    exif_taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    exif_lon = models.FloatField(_("longitude (EXIF)"), null=True, blank=True)
    exif_lat = models.FloatField(_("latitude (EXIF)"), null=True, blank=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit", "index"]
        constraints = [
            # one photo per place in the visit: a repeated upload finds the stored one
            models.UniqueConstraint(fields=["visit", "index"], name="fieldwork_visitphoto_one_per_index"),
        ]
        indexes = [
            # a reuse check finds its candidates by band: a near-duplicate's hash is (nearly) equal in at least one
            models.Index(fields=["phash_band0"], name="fieldwork_photo_phash_band0"),
            models.Index(fields=["phash_band1"], name="fieldwork_photo_phash_band1"),
            models.Index(fields=["phash_band2"], name="fieldwork_photo_phash_band2"),
            models.Index(fields=["phash_band3"], name="fieldwork_photo_phash_band3"),
        ]

    def __str__(self) -> str:
        return self.key


class Finding(models.Model):
    scope_region = "visit__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    class Verdict(models.TextChoices):
        CONFIRMED = "confirmed", pgettext_lazy("field verdict", "confirmed")
        CONTRADICTED = "contradicted", pgettext_lazy("field verdict", "contradicted")
        PARTLY = "partly", pgettext_lazy("field verdict", "partly")
        COULD_NOT_VERIFY = "could_not_verify", pgettext_lazy("field verdict", "could not verify")

    visit = models.ForeignKey(Visit, verbose_name=_("field visit"), on_delete=models.CASCADE, related_name="findings")
    alert = models.ForeignKey(
        "indicators.Alert", verbose_name=_("alert"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    grievance = models.ForeignKey(
        "grievances.Grievance",
        verbose_name=_("grievance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    indicator = models.CharField(_("indicator"), max_length=64, blank=True)
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    observed_value = models.FloatField(_("observed value"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    applied = models.BooleanField(
        _("applied"), default=False, help_text=_("Passed on to the alert or report (once accepted).")
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.visit_id} {self.verdict}"


class Flag(models.Model):
    """One authenticity concern about a visit, with its evidence; the visit waits for review while it has any."""

    scope_region = "visit__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    class Code(models.TextChoices):
        OUTSIDE_GEOFENCE = "outside_geofence", _("check-in outside the target area")
        SHORT_STAY = "short_stay", _("implausibly short stay")
        PHOTO_REUSED = "photo_reused", _("photo near-duplicate of an earlier one")
        PHOTO_EXIF_MISMATCH = "photo_exif_mismatch", _("photo taken at another time or place")
        NOTES_COPIED = "notes_copied", _("notes near-duplicate of earlier notes")
        IMPOSSIBLE_TRAVEL = "impossible_travel", _("impossible travel from the previous visit")
        CLOCK_SKEW = "clock_skew", _("device clock far from server clock")
        UNSIGNED_DEVICE = "unsigned_device", _("signed on a device not registered")
        UNSIGNED = "unsigned", _("not signed, where signing is required")

    visit = models.ForeignKey(Visit, verbose_name=_("field visit"), on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(_("code"), max_length=24, choices=Code.choices)
    evidence = models.JSONField(_("evidence"), default=dict)

    class Meta:
        verbose_name = _("authenticity flag")
        verbose_name_plural = _("authenticity flags")

    def __str__(self) -> str:
        return self.code
