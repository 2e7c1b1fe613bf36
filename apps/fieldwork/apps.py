from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "apps.fieldwork"
    label = "fieldwork"
    verbose_name = _("Field work")
    url_prefix = "field/"
