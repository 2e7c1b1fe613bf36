from __future__ import annotations

from typing import Any

from django import template

from apps.notifications.selectors import notifications_unread_count

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: Any) -> dict[str, Any]:
    """The header's bell for a signed-in user: the unread count now, kept live by static/js/notifications/bell.js."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_id": None}
    return {"user_id": user.pk, "unread": notifications_unread_count(user_id=user.pk)}
