"""What the indicators app (the live spine) contributes (apps/core/plugins.py): the alerts stream, its role
permissions and labels, and the periodic work behind alerts and history."""

from datetime import timedelta

from apps.core.plugins import Manifest, PeriodicTask
from apps.indicators.classification import CLASSIFICATION
from apps.indicators.roles import INDICATOR_ROLE_PERMISSIONS
from apps.indicators.streams import ALERTS_STREAM

manifest = Manifest(
    streams=[ALERTS_STREAM],
    roles=INDICATOR_ROLE_PERMISSIONS,
    classification=CLASSIFICATION,
    periodic_tasks=[
        PeriodicTask(
            "history-rollups",
            "apps.indicators.tasks.history_rollups_task",
            timedelta(seconds=60),
            "the hour and day buckets behind the minutes (charts, history, open data), off the live tick, at most a "
            "minute behind: a run re-derives every hour touched since the last one from its minutes",
            expires=50,
        ),
        PeriodicTask(
            "discrepancies-evaluate",
            "apps.indicators.tasks.discrepancies_evaluate_task",
            timedelta(minutes=5),
            "sources that disagree about a region raise discrepancy alerts, sent for verification on site",
            expires=240,
        ),
        PeriodicTask(
            "data-sources-check",
            "apps.indicators.tasks.data_sources_check_task",
            timedelta(seconds=60),
            "data-source health: silent, flat-lined or out-of-range sensors raise alerts, recovered ones resolve",
        ),
    ],
)
