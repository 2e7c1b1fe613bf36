"""What the accountability app contributes (apps/core/plugins.py): the public truth panel, contests of published
figures and resolutions, their labels, and simulated contestants for the demo."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from apps.accountability.classification import CLASSIFICATION
from apps.accountability.selectors import wall_accountability
from apps.accountability.services import contests_erase_personal_data
from apps.accountability.simulator import step
from apps.core.plugins import Manifest
from apps.core.retention import Retention
from apps.core.simulation import Simulator
from apps.core.surfaces import Surface

manifest = Manifest(
    simulators=[Simulator(name="accountability.contestants", every=timedelta(minutes=1), step=step)],
    pages=[
        Surface(
            key="public-truth",
            title=_("Is it true?"),
            description=_(
                "Every figure the city publishes, with its source's trust, its last check on site, disagreements "
                "and citizens' contests. Open to all; say when a figure does not match what you see."
            ),
            url_name="accountability:panel",
            visible=lambda user: True,
            order=58,
        )
    ],
    classification=CLASSIFICATION,
    retention=[
        Retention(
            name="accountability.contests",
            description=_(
                "Contests no longer open (checked, or expired): the contact erased, the position dropped, the words "
                "masked; the group's place, figure, count and verdict stay."
            ),
            erase=contests_erase_personal_data,
        )
    ],
    # the wall's ground-truth panel: figures citizens contest, and the largest claimed-vs-verified 接诉即办 gap
    ground_truth=[wall_accountability],
)
