"""What public warnings (CAP 1.2) contribute (apps/core/plugins.py): the approvers' page, the public feed, the
permission to approve, the alert listener that follows alerts, the periodic follow-up, labels and retention.

Which alerts may become public warnings is declared by each domain on its indicators (`Indicator.public_warning`,
apps/indicators/registry.py): this app knows no domain."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from apps.core.plugins import Manifest, PeriodicTask
from apps.core.retention import Retention
from apps.core.surfaces import Surface
from apps.indicators.alerting import AlertListener
from apps.warnings.classification import CLASSIFICATION
from apps.warnings.roles import WARNINGS_ROLE_PERMISSIONS
from apps.warnings.selectors import warnings_waiting_count
from apps.warnings.services import warning_follow_listener


def _keep_all(cutoff: object) -> int:
    """Nothing to erase: warnings and messages hold no personal data, and what was published stays on record."""
    return 0


manifest = Manifest(
    pages=[
        Surface(
            key="warnings-review",
            title=_("Public warnings"),
            description=_("Drafts of public warnings (CAP) from alerts, to check in both languages and approve."),
            url_name="warnings:pending",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("warnings.approve_publicwarning")),
            order=27,
            badge=warnings_waiting_count,
        ),
    ],
    roles=WARNINGS_ROLE_PERMISSIONS,
    classification=CLASSIFICATION,
    alert_listeners=[AlertListener(on="change", call=warning_follow_listener)],
    periodic_tasks=[
        PeriodicTask(
            "public-warnings-follow",
            "apps.warnings.tasks.warnings_follow_task",
            timedelta(seconds=30),
            "public warnings: drafts for new alerts, an Update when one worsens (escalations reach no listener), "
            "a Cancel when it ends",
            expires=25,
        ),
    ],
    retention=[
        Retention(
            name="warnings.public_record",
            description=_(
                "Public warnings and their CAP messages hold no personal data and are kept: a published message "
                "is part of the public record and is never changed or erased."
            ),
            erase=_keep_all,
        ),
    ],
)
