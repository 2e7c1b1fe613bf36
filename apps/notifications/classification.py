"""Classification of notifications and webhooks (see apps/core/classification.py)."""

from django.utils.translation import gettext_lazy as _

from apps.core.classification import INTERNAL, Grade, Label, Mask, Personal, classify

CLASSIFICATION = (
    classify(
        "notifications.Notification",
        {
            # titles are built from events that carry no personal data (apps/notifications/events.py)
            "id created_at updated_at user event title_zh title_en link group_key count read_at emailed_at": INTERNAL,
        },
    ),
    classify(
        "notifications.NotificationPreference",
        {"id created_at updated_at user email language quiet_start quiet_end": INTERNAL},
    ),
    classify(
        "notifications.Webhook",
        {
            "id name owner url events regions personal_data active consecutive_failures disabled_at created_at": (
                INTERNAL
            ),
            # the credential a receiver checks signatures with, encrypted and never shown after creation; held as
            # a person's credential is (like a second-factor key): whoever holds it can speak as CityOps
            "secret": Label(Grade.GENERAL_4, Personal.PERSONAL, Mask.SECRET),
        },
    ),
    classify(
        "notifications.WebhookDelivery",
        {
            "id webhook event event_id status attempts next_attempt_at last_status_code last_error delivered_at "
            "created_at": INTERNAL,
            # a receiver with personal_data gets a reporter's words and contact; deleted after the retention days
            "payload": Label(
                Grade.GENERAL_3,
                Personal.PERSONAL,
                plain_because=_(
                    "what was sent to a receiver, kept as sent for the delivery log; personal only for receivers "
                    "entitled to it, and deleted once delivered and past the retention period"
                ),
            ),
        },
    ),
)
