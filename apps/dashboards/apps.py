from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "apps.dashboards"
    label = "dashboards"
    url_prefix = ""  # its pages sit at the root
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from apps.core.surfaces import Surface, register_surface
        from apps.dashboards import streams  # noqa: F401  (registers the wall and region streams)
        from apps.dashboards.services import ground_truth_touch
        from apps.indicators.alerting import register_change_listener

        register_change_listener(ground_truth_touch)  # the wall's ground-truth panel follows alerts live

        register_surface(
            Surface(
                key="wall",
                title=_("Command wall"),
                description=_("The big screen: live map, key indicators and alerts with their ground truth."),
                url_name="dashboards:wall",
                visible=lambda user: bool(user.is_authenticated and user.has_perm("indicators.view_wall")),
                order=10,
            )
        )
