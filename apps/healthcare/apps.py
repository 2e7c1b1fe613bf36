from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthcareConfig(AppConfig):
    name = "apps.healthcare"
    label = "healthcare"
    verbose_name = _("Healthcare")
