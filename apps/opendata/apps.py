from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "apps.opendata"
    label = "opendata"
    verbose_name = _("Open data")
    url_prefix = "open-data/"
