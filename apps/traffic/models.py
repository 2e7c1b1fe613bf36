from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.i18n import localized
from apps.core.models import BaseModel


class RoadSegment(BaseModel):
    """A stretch of road between two points where traffic is measured as one."""

    class RoadClass(models.TextChoices):
        EXPRESSWAY = "expressway", _("Expressway")
        ARTERIAL = "arterial", _("Arterial")
        COLLECTOR = "collector", _("Collector")
        LOCAL = "local", _("Local road")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    road_class = models.CharField(_("road class"), max_length=16, choices=RoadClass.choices)
    free_flow_kmh = models.FloatField(_("free-flow speed (km/h)"))
    geometry = models.JSONField(_("line (GeoJSON, WGS84)"))
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("road segment")
        verbose_name_plural = _("road segments")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(free_flow_kmh__gt=0), name="segment_free_flow_positive")
        ]

    def __str__(self) -> str:
        return localized(self)


class TrafficSensor(BaseModel):
    class Kind(models.TextChoices):
        LOOP = "loop", _("Induction loop")
        CAMERA = "camera", _("Camera")
        PROBE = "probe", _("Probe vehicles")

    code = models.CharField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    segment = models.ForeignKey(
        RoadSegment, verbose_name=_("road segment"), on_delete=models.PROTECT, related_name="sensors"
    )
    source = models.ForeignKey(
        "indicators.DataSource", verbose_name=_("data source"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("traffic sensor")
        verbose_name_plural = _("traffic sensors")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class TrafficReading(models.Model):
    """One sensor's measurement over its reporting interval. Raw rows: dashboards read rollups instead."""

    scope_region = "sensor__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    sensor = models.ForeignKey(
        TrafficSensor, verbose_name=_("traffic sensor"), on_delete=models.CASCADE, related_name="readings"
    )
    observed_at = models.DateTimeField(_("observed at"))
    speed_kmh = models.FloatField(_("speed (km/h)"))
    volume = models.PositiveIntegerField(_("volume (vehicles)"))
    occupancy = models.FloatField(_("occupancy (%)"))

    class Meta:
        verbose_name = _("traffic reading")
        verbose_name_plural = _("traffic readings")
        constraints = [
            # Idempotent ingest: a re-sent reading is the same row.
            models.UniqueConstraint(fields=["sensor", "observed_at"], name="trafficreading_unique"),
            models.CheckConstraint(condition=models.Q(speed_kmh__gte=0), name="trafficreading_speed_nonneg"),
            models.CheckConstraint(
                condition=models.Q(occupancy__gte=0, occupancy__lte=100), name="trafficreading_occupancy_pct"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.observed_at:%Y-%m-%d %H:%M} {self.speed_kmh} km/h"


class TrafficIncident(BaseModel):
    """A crash, breakdown, roadwork or obstruction: reported → confirmed → cleared (or dismissed)."""

    class Kind(models.TextChoices):
        CRASH = "crash", _("Crash")
        BREAKDOWN = "breakdown", _("Breakdown")
        ROADWORK = "roadwork", _("Roadwork")
        OBSTRUCTION = "obstruction", _("Obstruction")
        FLOODING = "flooding", _("Flooding")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        CONFIRMED = "confirmed", _("Confirmed")
        CLEARED = "cleared", _("Cleared")
        DISMISSED = "dismissed", _("Dismissed")

    class Source(models.TextChoices):
        CAMERA = "camera", _("Camera")
        PATROL = "patrol", _("Police patrol")
        CITIZEN = "citizen", _("Citizen report")
        FEED = "feed", _("Data feed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(_("severity (1–3)"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    segment = models.ForeignKey(
        RoadSegment,
        verbose_name=_("road segment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    # Sent for verification on site: the alert field officers answer with a verdict.
    verification_alert = models.OneToOneField(
        "indicators.Alert",
        verbose_name=_("verification alert"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="traffic_incident",
    )

    class Meta:
        verbose_name = _("traffic incident")
        verbose_name_plural = _("traffic incidents")
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["status", "reported_at"], name="incident_status_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(severity__gte=1, severity__lte=3), name="incident_severity_1_3")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reported_at:%Y-%m-%d %H:%M}"
