"""Notifications (the bell, e-mail, quiet hours, grouping) and the queueing of outgoing webhooks.

The deadline engine and the alert / report listeners call `notify` and `webhooks_emit`; nothing here sends
inside the caller's transaction: the live frame, the e-mail task and the delivery tasks go on commit.
"""

from __future__ import annotations

import json
import logging
import smtplib
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.notifications.models import Notification, NotificationPreference, Webhook, WebhookDelivery
from apps.notifications.selectors import notification_frame, notifications_unread_count
from cityops.realtime import stream_publish

logger = logging.getLogger(__name__)

STREAM = "notifications"


def notify(
    *,
    users: Iterable[Any],
    event: str,
    title_zh: str,
    title_en: str,
    link: str = "",
    group_key: str = "",
    group_title_zh: str = "",
    group_title_en: str = "",
    group_link: str = "",
) -> list[Notification]:
    """One notification per active user (duplicates collapsed). An unread notification of the same user and the
    same non-empty `group_key` updated within CITYOPS_NOTIFY_GROUP_MINUTES is updated instead (count + 1, the
    latest title). On commit: a frame on the user's live bell and an e-mail task. Never raises for a user."""
    texts = {"event": event, "title_zh": title_zh[:300], "title_en": title_en[:300], "link": link[:400]}
    # what a group of several says: "%(count)s reports due soon", linking to their list (not to one of them)
    grouped = {"title_zh": group_title_zh, "title_en": group_title_en, "link": group_link} if group_title_zh else {}
    with transaction.atomic():
        done = [_notify_one(user=user, group_key=group_key[:200], texts=texts, grouped=grouped)
                for user in _active_users(users)]  # fmt: skip
    return done


def _active_users(users: Iterable[Any]) -> list[Any]:
    seen: dict[int, Any] = {}
    for user in users:
        if user is not None and user.is_active and user.pk not in seen:
            seen[user.pk] = user
    return list(seen.values())


def _notify_one(*, user: Any, group_key: str, texts: dict[str, str], grouped: dict[str, str]) -> Notification:
    now = timezone.now()
    notification = _group_of(user=user, group_key=group_key, now=now)
    if notification is None:
        notification = Notification.objects.create(user=user, group_key=group_key, **texts)
    else:
        count = notification.count + 1  # the row is locked (_group_of)
        summary = {key: (value % {"count": count})[:400] for key, value in grouped.items()} if grouped else texts
        Notification.objects.filter(pk=notification.pk).update(count=F("count") + 1, updated_at=now, **summary)
        notification.refresh_from_db()
    stream_publish(stream=STREAM, params={"user": user.pk}, payload=_delta(notification))
    transaction.on_commit(partial(_email_queue, notification.pk))
    return notification


def _group_of(*, user: Any, group_key: str, now: datetime) -> Notification | None:
    if not group_key:
        return None
    since = now - timedelta(minutes=settings.CITYOPS_NOTIFY_GROUP_MINUTES)
    rows = Notification.objects.select_for_update().filter(
        user=user, group_key=group_key, read_at=None, updated_at__gte=since
    )
    return rows.order_by("-updated_at", "-id").first()


def _delta(notification: Notification) -> dict[str, Any]:
    return {
        "unread": notifications_unread_count(user_id=notification.user_id),
        "notification": notification_frame(notification),
    }


def _email_queue(notification_id: int) -> None:
    from apps.notifications.tasks import notification_email_task

    notification_email_task.delay(notification_id)


# --- Reading -----------------------------------------------------------------------------------------------


def notification_mark_read(*, user: Any, notification_id: int) -> Notification | None:
    """Mark the user's own notification read (idempotent); None if it is not theirs. Publishes the new count."""
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        return None
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=timezone.now())
        _publish_count(user.pk)
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user read; returns how many. Publishes the new count."""
    done = Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
    if done:
        _publish_count(user.pk)
    return done


def _publish_count(user_id: int) -> None:
    payload = {"unread": notifications_unread_count(user_id=user_id), "notification": None}
    stream_publish(stream=STREAM, params={"user": user_id}, payload=payload)


def preference_for(*, user: Any) -> NotificationPreference:
    """The user's preference (defaults: e-mail on, no quiet hours), created on first use."""
    preference, _created = NotificationPreference.objects.get_or_create(user=user)
    return preference


def preference_update(
    *, user: Any, email: bool, quiet_start: time | None, quiet_end: time | None, language: str = ""
) -> None:
    NotificationPreference.objects.update_or_create(
        user=user,
        defaults={"email": email, "quiet_start": quiet_start, "quiet_end": quiet_end, "language": language},
    )


# --- E-mail ------------------------------------------------------------------------------------------------


def in_quiet_hours(preference: NotificationPreference, at: datetime) -> bool:
    """Is `at` within the quiet hours (settings.TIME_ZONE)? Hours may span midnight; equal ends mean none."""
    start, end = preference.quiet_start, preference.quiet_end
    if start is None or end is None or start == end:
        return False
    local = timezone.localtime(at).time()
    return start <= local < end if start < end else (local >= start or local < end)


def _mailable(user: Any) -> NotificationPreference | None:
    """The user's preference when they take e-mail and have an address, else None."""
    if not (user.is_active and user.email):
        return None
    preference = preference_for(user=user)
    return preference if preference.email else None


def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one notification now unless: already read, the user takes no e-mail, quiet hours (the digest
    sends it after), or its group was e-mailed within the group window. Idempotent; returns whether sent."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id, read_at=None).first()
    if notification is None:
        return False
    preference = _mailable(notification.user)
    now = timezone.now()
    if preference is None or in_quiet_hours(preference, now):
        return False
    window = now - timedelta(minutes=settings.CITYOPS_NOTIFY_GROUP_MINUTES)
    claimed = Notification.objects.filter(Q(emailed_at=None) | Q(emailed_at__lt=window), pk=notification.pk)
    if not claimed.update(emailed_at=now):
        return False
    if not _mail(notification.user, [notification]):
        Notification.objects.filter(pk=notification.pk).update(emailed_at=notification.emailed_at)
        return False
    return True


def notifications_digest_send(*, now: datetime | None = None) -> int:
    """After quiet hours: one e-mail per user with every unread notification not yet e-mailed (of the last day).
    Returns how many digests were sent. Idempotent: what is sent is marked e-mailed first."""
    now = now or timezone.now()
    held = Notification.objects.filter(
        read_at=None, emailed_at=None, updated_at__gte=now - timedelta(days=1), user__is_active=True
    ).exclude(user__email="")
    sent = 0
    for user_id in sorted(set(held.values_list("user_id", flat=True))):
        sent += _digest_one(user_id=user_id, held=held, now=now)
    return sent


def _digest_one(*, user_id: int, held: Any, now: datetime) -> int:
    with transaction.atomic():
        rows = list(
            held.select_for_update(of=("self",)).filter(user_id=user_id).select_related("user").order_by("-updated_at")
        )
        preference = _mailable(rows[0].user) if rows else None
        if preference is None or preference.quiet_start is None or in_quiet_hours(preference, now):
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=now)
    if not _mail(rows[0].user, rows):
        Notification.objects.filter(pk__in=[n.pk for n in rows], emailed_at=now).update(emailed_at=None)
        return 0
    return 1


def _language(user: Any) -> str:
    """The language the user chose for e-mail (their preferences), else the site's."""
    chosen = NotificationPreference.objects.filter(user=user).values_list("language", flat=True).first()
    return chosen or settings.LANGUAGE_CODE


def _title(notification: Notification) -> str:
    title = notification.title_zh if translation.get_language().startswith("zh") else notification.title_en
    return f"{title} (×{notification.count})" if notification.count > 1 else title


def _mail(user: Any, notifications: list[Notification]) -> bool:
    """Send; False (logged) when the mail server refuses or cannot be reached: the notification stays un-emailed
    and the bell still has it, and the caller's request or task does not fail."""
    with translation.override(_language(user)):
        if len(notifications) == 1:
            subject = _("CityOps: %(title)s") % {"title": _title(notifications[0])}
        else:
            subject = _("CityOps: %(count)d notifications") % {"count": len(notifications)}
        lines = [f"- {_title(n)}" + (f"\n  {n.link}" if n.link else "") for n in notifications]
        footer = _("Your notifications: /notifications/ — e-mail and quiet hours: /notifications/settings/")
        body = "\n".join([*lines, "", footer])
    try:
        send_mail(subject.replace("\n", " ")[:200], body, None, [user.email])
    except (OSError, smtplib.SMTPException):
        logger.warning("notifications: e-mail to user %s not sent", user.pk, exc_info=True)
        return False
    return True


# --- Webhooks ----------------------------------------------------------------------------------------------


def webhooks_emit(
    *, event: str, payload: Mapping[str, Any], region: Any = None, personal: Mapping[str, Any] | None = None
) -> int:
    """Queue one delivery of `event` per active webhook subscribed to it whose regions (if any) contain `region`;
    one event id for all. `personal` is merged into the payload only for webhooks with personal_data. The
    delivery tasks are queued on commit (and the minute sweep covers a lost one). Returns deliveries queued."""
    hooks = [hook for hook in _subscribed(event) if _covers(hook, region)]
    plain = _json_safe(payload)
    extra = _json_safe(personal or {})
    event_id = uuid.uuid4()
    with transaction.atomic():
        made = [
            _delivery_create(webhook=hook, event=event, event_id=event_id,
                             payload={**plain, **extra} if hook.personal_data else plain)
            for hook in hooks
        ]  # fmt: skip
    return len(made)


def webhook_ping(*, webhook: Webhook, user: Any = None) -> WebhookDelivery:
    """Queue a `ping` delivery to one webhook (the admin's test), whatever events it takes."""
    from apps.core.audit import log_action
    from apps.notifications.events import PING

    with transaction.atomic():
        log_action(webhook, "notifications.webhook.ping", user=user)
        return _delivery_create(webhook=webhook, event=PING, event_id=uuid.uuid4(), payload={"ping": True})


def _subscribed(event: str) -> list[Webhook]:
    hooks = Webhook.objects.filter(active=True).prefetch_related("regions")
    return [hook for hook in hooks if isinstance(hook.events, list) and event in hook.events]


def _covers(hook: Webhook, region: Any) -> bool:
    paths = [r.path for r in hook.regions.all()]
    if not paths:
        return True
    return region is not None and any(region.path.startswith(path) for path in paths)


def _json_safe(value: Mapping[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = json.loads(json.dumps(dict(value), cls=DjangoJSONEncoder))
    return safe


def _delivery_create(*, webhook: Webhook, event: str, event_id: uuid.UUID, payload: dict[str, Any]) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, event=event, event_id=event_id, payload=payload, next_attempt_at=timezone.now()
    )
    transaction.on_commit(partial(_delivery_queue, delivery.pk))
    return delivery


def _delivery_queue(delivery_id: int) -> None:
    from apps.notifications.tasks import webhook_deliver_task

    webhook_deliver_task.delay(delivery_id)


def delivery_retry_now(*, delivery: WebhookDelivery, user: Any = None) -> None:
    """The admin's "retry now": the delivery is pending again and due now; its task is queued on commit."""
    from apps.core.audit import log_action

    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now()
        )
        log_action(delivery.webhook, "notifications.delivery.retry", user=user, data={"delivery": delivery.pk})
        transaction.on_commit(partial(_delivery_queue, delivery.pk))


def deliveries_delete_old(cutoff: datetime) -> int:
    """Retention: delete deliveries finished (delivered or failed) before `cutoff`; returns how many."""
    done = WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(status=WebhookDelivery.Status.PENDING)
    deleted, _by_model = done.delete()
    return deleted
