from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    """The data stewards' desk: the classification registry, the audit trail and its chain, retention."""

    name = "apps.governance"
    label = "governance"
    verbose_name = _("Data governance")
    url_prefix = "governance/"

    def ready(self) -> None:
        from apps.core.surfaces import Surface, register_surface
        from apps.governance import admin  # noqa: F401  (the registry page inside the admin)

        register_surface(
            Surface(
                key="governance",
                title=_("Data governance"),
                description=_(
                    "Every field's grade and personal-data label, who read personal data and why, the "
                    "audit trail's integrity, retention."
                ),
                url_name="governance:index",
                visible=lambda user: bool(user.is_authenticated and user.has_perm("core.view_auditlog")),
                order=80,
            )
        )
