"""Monitoring stations and their hourly means: air (six pollutants) and noise (Leq)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel


class Station(BaseModel):
    class Kind(models.TextChoices):
        AIR = "air", _("Air quality")
        NOISE = "noise", _("Noise")

    class Zone(models.TextChoices):
        """Acoustic functional zones of GB 3096-2008."""

        ZONE_0 = "0", _("Zone 0: convalescence")
        ZONE_1 = "1", _("Zone 1: residential, education, offices")
        ZONE_2 = "2", _("Zone 2: mixed residential and commercial")
        ZONE_3 = "3", _("Zone 3: industrial and storage")
        ZONE_4A = "4a", _("Zone 4a: along roads and waterways")
        ZONE_4B = "4b", _("Zone 4b: along railways")

    code = models.CharField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    operator = models.CharField(_("operator"), max_length=100, blank=True)
    source = models.ForeignKey(
        "indicators.DataSource", verbose_name=_("data source"), on_delete=models.PROTECT, related_name="+"
    )
    zone = models.CharField(_("functional zone"), max_length=2, choices=Zone.choices, blank=True)

    class Meta:
        verbose_name = _("monitoring station")
        verbose_name_plural = _("monitoring stations")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class AirReading(models.Model):
    """Hourly means at a station, `observed_at` the end of the hour (China µg/m³, CO mg/m³); any may be missing."""

    scope_region = "station__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    station = models.ForeignKey(
        Station, verbose_name=_("monitoring station"), on_delete=models.CASCADE, related_name="air_readings"
    )
    observed_at = models.DateTimeField(_("observed at"))
    pm25 = models.FloatField(_("PM2.5 (µg/m³)"), null=True, blank=True)
    pm10 = models.FloatField(_("PM10 (µg/m³)"), null=True, blank=True)
    so2 = models.FloatField(_("SO₂ (µg/m³)"), null=True, blank=True)
    no2 = models.FloatField(_("NO₂ (µg/m³)"), null=True, blank=True)
    o3 = models.FloatField(_("O₃ (µg/m³)"), null=True, blank=True)
    co = models.FloatField(_("CO (mg/m³)"), null=True, blank=True)

    class Meta:
        verbose_name = _("air reading")
        verbose_name_plural = _("air readings")
        constraints = [models.UniqueConstraint(fields=["station", "observed_at"], name="airreading_unique")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.observed_at:%Y-%m-%d %H:%M}"


class NoiseReading(models.Model):
    """Equivalent continuous sound level Leq over the hour ending at `observed_at`, dB(A)."""

    scope_region = "station__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    station = models.ForeignKey(
        Station, verbose_name=_("monitoring station"), on_delete=models.CASCADE, related_name="noise_readings"
    )
    observed_at = models.DateTimeField(_("observed at"))
    leq = models.FloatField(_("equivalent sound level Leq (dB(A))"))

    class Meta:
        verbose_name = _("noise reading")
        verbose_name_plural = _("noise readings")
        constraints = [models.UniqueConstraint(fields=["station", "observed_at"], name="noisereading_unique")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.observed_at:%Y-%m-%d %H:%M} {self.leq} dB(A)"
