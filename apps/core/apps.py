from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    url_prefix = ""  # its pages sit at the root
    verbose_name = _("Core")

    def ready(self) -> None:
        from apps.core import streams, surfaces  # noqa: F401  (registers the system stream and surfaces)
