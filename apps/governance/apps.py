from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    """The data stewards' desk: the classification registry, the audit trail and its chain, retention."""

    name = "apps.governance"
    label = "governance"
    verbose_name = _("Data governance")
    url_prefix = "governance/"

    def ready(self) -> None:
        from apps.governance import admin  # noqa: F401  (the registry page inside the admin)
