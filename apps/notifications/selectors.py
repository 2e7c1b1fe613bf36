"""Reading notifications: the bell's count and frames, the centre's list."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.notifications.models import Notification

LATEST = 10


def notifications_unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at=None).count()


def notifications_for_user(*, user: Any) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-updated_at", "-id")


def notification_frame(notification: Notification) -> dict[str, Any]:
    """What the live bell gets of one notification: titles, link and count, never personal data."""
    return {
        "id": notification.pk,
        "event": notification.event,
        "title_zh": notification.title_zh,
        "title_en": notification.title_en,
        "link": notification.link,
        "count": notification.count,
        "created_at": notification.created_at.isoformat(),
        "updated_at": notification.updated_at.isoformat(),
        "read": notification.read_at is not None,
    }


def bell_snapshot(*, user_id: int) -> dict[str, Any]:
    latest = Notification.objects.filter(user_id=user_id).order_by("-updated_at", "-id")[:LATEST]
    return {
        "unread": notifications_unread_count(user_id=user_id),
        "latest": [notification_frame(n) for n in latest],
    }
