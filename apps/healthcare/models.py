"""Health facilities and their capacity snapshots. Aggregates only: no patient-level data is taken, stored or
shown anywhere in this app — a snapshot is counts of beds, waiting people and visits, never a person."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.i18n import localized
from apps.core.models import BaseModel


class Facility(BaseModel):
    class Kind(models.TextChoices):
        TERTIARY = "tertiary", _("Tertiary hospital")
        SECONDARY = "secondary", _("Secondary hospital")
        COMMUNITY = "community", _("Community health center")
        CLINIC = "clinic", _("Clinic")

    code = models.CharField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("Left empty, the district containing the location."),
    )  # fmt: skip
    address = models.CharField(_("address"), max_length=200, blank=True)
    beds = models.PositiveIntegerField(_("staffed beds"))
    icu_beds = models.PositiveIntegerField(_("ICU beds"), default=0)
    emergency = models.BooleanField(_("emergency department"), default=False)
    fever_clinic = models.BooleanField(_("fever clinic"), default=False)
    source = models.ForeignKey(
        "indicators.DataSource", verbose_name=_("data source"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("health facility")
        verbose_name_plural = _("health facilities")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(icu_beds__lte=F("beds")), name="facility_icu_within_beds")]

    def __str__(self) -> str:
        return f"{self.code} {localized(self)}"


class CapacitySnapshot(models.Model):
    """A facility's state at `observed_at`. `fever_clinic_visits` counts the visits of the local day so far
    (it restarts at midnight), so a late, repeated or missing snapshot never double-counts or loses a day."""

    scope_region = "facility__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    facility = models.ForeignKey(
        Facility, verbose_name=_("health facility"), on_delete=models.CASCADE, related_name="snapshots"
    )
    observed_at = models.DateTimeField(_("observed at"))
    beds_occupied = models.PositiveIntegerField(_("beds occupied"))
    icu_occupied = models.PositiveIntegerField(_("ICU beds occupied"), null=True, blank=True)
    er_waiting = models.PositiveIntegerField(_("waiting in the emergency room"), null=True, blank=True)
    er_wait_minutes = models.PositiveIntegerField(_("emergency wait (minutes)"), null=True, blank=True)
    fever_clinic_visits = models.PositiveIntegerField(_("fever clinic visits"), null=True, blank=True)

    class Meta:
        verbose_name = _("capacity snapshot")
        verbose_name_plural = _("capacity snapshots")
        constraints = [models.UniqueConstraint(fields=["facility", "observed_at"], name="capacitysnapshot_unique")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.observed_at:%Y-%m-%d %H:%M}"


class FeverDay(models.Model):
    """Fever-clinic visits of one facility on one local day: the day's last cumulative count, kept up to date
    by the feed's tick. What the surveillance reads (a few rows per facility and day, not every snapshot)."""

    scope_region = "facility__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    facility = models.ForeignKey(
        Facility, verbose_name=_("health facility"), on_delete=models.CASCADE, related_name="fever_days"
    )
    day = models.DateField(_("day"))
    visits = models.PositiveIntegerField(_("visits"))

    class Meta:
        verbose_name = _("fever-clinic day")
        verbose_name_plural = _("fever-clinic days")
        constraints = [models.UniqueConstraint(fields=["facility", "day"], name="feverday_unique")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.day} {self.visits}"
