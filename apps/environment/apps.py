from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnvironmentConfig(AppConfig):
    name = "apps.environment"
    label = "environment"
    verbose_name = _("Environment")

    def ready(self) -> None:
        from apps.accounts.roles import register_role_permissions
        from apps.core.demo import DemoSeeder, register_demo_seeder
        from apps.core.simulation import Simulator, register_simulator
        from apps.core.surfaces import Surface, register_surface
        from apps.environment import indicators  # noqa: F401  (registers the environment indicators)
        from apps.environment.demo import seed_demo_environment
        from apps.environment.roles import ENVIRONMENT_ROLE_PERMISSIONS
        from apps.environment.services import (
            FEED,
            environment_readings_aggregate,
            environment_readings_aggregate_parts,
        )
        from apps.environment.simulator import step
        from apps.ingest.feeds import Feed, register_feed

        register_feed(
            Feed(
                key=FEED,
                aggregate=environment_readings_aggregate,
                aggregate_parts=environment_readings_aggregate_parts,
                raw_models=("environment.AirReading", "environment.NoiseReading"),
            )
        )
        register_demo_seeder(DemoSeeder(name="environment.demo_stations", order=45, seed=seed_demo_environment))
        register_simulator(Simulator(name="environment.stations", every=timedelta(seconds=60), step=step))
        register_role_permissions(ENVIRONMENT_ROLE_PERMISSIONS)
        register_surface(
            Surface(
                key="environment",
                title=_("Environment"),
                description=_(
                    "Air quality by district on a map, the city's AQI over a day, every station's data health."
                ),
                url_name="environment:index",
                visible=lambda user: bool(user.is_authenticated and user.has_perm("environment.view_station")),
                order=30,
            )
        )
        register_surface(
            Surface(
                key="public-aqi",
                title=_("Air quality"),
                description=_("The air quality index of the city and each district, with health advice. Open to all."),
                url_name="environment:public-aqi",
                visible=lambda user: True,
                order=60,
            )
        )
