from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "apps.evidence"
    label = "evidence"
    verbose_name = _("Signed field evidence")
    url_prefix = "evidence/"  # the supervisors' devices page and the evidence packages
