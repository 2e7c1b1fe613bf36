"""What the governance app contributes (apps/core/plugins.py): the stewards' page and the audit chain's check."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from apps.core.plugins import Manifest, PeriodicTask
from apps.core.surfaces import Surface

manifest = Manifest(
    pages=[
        Surface(
            key="governance",
            title=_("Data governance"),
            description=_(
                "Every field's grade and personal-data label, who read personal data and why, the "
                "audit trail's integrity, retention."
            ),
            url_name="governance:index",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("core.view_auditlog")),
            order=80,
        )
    ],
    periodic_tasks=[
        PeriodicTask(
            "audit-chain-check",
            "apps.governance.tasks.audit_chain_check_task",
            timedelta(hours=1),
            "the audit trail's hash chain checked every hour: the stewards' page shows the last result, a broken "
            "chain is logged as an error",
        )
    ],
)
