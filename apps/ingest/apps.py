from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IngestConfig(AppConfig):
    name = "apps.ingest"
    label = "ingest"
    verbose_name = _("Data ingest")

    def ready(self) -> None:
        # drf-spectacular finds its extensions by import: this one documents the ingest bearer token
        from apps.ingest import schema  # noqa: F401
