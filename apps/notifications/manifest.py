"""What the notifications app contributes (apps/core/plugins.py): the bell's stream, the notification centre,
the alert listeners that feed webhooks and notifications, labels, retention of the delivery log, and the minute
sweeps (webhook retries, quiet-hours digests)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from apps.core.plugins import Manifest, PeriodicTask
from apps.core.retention import Retention
from apps.core.surfaces import Surface, is_authenticated
from apps.indicators.alerting import AlertListener
from apps.notifications.classification import CLASSIFICATION
from apps.notifications.listeners import alert_changed
from apps.notifications.services import deliveries_delete_old
from apps.notifications.streams import NOTIFICATIONS_STREAM

manifest = Manifest(
    streams=[NOTIFICATIONS_STREAM],
    pages=[
        Surface(
            key="notifications",
            title=_("Notifications"),
            description=_("What you were told: alerts, overdue work, deadlines. E-mail and quiet hours."),
            url_name="notifications:centre",
            visible=is_authenticated,
            order=95,
            in_nav=False,
        )
    ],
    classification=CLASSIFICATION,
    retention=[
        Retention(
            name="notifications.webhook-deliveries",
            description=_(
                "Webhook deliveries finished (delivered or given up) before the retention period: deleted with "
                "what they sent; the webhooks stay."
            ),
            erase=deliveries_delete_old,
        )
    ],
    alert_listeners=[AlertListener(on="change", call=alert_changed)],
    periodic_tasks=[
        PeriodicTask(
            "webhook-retries",
            "apps.notifications.tasks.webhook_deliveries_retry_task",
            timedelta(minutes=1),
            "webhook deliveries due again (backoff), and any whose task was lost with a worker",
            expires=50,
        ),
        PeriodicTask(
            "notification-digests",
            "apps.notifications.tasks.notifications_digest_task",
            timedelta(minutes=1),
            "one e-mail to each person whose quiet hours just ended, with what was held",
            expires=50,
        ),
    ],
)
