from celery import shared_task


@shared_task(ignore_result=True)
def notification_email_task(notification_id: int) -> None:
    """E-mail one notification (unless quiet hours, grouping or the user's choice hold it)."""
    from apps.notifications.services import notification_email_send

    notification_email_send(notification_id=notification_id)


@shared_task(ignore_result=True)
def notifications_digest_task() -> None:
    """One e-mail per user whose quiet hours ended, with what was held."""
    from apps.notifications.services import notifications_digest_send

    notifications_digest_send()


@shared_task(ignore_result=True)
def webhook_deliver_task(delivery_id: int) -> None:
    """Send one webhook delivery if it is pending and due (idempotent: the row says what is left to do)."""
    from apps.notifications.delivery import delivery_attempt

    delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def webhook_deliveries_retry_task() -> None:
    """Send every pending delivery whose next attempt is due: retries, and deliveries whose task was lost."""
    from apps.notifications.delivery import deliveries_due_ids, delivery_attempt

    for delivery_id in deliveries_due_ids():
        delivery_attempt(delivery_id=delivery_id)
