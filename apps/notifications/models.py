"""Notifications people receive (the bell, e-mail) and outgoing webhooks for integrators."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.fields import EncryptedTextField
from apps.core.models import BaseModel


class Notification(BaseModel):
    """One message in a user's notification centre; a group of like messages is one row with a count."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(_("event"), max_length=40)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    link = models.CharField(_("link"), max_length=400, blank=True)
    group_key = models.CharField(_("group"), max_length=200, blank=True)
    count = models.PositiveIntegerField(_("count"), default=1)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-updated_at", "-id"]
        indexes = [
            # the bell's unread count and the centre's list
            models.Index(fields=["user", "read_at"], name="notification_user_read_idx"),
            # grouping: the user's unread message of the same group
            models.Index(fields=["user", "group_key", "updated_at"], name="notification_group_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event} ×{self.count}"


class NotificationPreference(BaseModel):
    """A user's channels (the bell always; e-mail on or off) and quiet hours in settings.TIME_ZONE."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.BooleanField(_("by e-mail"), default=True)
    language = models.CharField(
        _("language of e-mail"), max_length=8, choices=settings.LANGUAGES, blank=True,
        help_text=_("Empty: the site's language."),
    )  # fmt: skip
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


def webhook_secret_new() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    """An integrator's endpoint: events it takes, optionally only of some regions, signed with its secret."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Told when the webhook is disabled after repeated failures."),
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = EncryptedTextField(_("signing secret"), blank=True, default=webhook_secret_new)
    events = models.JSONField(_("events"), default=list, blank=True)
    regions = models.ManyToManyField(
        "regions.Region",
        verbose_name=_("regions"),
        blank=True,
        related_name="+",
        help_text=_("Only events in these regions and below them; none: the whole city."),
    )
    personal_data = models.BooleanField(
        _("send personal data"),
        default=False,
        help_text=_("Reporters' words and contacts go to this receiver. Only for a receiver entitled to them."),
    )
    active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one webhook; retried from the database state until delivered or failed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    webhook = models.ForeignKey(Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=40)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the retry sweep: pending deliveries whose time has come
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.event} {self.status}"
