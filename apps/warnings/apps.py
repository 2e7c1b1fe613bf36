from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarningsConfig(AppConfig):
    name = "apps.warnings"
    label = "warnings"
    verbose_name = _("Public warnings (CAP)")
    url_prefix = "cap/"  # the public Atom feed and CAP messages, and the approvers' page

    def ready(self) -> None:
        from apps.warnings import checks  # noqa: F401  (registers the deploy checks)
