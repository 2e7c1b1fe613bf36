from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "apps.indicators"
    label = "indicators"
    verbose_name = _("Indicators and alerts")

    def ready(self) -> None:
        from apps.accounts.roles import register_role_permissions
        from apps.indicators import streams  # noqa: F401  (registers the alerts stream)
        from apps.indicators.roles import INDICATOR_ROLE_PERMISSIONS

        register_role_permissions(INDICATOR_ROLE_PERMISSIONS)
