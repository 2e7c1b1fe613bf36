from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IngestConfig(AppConfig):
    name = "apps.ingest"
    label = "ingest"
    verbose_name = _("Data ingest")

    def ready(self) -> None:
        from apps.ingest import schema  # noqa: F401  (documents the bearer token in the OpenAPI schema)
