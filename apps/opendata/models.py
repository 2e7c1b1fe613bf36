"""Open-data releases: one de-identified snapshot of a dataset over a period, with its files and the figures a
steward approves it on (k, what was suppressed, the re-identification risk).

Datasets themselves are code (`apps.opendata.datasets`): how rows are built and generalised is not something to
edit in a form. A release keeps a copy of its dataset's data dictionary and license, so a file published once
keeps reading the same even if the definition changes later.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.models import BaseModel


class Release(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("release status", "draft")
        APPROVED = "approved", pgettext_lazy("release status", "approved")
        WITHDRAWN = "withdrawn", pgettext_lazy("release status", "withdrawn")

    dataset = models.CharField(_("dataset"), max_length=40)
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"), help_text=_("Exclusive."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    k = models.PositiveSmallIntegerField(_("k"), help_text=_("Every released combination covers at least k records."))
    # False for datasets whose records are measurements, not people (k is then not applied).
    personal = models.BooleanField(_("records are about people"), default=True)
    total_records = models.PositiveIntegerField(_("records in the period"), default=0)
    released_records = models.PositiveIntegerField(_("records released"), default=0)
    suppressed_records = models.PositiveIntegerField(_("records suppressed"), default=0)
    suppressed_cells = models.PositiveIntegerField(_("cells suppressed"), default=0)
    generalised_records = models.PositiveIntegerField(_("records generalised"), default=0)
    rows = models.PositiveIntegerField(_("rows released"), default=0)
    max_risk = models.FloatField(_("highest re-identification risk"), null=True, blank=True,
                                 help_text=_("1 / the smallest released cell."))  # fmt: skip
    mean_risk = models.FloatField(_("mean re-identification risk"), null=True, blank=True,
                                  help_text=_("Mean over released records of 1 / their cell's size."))  # fmt: skip
    # The dataset's title, description, quasi-identifiers, data dictionary and license at production time.
    metadata = models.JSONField(_("metadata"), default=dict)
    csv_body = models.TextField(_("CSV"), blank=True)
    json_body = models.TextField(_("JSON"), blank=True)
    geojson_body = models.TextField(_("GeoJSON"), blank=True)
    demo = models.BooleanField(_("demo data"), default=False)
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("produced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason for withdrawal"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("open-data release")
        verbose_name_plural = _("open-data releases")
        ordering = ["-period_end", "-id"]
        permissions = [("approve_release", _("Can approve and withdraw open-data releases"))]
        indexes = [
            # The public pages: a dataset's approved releases, newest period first.
            models.Index(fields=["dataset", "status", "period_end"], name="release_dataset_idx"),
        ]
        constraints = [
            # One live (draft or approved) release per dataset and period: producing again rebuilds the draft.
            models.UniqueConstraint(
                fields=["dataset", "period_start", "period_end"],
                condition=Q(status__in=["draft", "approved"]),
                name="release_one_live_per_period",
            ),
            models.CheckConstraint(condition=Q(period_end__gt=models.F("period_start")), name="release_period"),
            models.CheckConstraint(condition=Q(k__gte=2), name="release_k_at_least_2"),
            models.CheckConstraint(condition=Q(status__in=["draft", "approved", "withdrawn"]), name="release_status"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False), name="release_approved_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d} ({self.status})"

    @property
    def first_day(self) -> date:
        return timezone.localtime(self.period_start).date()

    @property
    def last_day(self) -> date:
        return timezone.localtime(self.period_end).date() - timedelta(days=1)

    @property
    def dataset_name(self) -> str:
        """Its dataset's name in the reader's language (the code, for a dataset no longer defined)."""
        from apps.opendata.datasets import get_dataset  # the datasets read these models

        dataset = get_dataset(self.dataset)
        return dataset.name if dataset is not None else self.dataset

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.APPROVED

    def body(self, fmt: str) -> str:
        return {"csv": self.csv_body, "json": self.json_body, "geojson": self.geojson_body}[fmt]
