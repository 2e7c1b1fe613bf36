"""What the regions app contributes (apps/core/plugins.py): the demo city, the regions page and the labels."""

from django.utils.translation import gettext_lazy as _

from apps.core.demo import DemoSeeder
from apps.core.plugins import Manifest
from apps.core.surfaces import Surface
from apps.regions.classification import CLASSIFICATION
from apps.regions.demo import seed_demo_city

manifest = Manifest(
    seeders=[DemoSeeder(name="regions.demo_city", order=10, seed=seed_demo_city)],
    pages=[
        Surface(
            key="regions",
            title=_("Regions"),
            description=_("The administrative map: districts, streets and communities with population."),
            url_name="dashboards:region-index",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("regions.view_region")),
            order=50,
        )
    ],
    classification=CLASSIFICATION,
)
