"""What the traffic app contributes (apps/core/plugins.py)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from apps.core.demo import DemoSeeder
from apps.core.plugins import Manifest, PeriodicTask
from apps.core.simulation import Simulator
from apps.core.surfaces import Surface
from apps.indicators.alerting import AlertListener
from apps.ingest.feeds import Feed
from apps.traffic import indicators
from apps.traffic.classification import CLASSIFICATION
from apps.traffic.demo import seed_demo_traffic
from apps.traffic.discrepancies import RULE
from apps.traffic.incidents import incident_follow_verdict
from apps.traffic.roles import TRAFFIC_ROLE_PERMISSIONS
from apps.traffic.services import FEED, traffic_readings_aggregate, traffic_readings_aggregate_parts
from apps.traffic.simulator import step

manifest = Manifest(
    indicators=[indicators.CONGESTION, indicators.SPEED, indicators.VOLUME, indicators.OPEN_INCIDENTS],
    feeds=[
        Feed(
            key=FEED,
            aggregate=traffic_readings_aggregate,
            aggregate_parts=traffic_readings_aggregate_parts,
            raw_models=("traffic.TrafficReading",),
        )
    ],
    simulators=[Simulator(name="traffic.loops", every=timedelta(seconds=20), step=step)],
    seeders=[DemoSeeder(name="traffic.demo_roads", order=40, seed=seed_demo_traffic)],
    pages=[
        Surface(
            key="traffic",
            title=_("Traffic"),
            description=_("Congestion on every monitored road, incidents and their handling, trends."),
            url_name="traffic:index",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("traffic.view_trafficincident")),
            order=20,
        )
    ],
    roles=TRAFFIC_ROLE_PERMISSIONS,
    classification=CLASSIFICATION,
    discrepancy_rules=[RULE],
    # an incident alert confirmed or contradicted on site moves the incident
    alert_listeners=[AlertListener(on="verdict", key="incident", call=incident_follow_verdict)],
    periodic_tasks=[
        PeriodicTask(
            "traffic-open-incidents",
            "apps.traffic.tasks.open_incidents_observe_task",
            timedelta(minutes=5),
            "open traffic incidents counted now and then as well as on every change: zero is a value, not a gap",
            expires=60,
        )
    ],
)
