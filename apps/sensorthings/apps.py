from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorThingsConfig(AppConfig):
    name = "apps.sensorthings"
    label = "sensorthings"
    verbose_name = _("SensorThings API")
    url_prefix = "sta/v1.1/"  # OGC SensorThings API 1.1 (Part 1: Sensing), apps/sensorthings/views.py
