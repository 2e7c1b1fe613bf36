"""Everything the water-supply fixture app contributes, in one place (apps/core/plugins.py)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from apps.accounts.roles import Role
from apps.core.plugins import Manifest, PeriodicTask
from apps.core.surfaces import Surface
from apps.indicators.registry import Indicator
from apps.ingest.feeds import Feed
from tests.water.classification import CLASSIFICATION
from tests.water.services import FEED, water_readings_aggregate

PRESSURE = Indicator(
    code=FEED,
    domain="water",
    name_zh="管网压力",
    name_en="Mains pressure",
    unit="kPa",
    aggregation="mean",
    rollup="mean",
    bad_direction="low",
    warning=200,
    critical=150,
    stale_after=timedelta(minutes=30),
    decimals=0,
    order=90,
)

manifest = Manifest(
    indicators=[PRESSURE],
    feeds=[Feed(key=FEED, aggregate=water_readings_aggregate, raw_models=("water.PressureReading",))],
    pages=[
        Surface(
            key="water",
            title=_("Water supply"),
            description=_("Mains pressure by gauge, latest reading first."),
            url_name="water:index",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("water.view_pressuresensor")),
            order=40,
        )
    ],
    roles={Role.COMMAND_CENTER: ["water.view_pressuresensor"]},
    classification=CLASSIFICATION,
    periodic_tasks=[
        PeriodicTask(
            "water-sensors-silent",
            "tests.water.tasks.water_sensors_silent_task",
            timedelta(minutes=10),
            "pressure gauges without a reading for 30 minutes are named in the log",
            expires=300,
        )
    ],
)
