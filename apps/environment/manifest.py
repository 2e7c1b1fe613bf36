"""What the environment app contributes (apps/core/plugins.py)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from apps.core.demo import DemoSeeder
from apps.core.plugins import Manifest
from apps.core.simulation import Simulator
from apps.core.surfaces import Surface
from apps.environment import indicators
from apps.environment.classification import CLASSIFICATION
from apps.environment.demo import seed_demo_environment
from apps.environment.roles import ENVIRONMENT_ROLE_PERMISSIONS
from apps.environment.services import FEED, environment_readings_aggregate, environment_readings_aggregate_parts
from apps.environment.simulator import step
from apps.ingest.feeds import Feed

manifest = Manifest(
    indicators=[
        indicators.AQI,
        indicators.PM25,
        indicators.NOISE_OVER,
        indicators.AQI_DAILY,
        indicators.POLLUTED_HOURS,
    ],
    feeds=[
        Feed(
            key=FEED,
            aggregate=environment_readings_aggregate,
            aggregate_parts=environment_readings_aggregate_parts,
            raw_models=("environment.AirReading", "environment.NoiseReading"),
        )
    ],
    simulators=[Simulator(name="environment.stations", every=timedelta(seconds=60), step=step)],
    seeders=[DemoSeeder(name="environment.demo_stations", order=45, seed=seed_demo_environment)],
    pages=[
        Surface(
            key="environment",
            title=_("Environment"),
            description=_("Air quality by district on a map, the city's AQI over a day, every station's data health."),
            url_name="environment:index",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("environment.view_station")),
            order=30,
        ),
        Surface(
            key="public-aqi",
            title=_("Air quality"),
            description=_("The air quality index of the city and each district, with health advice. Open to all."),
            url_name="environment:public-aqi",
            visible=lambda user: True,
            order=60,
        ),
    ],
    roles=ENVIRONMENT_ROLE_PERMISSIONS,
    classification=CLASSIFICATION,
)
