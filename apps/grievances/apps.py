from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "apps.grievances"
    label = "grievances"
    verbose_name = _("Grievances")
    url_prefix = ""  # the portal and workbench under /grievances/, the Open311 endpoint under /open311/v2/
