from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthcareConfig(AppConfig):
    name = "apps.healthcare"
    label = "healthcare"
    verbose_name = _("Healthcare")

    def ready(self) -> None:
        from apps.accounts.roles import register_role_permissions
        from apps.core.demo import DemoSeeder, register_demo_seeder
        from apps.core.simulation import Simulator, register_simulator
        from apps.core.surfaces import Surface, register_surface
        from apps.healthcare import indicators  # noqa: F401  (registers the healthcare indicators)
        from apps.healthcare.demo import seed_demo_healthcare
        from apps.healthcare.roles import HEALTHCARE_ROLE_PERMISSIONS
        from apps.healthcare.services import FEED, healthcare_snapshots_aggregate
        from apps.healthcare.simulator import step
        from apps.ingest.feeds import Feed, register_feed

        register_feed(
            Feed(key=FEED, aggregate=healthcare_snapshots_aggregate, raw_models=("healthcare.CapacitySnapshot",))
        )
        register_demo_seeder(DemoSeeder(name="healthcare.demo_facilities", order=46, seed=seed_demo_healthcare))
        register_simulator(Simulator(name="healthcare.facilities", every=timedelta(seconds=60), step=step))
        register_role_permissions(HEALTHCARE_ROLE_PERMISSIONS)
        register_surface(
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
        )
