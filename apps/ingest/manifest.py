"""What the ingest app contributes (apps/core/plugins.py): its labels and the raw tables' upkeep."""

from datetime import timedelta

from apps.core.plugins import Manifest, PeriodicTask
from apps.ingest.classification import CLASSIFICATION

manifest = Manifest(
    classification=CLASSIFICATION,
    periodic_tasks=[
        PeriodicTask(
            "raw-partitions-ahead",
            "apps.ingest.tasks.raw_partitions_ahead_task",
            timedelta(hours=6),
            "raw readings (PostgreSQL): monthly partitions for this month and the next two; ingest makes any "
            "other month a batch needs itself",
        ),
        PeriodicTask(
            "raw-data-retention",
            "apps.ingest.tasks.raw_retention_task",
            timedelta(hours=24),
            "raw readings past CITYOPS_RAW_RETENTION_DAYS dropped a whole month at a time (SQLite: deleted in "
            "chunks), daily",
        ),
    ],
)
