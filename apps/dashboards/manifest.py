"""What the dashboards app contributes (apps/core/plugins.py): the wall and region streams, the wall page, the
ground-truth panel's live updates and the publish tick."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from apps.core.plugins import Manifest, PeriodicTask
from apps.core.surfaces import Surface
from apps.dashboards.services import ground_truth_touch
from apps.dashboards.streams import REGION_STREAM, WALL_STREAM
from apps.indicators.alerting import AlertListener

manifest = Manifest(
    streams=[WALL_STREAM, REGION_STREAM],
    pages=[
        Surface(
            key="wall",
            title=_("Command wall"),
            description=_("The big screen: live map, key indicators and alerts with their ground truth."),
            url_name="dashboards:wall",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("indicators.view_wall")),
            order=10,
        )
    ],
    # the wall's ground-truth panel follows alerts live
    alert_listeners=[AlertListener(on="change", call=ground_truth_touch)],
    periodic_tasks=[
        PeriodicTask(
            "live-tick",
            "apps.dashboards.tasks.live_tick_task",
            timedelta(seconds=1),
            "the publish tick: rollups, threshold alerts and one coalesced delta per live stream; a tick that could "
            "not start within 2 s is dropped (the next one covers the same changes)",
            expires=2,
        )
    ],
)
