from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "apps.grievances"
    label = "grievances"
    verbose_name = _("Grievances")
    url_prefix = ""  # the portal and workbench under /grievances/, the Open311 endpoint under /open311/v2/

    def ready(self) -> None:
        from apps.accounts.roles import register_role_permissions
        from apps.core.demo import DemoSeeder, register_demo_seeder
        from apps.core.simulation import Simulator, register_simulator
        from apps.core.surfaces import Surface, register_surface
        from apps.grievances import indicators  # noqa: F401  (registers the grievance indicators)
        from apps.grievances.demo import seed_demo_grievances
        from apps.grievances.roles import CONTACT_ROLE_PERMISSIONS, GRIEVANCE_ROLE_PERMISSIONS
        from apps.grievances.simulator import step

        register_demo_seeder(DemoSeeder(name="grievances.demo_categories", order=47, seed=seed_demo_grievances))
        register_simulator(Simulator(name="grievances.citizens", every=timedelta(seconds=60), step=step))
        register_role_permissions(GRIEVANCE_ROLE_PERMISSIONS)
        register_role_permissions(CONTACT_ROLE_PERMISSIONS)
        from apps.core.errors import ErrorFormat, register_error_format
        from apps.grievances.open311.views import is_open311_answer, open311_error_body

        # Every answer under /open311/ in the Open311 error format, also those no view gives (apps/core/errors.py).
        register_error_format(ErrorFormat(prefix="/open311/", render=open311_error_body, owns=is_open311_answer))
        from apps.grievances.discrepancies import RULE
        from apps.indicators.discrepancies import register_discrepancy_rule

        register_discrepancy_rule(RULE)
        from apps.core.retention import Retention, register_retention
        from apps.grievances.services import grievances_erase_personal_data

        register_retention(
            Retention(
                name="grievances.reports",
                description=_(
                    "Finished reports: the reporter's contact and photos erased, texts masked, the typed "
                    "address dropped, the point coarsened to about 100 m; category, region, times, "
                    "status and rating stay."
                ),
                erase=grievances_erase_personal_data,
            )
        )
        register_surface(
            Surface(
                key="report",
                title=_("Report a problem"),
                description=_("Tell the city about a problem, get a tracking code, follow it and rate the outcome."),
                url_name="grievances:report",
                visible=lambda user: True,
                order=55,
            )
        )
        register_surface(
            Surface(
                key="workbench",
                title=_("Grievance workbench"),
                description=_("Your department's citizen reports by due time: assign, reply, merge, escalate."),
                url_name="grievances:workbench",
                visible=lambda user: bool(user.is_authenticated and user.has_perm("grievances.handle_grievance")),
                order=25,
            )
        )
