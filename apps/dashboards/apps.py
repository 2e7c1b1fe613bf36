from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "apps.dashboards"
    label = "dashboards"
    url_prefix = ""  # its pages sit at the root
    verbose_name = _("Dashboards")
