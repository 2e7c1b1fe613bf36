from django.db import models
from django.utils.translation import gettext_lazy as _


class PressureSensor(models.Model):
    """A pressure gauge on the water mains, sending through a data source's ingest token."""

    source = models.ForeignKey("indicators.DataSource", verbose_name=_("data source"), on_delete=models.PROTECT)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("pressure sensor")
        verbose_name_plural = _("pressure sensors")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class PressureReading(models.Model):
    """One reading of a gauge: the raw row the feed's minutes are recomputed from."""

    scope_region = "sensor__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    sensor = models.ForeignKey(PressureSensor, verbose_name=_("sensor"), on_delete=models.CASCADE)
    observed_at = models.DateTimeField(_("observed at"))
    kpa = models.FloatField(_("pressure (kPa)"))

    class Meta:
        verbose_name = _("pressure reading")
        verbose_name_plural = _("pressure readings")
        # one reading per gauge and moment: a re-sent batch is counted as duplicates, not stored twice
        constraints = [models.UniqueConstraint(fields=["sensor", "observed_at"], name="water_reading_once")]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.observed_at:%Y-%m-%d %H:%M} {self.kpa} kPa"
