"""Public warnings: a draft drawn from an alert, a person's approval, and the CAP 1.2 messages published for it.

A `PublicWarning` follows one alert (one episode) from its draft to its end. Every message published for it is a
`CapMessage`: its XML is kept exactly as it was published and never changed (an Update or a Cancel is a new
message that references the earlier ones).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.i18n import localized
from apps.core.models import BaseModel

# CAP's own limits are loose (headline: "should be less than 160 characters"); these keep a message readable on a
# phone's lock screen and in a warning channel's SMS.
HEADLINE_MAX, DESCRIPTION_MAX, INSTRUCTION_MAX = 140, 1000, 500
DECLINE_REASON_MAX = 200


class MsgType(models.TextChoices):
    """CAP's msgType of a message (the ones this app sends)."""

    ALERT = "Alert", _("Alert")
    UPDATE = "Update", _("Update")
    CANCEL = "Cancel", _("Cancel")


class PublicWarning(BaseModel):
    """One alert's public warning: drafted, approved (published) or declined, and ended when the alert ends."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        PUBLISHED = "published", _("Published")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Ended before approval")
        ENDED = "ended", _("Ended (cancel published)")

    alert = models.OneToOneField(
        "indicators.Alert", verbose_name=_("alert"), on_delete=models.PROTECT, related_name="public_warning"
    )
    region = models.ForeignKey("regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    indicator = models.CharField(_("indicator"), max_length=64)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    # The level last drafted or published (the AQI category, or the alert's severity 1–2): an Update goes out
    # when the alert's level rises above it.
    level = models.PositiveSmallIntegerField(_("warning level"))
    # The message the texts are drafted for (and, while the warning waits, the one approval publishes): the first
    # Alert, an Update (a health warning's worse level or renewal), or a Cancel a person must approve.
    draft_type = models.CharField(_("message drafted"), max_length=8, choices=MsgType.choices, default=MsgType.ALERT)
    headline_zh = models.CharField(_("headline (Chinese)"), max_length=HEADLINE_MAX)
    headline_en = models.CharField(_("headline (English)"), max_length=HEADLINE_MAX)
    description_zh = models.TextField(_("description (Chinese)"), max_length=DESCRIPTION_MAX)
    description_en = models.TextField(_("description (English)"), max_length=DESCRIPTION_MAX)
    instruction_zh = models.TextField(_("instruction (Chinese)"), max_length=INSTRUCTION_MAX, blank=True)
    instruction_en = models.TextField(_("instruction (English)"), max_length=INSTRUCTION_MAX, blank=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted at the choice of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Why the last draft was declined (required on decline; shown on the list and kept in the audit trail).
    decline_reason = models.CharField(_("reason for declining"), max_length=DECLINE_REASON_MAX, blank=True)

    class Meta:
        verbose_name = _("public warning")
        verbose_name_plural = _("public warnings")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("approve_publicwarning", _("Can approve public warnings (CAP) for publication")),
            ("choose_health_warning", _("Can choose to draft a public health warning")),
        ]
        indexes = [
            # The approvers' page: pending warnings, newest first, per region.
            models.Index(fields=["state", "region"], name="publicwarning_state_idx"),
        ]

    def __str__(self) -> str:
        return self.headline

    @property
    def headline(self) -> str:
        return localized(self, "headline")


class CapMessage(models.Model):
    """One CAP 1.2 message as published (Alert, Update or Cancel). Immutable: stored once, never changed."""

    MsgType = MsgType

    warning = models.ForeignKey(
        PublicWarning, verbose_name=_("public warning"), on_delete=models.PROTECT, related_name="messages"
    )
    identifier = models.CharField(_("identifier"), max_length=100, unique=True)
    msg_type = models.CharField(_("message type"), max_length=8, choices=MsgType.choices)
    status = models.CharField(_("status"), max_length=8)  # CAP's: Actual, or Exercise for the simulated demo
    sent = models.DateTimeField(_("sent"), db_index=True)
    severity = models.CharField(_("severity"), max_length=10)  # CAP's
    headline_zh = models.CharField(_("headline (Chinese)"), max_length=HEADLINE_MAX)
    headline_en = models.CharField(_("headline (English)"), max_length=HEADLINE_MAX)
    xml = models.TextField(_("message (CAP 1.2 XML)"))

    scope_region = "warning__region"  # the admin and the audit trail narrow it by its warning's region

    class Meta:
        verbose_name = _("CAP message")
        verbose_name_plural = _("CAP messages")
        ordering = ["-sent", "-id"]

    def __str__(self) -> str:
        return self.identifier

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Published is published: a correction is a new message (Update) that references this one.
        if not self._state.adding:
            raise ValueError("a published CAP message is never changed")
        super().save(*args, **kwargs)

    @property
    def headline(self) -> str:
        return localized(self, "headline")
