"""What the deadlines app contributes (apps/core/plugins.py): the sweep that runs ladder steps, the labels of the
calendar and the clocks."""

from datetime import timedelta

from apps.core.demo import DemoSeeder
from apps.core.plugins import Manifest, PeriodicTask
from apps.deadlines.classification import CLASSIFICATION
from apps.deadlines.demo import seed_demo_deadlines

manifest = Manifest(
    seeders=[DemoSeeder(name="deadlines.demo_policies", order=48, seed=seed_demo_deadlines)],
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
