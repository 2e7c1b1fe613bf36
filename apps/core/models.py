from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Timestamps every table carries."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditLog(models.Model):
    """One operator action: who did what to which object, when. Written only through `log_action`.

    `data` holds the action's parameters, never personal data (that is logged by reference).
    """

    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the trail still reads after the account is deleted.
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), null=True, blank=True, on_delete=models.SET_NULL
    )
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_repr = models.CharField(_("object"), max_length=200, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    # The hash chain (see apps/core/audit.py): entries are sealed in commit order, each hash covering the
    # entry and the previous hash, so an edited, deleted or inserted entry breaks every later link.
    seq = models.PositiveBigIntegerField(_("sequence"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            # "what happened to this object": the object's history page.
            models.Index(fields=["target_type", "target_id", "created_at"], name="audit_target_idx"),
            # "everything of this kind of action in a period": stewards' review.
            models.Index(fields=["action", "created_at"], name="audit_action_idx"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_idx"),
            # the sealing task: entries not yet in the chain.
            models.Index(fields=["seq", "id"], name="audit_seal_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name or '-'} {self.action} {self.target_repr}"


class AuditHead(models.Model):
    """The end of the audit hash chain: the last sealed sequence number and hash. One row; sealing locks it,
    so entries are chained one at a time, and a truncated tail no longer matches it."""

    seq = models.PositiveBigIntegerField(_("sequence"), default=0)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.seq} {self.hash[:12]}"
