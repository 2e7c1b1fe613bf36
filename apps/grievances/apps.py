from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "apps.grievances"
    label = "grievances"
    verbose_name = _("Grievances")
    url_prefix = ""  # the portal and workbench under /grievances/, the Open311 endpoint under /open311/v2/

    def ready(self) -> None:
        from apps.fieldwork.signals import finding_applied
        from apps.grievances.verification import finding_applied as resolution_checked

        finding_applied.connect(resolution_checked, dispatch_uid="grievances.resolution_checked")
