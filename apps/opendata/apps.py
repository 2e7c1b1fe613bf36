from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "apps.opendata"
    label = "opendata"
    verbose_name = _("Open data")
    url_prefix = "open-data/"

    def ready(self) -> None:
        from apps.accounts.roles import register_role_permissions
        from apps.core.surfaces import Surface, register_surface
        from apps.opendata import datasets  # noqa: F401  (registers the built-in datasets)
        from apps.opendata.roles import OPENDATA_ROLE_PERMISSIONS

        register_role_permissions(OPENDATA_ROLE_PERMISSIONS)
        register_surface(
            Surface(
                key="open-data",
                title=_("Open data"),
                description=_(
                    "De-identified counts of citizen reports, field visits and sensor indicators to download as "
                    "CSV, JSON or GeoJSON, with a data dictionary and an open license."
                ),
                url_name="opendata:index",
                visible=lambda user: True,
                order=60,
            )
        )
        register_surface(
            Surface(
                key="open-data-releases",
                title=_("Open-data releases"),
                description=_("Drafts waiting for a steward: k, suppressed records and re-identification risk."),
                url_name="opendata:releases",
                visible=lambda user: bool(user.is_authenticated and user.has_perm("opendata.approve_release")),
                order=70,
            )
        )
