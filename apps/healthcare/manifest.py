"""What the healthcare app contributes (apps/core/plugins.py)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from apps.core.demo import DemoSeeder
from apps.core.plugins import Manifest
from apps.core.simulation import Simulator
from apps.core.surfaces import Surface
from apps.healthcare import indicators
from apps.healthcare.classification import CLASSIFICATION
from apps.healthcare.demo import seed_demo_healthcare
from apps.healthcare.roles import HEALTHCARE_ROLE_PERMISSIONS
from apps.healthcare.services import FEED, healthcare_snapshots_aggregate
from apps.healthcare.simulator import step
from apps.ingest.feeds import Feed

manifest = Manifest(
    indicators=[
        indicators.BEDS,
        indicators.ICU_BEDS,
        indicators.BED_OCCUPANCY,
        indicators.ICU_OCCUPANCY,
        indicators.ER_WAIT,
        indicators.ER_WAITING,
        indicators.FEVER_VISITS,
        indicators.FEVER_SIGNAL,
    ],
    feeds=[Feed(key=FEED, aggregate=healthcare_snapshots_aggregate, raw_models=("healthcare.CapacitySnapshot",))],
    simulators=[Simulator(name="healthcare.facilities", every=timedelta(seconds=60), step=step)],
    seeders=[DemoSeeder(name="healthcare.demo_facilities", order=46, seed=seed_demo_healthcare)],
    pages=[
        Surface(
            key="healthcare",
            title=_("Healthcare"),
            description=_(
                "Hospital beds, ICU and emergency waits on a map; where a patient can go now; "
                "fever-clinic surveillance by district."
            ),
            url_name="healthcare:index",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("healthcare.view_facility")),
            order=35,
        )
    ],
    roles=HEALTHCARE_ROLE_PERMISSIONS,
    classification=CLASSIFICATION,
)
