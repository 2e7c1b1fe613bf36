"""What the core contributes (apps/core/plugins.py): the system stream, its own pages and labels, the API's error
format, and the platform's periodic work."""

from datetime import timedelta

from apps.core.classification_audit import CLASSIFICATION
from apps.core.errors import API_ERROR_FORMAT
from apps.core.plugins import Manifest, PeriodicTask
from apps.core.streams import SYSTEM_STREAM
from apps.core.surfaces import CORE_PAGES

manifest = Manifest(
    streams=[SYSTEM_STREAM],
    pages=CORE_PAGES,
    classification=CLASSIFICATION,
    error_formats=[API_ERROR_FORMAT],
    periodic_tasks=[
        PeriodicTask(
            "system-heartbeat",
            "apps.core.tasks.system_heartbeat_task",
            timedelta(seconds=5),
            "heartbeat on the system stream: screens show how fresh their connection is",
        ),
        PeriodicTask(
            "audit-seal",
            "apps.core.tasks.audit_seal_task",
            timedelta(minutes=1),
            "the audit trail's hash chain: entries a crashed process left unsealed get sealed within a minute",
        ),
        PeriodicTask(
            "personal-data-retention",
            "apps.core.tasks.retention_task",
            timedelta(hours=24),
            "personal data of finished reports and visits past the retention period: erased or coarsened, daily",
        ),
        PeriodicTask(
            "simulators",
            "apps.core.tasks.simulators_step_task",
            timedelta(seconds=2),
            "demo simulators (only with CITYOPS_SIMULATE): the apps' plausible live readings for the demo city",
            expires=5,
        ),
    ],
)
