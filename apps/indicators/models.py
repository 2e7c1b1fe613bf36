from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.i18n import localized
from apps.core.models import BaseModel


class Granularity(models.TextChoices):
    MINUTE = "minute", _("minute")
    HOUR = "hour", _("hour")
    DAY = "day", _("day")


class IndicatorValue(models.Model):
    """One indicator in one region over one time bucket: the rollup that dashboards and APIs read."""

    indicator = models.CharField(_("indicator"), max_length=64)
    region = models.ForeignKey("regions.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+")
    granularity = models.CharField(_("granularity"), max_length=8, choices=Granularity.choices)
    bucket_start = models.DateTimeField(_("bucket start"))
    count = models.PositiveIntegerField(_("observations"))
    sum = models.FloatField(_("sum"))
    min = models.FloatField(_("minimum"))
    max = models.FloatField(_("maximum"))
    last_value = models.FloatField(_("last value"))
    last_at = models.DateTimeField(_("last observed at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            # The upsert key; also serves "series of one indicator in one region" in time order.
            models.UniqueConstraint(
                fields=["indicator", "region", "granularity", "bucket_start"], name="indicatorvalue_bucket_unique"
            ),
            models.CheckConstraint(condition=models.Q(count__gte=1), name="indicatorvalue_count_positive"),
        ]
        indexes = [
            # "Latest bucket of an indicator for every region" (maps, the wall).
            models.Index(fields=["indicator", "granularity", "bucket_start"], name="indicatorvalue_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_id} {self.granularity} {self.bucket_start:%Y-%m-%d %H:%M}"

    @property
    def mean(self) -> float:
        return self.sum / self.count

    def value_for(self, indicator: Any) -> float:
        """The bucket's value by the indicator's aggregation (mean, sum, max or last)."""
        return {"sum": self.sum, "max": self.max, "last": self.last_value}.get(indicator.aggregation, self.mean)


class PendingRollup(models.Model):
    """A leaf minute bucket that received observations and whose parents' minutes are due (the live tick).

    A queue in the database, so it commits with the observations and survives restarts.
    """

    indicator = models.CharField(_("indicator"), max_length=64)
    region = models.ForeignKey("regions.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField(_("minute"))

    class Meta:
        verbose_name = _("pending rollup")
        verbose_name_plural = _("pending rollups")
        constraints = [models.UniqueConstraint(fields=["indicator", "region", "minute"], name="pendingrollup_unique")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_id} {self.minute:%H:%M}"


class PendingHistoryRollup(models.Model):
    """A leaf (indicator, region, hour) whose minutes changed since its hour and day buckets, and its ancestors',
    were derived. The live tick queues it; indicator_history_run takes it every few seconds, off the tick."""

    indicator = models.CharField(_("indicator"), max_length=64)
    region = models.ForeignKey("regions.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField(_("hour"))

    class Meta:
        verbose_name = _("pending history rollup")
        verbose_name_plural = _("pending history rollups")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "region", "hour"], name="pendinghistoryrollup_unique")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_id} {self.hour:%Y-%m-%d %H:00}"


class Alert(BaseModel):
    """Something that needs a person's attention: a threshold breach, a failing data source, an overdue
    grievance, a disagreement between sources. At most one unresolved alert per subject."""

    class Kind(models.TextChoices):
        THRESHOLD = "threshold", _("Threshold breach")
        DATA_SOURCE = "data_source", _("Data source failure")
        GRIEVANCE_OVERDUE = "grievance_overdue", _("Grievance overdue")
        DISCREPANCY = "discrepancy", _("Sources disagree")
        INCIDENT = "incident", _("Reported incident")
        CONTEST = "contest", _("Citizens contest a figure")

    class Severity(models.TextChoices):
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        VERIFICATION_REQUESTED = "verification_requested", _("Sent for verification")
        CONFIRMED = "confirmed", _("Confirmed on site")
        CONTRADICTED = "contradicted", _("Contradicted on site")
        COULD_NOT_VERIFY = "could_not_verify", _("Could not verify")
        RESOLVED = "resolved", _("Resolved")

    class Verdict(models.TextChoices):
        """What was found on site, as it was found: `status` says confirmed for partly too (the lifecycle's
        callers read it so), the verdict keeps the difference."""

        CONFIRMED = "confirmed", _("Confirmed on site")
        PARTLY = "partly", _("Partly confirmed on site")
        CONTRADICTED = "contradicted", _("Contradicted on site")
        COULD_NOT_VERIFY = "could_not_verify", _("Could not verify")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    indicator = models.CharField(_("indicator"), max_length=64, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the alert is about within its kind, e.g. a sensor or data-source code; "" for a region's indicator.
    subject = models.CharField(_("subject"), max_length=100, blank=True)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=32, choices=Status.choices, default=Status.OPEN)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    value = models.FloatField(_("value"), null=True, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    last_breach_at = models.DateTimeField(_("last breach at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verification_requested_at = models.DateTimeField(_("sent for verification at"), null=True, blank=True)
    verification_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verification requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verdict = models.CharField(_("verdict on site"), max_length=32, choices=Verdict.choices, blank=True)
    # The topmost unresolved alert of the same kind, indicator and subject on an ancestor region: the wall shows
    # that one, listing this one inside it (see inhibition.py).
    inhibited_by = models.ForeignKey(
        "self",
        verbose_name=_("inhibited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inhibits",
    )
    due_at = models.DateTimeField(
        _("due"), null=True, blank=True, help_text=_("When its deadline policy wants it dealt with (none: no policy).")
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-opened_at", "-id"]
        permissions = [
            ("acknowledge_alert", _("Can acknowledge alerts")),
            ("dispatch_alert", _("Can send alerts for verification on site")),
            ("resolve_alert", _("Can resolve alerts")),
            ("view_wall", _("Can watch the command wall")),
        ]
        constraints = [
            # At most one unresolved alert per subject: repeated breaches update it.
            models.UniqueConstraint(
                fields=["kind", "indicator", "region", "subject"],
                condition=~models.Q(status="resolved"),
                name="alert_one_unresolved_per_subject",
            ),
        ]
        indexes = [
            # The feeds: unresolved alerts, newest first, per region.
            models.Index(fields=["status", "opened_at"], name="alert_status_idx"),
            models.Index(fields=["region", "status"], name="alert_region_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localized(self, "title")


class DataSource(BaseModel):
    """A feed that sends readings (a department's sensor network, a vendor's API)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    domain = models.CharField(_("domain"), max_length=32)
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL
    )
    expected_interval_s = models.PositiveIntegerField(_("expected seconds between readings"), default=60)
    flatline_after_s = models.PositiveIntegerField(_("flat-lined after (seconds of identical values)"), default=1800)

    class Meta:
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")
        ordering = ["domain", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self)


class SourceSensor(BaseModel):
    """One sensor of a data source, as seen by the health checks (domain apps keep their own details)."""

    source = models.ForeignKey(
        DataSource, verbose_name=_("data source"), on_delete=models.CASCADE, related_name="sensors"
    )
    code = models.CharField(_("code"), max_length=64)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_seen = models.DateTimeField(_("last reading at"), null=True, blank=True)
    last_value = models.FloatField(_("last value"), null=True, blank=True)
    same_value_since = models.DateTimeField(_("same value since"), null=True, blank=True)
    out_of_range_at = models.DateTimeField(_("last out-of-range reading at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sensor")
        verbose_name_plural = _("sensors")
        constraints = [models.UniqueConstraint(fields=["source", "code"], name="sourcesensor_unique")]

    def __str__(self) -> str:
        return f"{self.source.code}/{self.code}"


class SensorActivity(models.Model):
    """Readings received per sensor and hour: completeness over the last hour and day."""

    sensor = models.ForeignKey(
        SourceSensor, verbose_name=_("sensor"), on_delete=models.CASCADE, related_name="activity"
    )
    hour_start = models.DateTimeField(_("hour starting"))
    received = models.PositiveIntegerField(_("readings received"), default=0)
    out_of_range = models.PositiveIntegerField(_("readings out of range"), default=0)

    class Meta:
        verbose_name = _("sensor activity")
        verbose_name_plural = _("sensor activity")
        constraints = [models.UniqueConstraint(fields=["sensor", "hour_start"], name="sensoractivity_unique")]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.hour_start:%Y-%m-%d %H}:00 {self.received}"
