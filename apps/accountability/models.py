"""Citizens contesting what the city publishes: a figure on the public truth panel ("the panel says the air is good
here, but there is smoke") or a report marked resolved ("it says fixed, the light is still off").

Contests about the same figure and place (or the same report) within a window form one group; a group that reaches
the threshold, or any contest of a resolution, is checked on site once through the existing machinery — an alert
sent for verification (its verdict also moves the source's trust score), or a resolution check. What the group
shows (waiting, being checked, the verdict) is read from that alert or check, never copied."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.fields import EncryptedTextField
from apps.core.models import BaseModel


class ContestGroup(BaseModel):
    class Kind(models.TextChoices):
        FIGURE = "figure", _("a published figure")
        RESOLUTION = "resolution", _("a report marked resolved")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    indicator = models.CharField(_("indicator"), max_length=64, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grievance = models.ForeignKey(
        "grievances.Grievance", verbose_name=_("report"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    contestants = models.PositiveIntegerField(_("contests"), default=0)
    last_contest_at = models.DateTimeField(_("last contest at"))
    sent_at = models.DateTimeField(_("sent to the field at"), null=True, blank=True)
    alert = models.ForeignKey(
        "indicators.Alert", verbose_name=_("alert sent for verification"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    resolution_check = models.ForeignKey(
        "grievances.ResolutionCheck", verbose_name=_("resolution check"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("contest group")
        verbose_name_plural = _("contest groups")
        ordering = ["-last_contest_at"]
        indexes = [models.Index(fields=["indicator", "region", "last_contest_at"], name="contestgroup_figure_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.indicator or self.grievance_id} ({self.contestants})"


class Contest(BaseModel):
    code = models.CharField(_("contest code"), max_length=16, unique=True)
    group = models.ForeignKey(ContestGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="contests")
    # where the contestant said it was: rounded to 0.001° (about 100 m) when it is stored
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    text = models.TextField(_("what they see"), max_length=1000)
    contact = EncryptedTextField(_("contact"), blank=True)
    # who sent it, as a keyed digest of their connection (apps/core/clients.py): a group is sent to the field by
    # how many different people contest, not by how many times one of them does
    client = models.CharField(_("client (keyed digest)"), max_length=32, blank=True)
    personal_data_erased_at = models.DateTimeField(
        _("personal data erased at"), null=True, blank=True,
        help_text=_("After the retention period the contact and position are erased and the words masked."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.code
