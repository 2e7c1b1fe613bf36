from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "apps.regions"
    label = "regions"
    verbose_name = _("Regions")
    url_prefix = ""  # the basemap's endpoints under /maps/
