from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import BaseModel


class IngestToken(BaseModel):
    """A machine's credential for one data source. Only a SHA-256 hash of the token is stored."""

    source = models.ForeignKey(
        "indicators.DataSource", verbose_name=_("data source"), on_delete=models.CASCADE, related_name="tokens"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Who or what uses it, e.g. a gateway's host name."))
    prefix = models.CharField(_("prefix"), max_length=12, help_text=_("The first characters, to recognise it."))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ingest token")
        verbose_name_plural = _("ingest tokens")
        ordering = ["source", "name"]

    def __str__(self) -> str:
        return f"{self.source.code}: {self.name} ({self.prefix}…)"


class FeedMinute(models.Model):
    """A minute of a feed whose raw rows changed since the live spine last folded them in.

    Written in the same transaction as the raw rows; the live tick takes it and recomputes the minute.
    """

    feed = models.CharField(_("feed"), max_length=64)
    minute = models.DateTimeField(_("minute"))
    # WHOLE: every device's rows of the minute. Otherwise the feed's own part of it (traffic: the devices of one
    # region), so a tick in a large city recomputes what the batches touched, not the whole minute again.
    part = models.BigIntegerField(_("part"), default=0)

    WHOLE = 0

    class Meta:
        verbose_name = _("minute waiting for the live spine")
        verbose_name_plural = _("minutes waiting for the live spine")
        constraints = [models.UniqueConstraint(fields=["feed", "minute", "part"], name="feedminute_part_unique")]

    def __str__(self) -> str:
        part = "" if self.part == self.WHOLE else f" #{self.part}"
        return f"{self.feed} {self.minute:%Y-%m-%d %H:%M}{part}"
