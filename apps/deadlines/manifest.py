"""What the deadlines app contributes (apps/core/plugins.py): the sweep that runs ladder steps, the labels of the
calendar and the clocks."""

from datetime import timedelta

from apps.core.plugins import Manifest, PeriodicTask
from apps.deadlines.classification import CLASSIFICATION

manifest = Manifest(
    classification=CLASSIFICATION,
    periodic_tasks=[
        PeriodicTask(
            "deadlines-sweep",
            "apps.deadlines.tasks.deadlines_sweep_task",
            timedelta(minutes=1),
            "ladder steps of reports, alerts and assignments whose time has come: each runs exactly once",
            expires=50,
        ),
    ],
)
