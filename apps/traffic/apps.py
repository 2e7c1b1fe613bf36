from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrafficConfig(AppConfig):
    name = "apps.traffic"
    label = "traffic"
    verbose_name = _("Traffic")

    def ready(self) -> None:
        from apps.accounts.roles import register_role_permissions
        from apps.core.demo import DemoSeeder, register_demo_seeder
        from apps.core.simulation import Simulator, register_simulator
        from apps.core.surfaces import Surface, register_surface
        from apps.ingest.feeds import Feed, register_feed
        from apps.traffic import indicators  # noqa: F401  (registers the traffic indicators)
        from apps.traffic.demo import seed_demo_traffic
        from apps.traffic.services import FEED, traffic_readings_aggregate, traffic_readings_aggregate_parts
        from apps.traffic.simulator import step

        register_feed(
            Feed(
                key=FEED,
                aggregate=traffic_readings_aggregate,
                aggregate_parts=traffic_readings_aggregate_parts,
                raw_models=("traffic.TrafficReading",),
            )
        )
        from apps.indicators.alerting import register_verdict_listener
        from apps.traffic.incidents import incident_follow_verdict

        register_verdict_listener(kind="incident", listener=incident_follow_verdict)
        from apps.indicators.discrepancies import register_discrepancy_rule
        from apps.traffic.discrepancies import RULE

        register_discrepancy_rule(RULE)

        register_demo_seeder(DemoSeeder(name="traffic.demo_roads", order=40, seed=seed_demo_traffic))
        from apps.traffic.roles import TRAFFIC_ROLE_PERMISSIONS

        register_simulator(Simulator(name="traffic.loops", every=timedelta(seconds=20), step=step))
        register_role_permissions(TRAFFIC_ROLE_PERMISSIONS)
        register_surface(
            Surface(
                key="traffic",
                title=_("Traffic"),
                description=_("Congestion on every monitored road, incidents and their handling, trends."),
                url_name="traffic:index",
                visible=lambda user: bool(user.is_authenticated and user.has_perm("traffic.view_trafficincident")),
                order=20,
            )
        )
