"""Reads of public warnings: the approvers' list in their scope, one warning for a user, the public messages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.accounts.selectors import regions_scope
from apps.indicators.models import Alert
from apps.indicators.registry import indicators
from apps.warnings.models import CapMessage, PublicWarning

FEED_SIZE = 100  # the newest messages in the Atom index; every message stays at its own address


def warnings_for_user(*, user: Any) -> QuerySet[PublicWarning]:
    """Warnings of the regions the user sees, newest first."""
    rows = PublicWarning.objects.select_related("alert", "region", "decided_by").order_by("-created_at", "-id")
    return regions_scope(rows, user=user)


def warning_get_for_user(*, user: Any, pk: int) -> PublicWarning | None:
    """The warning if it is in the user's scope (None also for one that does not exist)."""
    return warnings_for_user(user=user).filter(pk=pk).first()


def alerts_to_choose_for_user(*, user: Any) -> list[Alert]:
    """Unresolved alerts a person may choose to draft a warning from (policies that are not automatic), in the
    user's scope, for users holding the policy's choose permission; newest first."""
    codes = [
        i.code
        for i in indicators(include_hidden=True)
        if i.public_warning and not i.public_warning.automatic and user.has_perm(i.public_warning.choose_permission)
    ]
    if not codes:
        return []
    rows = (
        Alert.objects.filter(kind=Alert.Kind.THRESHOLD, indicator__in=codes, public_warning__isnull=True)
        .exclude(status=Alert.Status.RESOLVED)
        .select_related("region")
    )
    return list(regions_scope(rows, user=user)[:50])


def messages_public() -> QuerySet[CapMessage]:
    """The published messages, newest first (the Atom index)."""
    return CapMessage.objects.order_by("-sent", "-id")[:FEED_SIZE]


def message_public(*, identifier: str) -> CapMessage | None:
    return CapMessage.objects.filter(identifier=identifier).first()
