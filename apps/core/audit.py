"""The audit trail: every operator action goes through `log_action`."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from apps.core.models import AuditLog

_ACTION = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def log_action(
    obj: models.Model | None,
    action: str,
    *,
    user: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Record that `user` did `action` ("app.entity.verb") to `obj`, with `data` as parameters.

    Joins the caller's transaction, so the entry exists exactly when the action does. `data` must be
    JSON-serialisable and must not contain personal data. Raises ValueError for a malformed action.
    """
    if not _ACTION.match(action):
        raise ValueError(f"audit action {action!r} must look like 'app.entity.verb'")
    actor = user if getattr(user, "is_authenticated", False) else None
    return AuditLog.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        action=action,
        target_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        target_id=str(obj.pk) if obj is not None else "",
        target_repr=str(obj)[:200] if obj is not None else "",
        data=data or {},
    )


def audit_log_for(obj: models.Model) -> models.QuerySet[AuditLog]:
    return AuditLog.objects.filter(
        target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
    ).select_related("actor")
