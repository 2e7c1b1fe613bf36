from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    url_prefix = ""  # its pages sit at the root
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from apps.core import classification_audit, streams, surfaces  # noqa: F401  (registers labels, streams)

        autodiscover_modules("classification")  # each app's field labels (apps/<app>/classification.py)
