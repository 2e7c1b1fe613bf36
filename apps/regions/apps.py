from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "apps.regions"
    label = "regions"
    verbose_name = _("Regions")
    url_prefix = ""  # the basemap's endpoints under /maps/

    def ready(self) -> None:
        from apps.core.demo import DemoSeeder, register_demo_seeder
        from apps.core.surfaces import Surface, register_surface
        from apps.regions.demo import seed_demo_city

        register_demo_seeder(DemoSeeder(name="regions.demo_city", order=10, seed=seed_demo_city))
        register_surface(
            Surface(
                key="regions",
                title=_("Regions"),
                description=_("The administrative map: districts, streets and communities with population."),
                url_name="dashboards:region-index",
                visible=lambda user: bool(user.is_authenticated and user.has_perm("regions.view_region")),
                order=50,
            )
        )
